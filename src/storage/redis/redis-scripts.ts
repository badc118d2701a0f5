/**
 * The Lua scripts of the Redis backend. A script runs atomically in Redis, so a whole batch of
 * writes with its revision checks is one isolated step, like a SQL transaction. No script walks a
 * whole sorted set: lists read at most a page (ranges with LIMIT), the parent walk and the format
 * upgrade at most a chunk per call; the client calls again for more.
 *
 * Layout, under the prefix: `r:<collection>:<key>` a hash (rev, grp, ord, ca, ua, exp, data, par:
 * the parent key, idx: the index values as JSON); `g:<collection>:<group>`, `c:<collection>` and
 * `i:<collection>:<index value>` sorted sets of keys scored by order; `format` the layout version.
 *
 * @module
 */

/**
 * ARGV: prefix, now, the operations as JSON (without their data), then one data text per put.
 * Returns { 1, revision... } or { 0, index, actual revision or -1 }.
 */
export const COMMIT_SCRIPT = `
local prefix = ARGV[1]
local now = ARGV[2]
local operations = cjson.decode(ARGV[3])
local function record_key(c, k) return prefix .. 'r:' .. c .. ':' .. k end
local function group_key(c, g) return prefix .. 'g:' .. c .. ':' .. g end
local function collection_key(c) return prefix .. 'c:' .. c end
local function index_key(c, v) return prefix .. 'i:' .. c .. ':' .. v end
local function unindex_values(c, k, old)
  if old then for _, value in ipairs(cjson.decode(old)) do redis.call('ZREM', index_key(c, value), k) end end
end
local function unindex(c, k, key) unindex_values(c, k, redis.call('HGET', key, 'idx')) end

-- check every condition first: a failed batch writes nothing
local current = {}
for i, op in ipairs(operations) do
  if op.t ~= 'deleteGroup' then
    local found = redis.call('HMGET', record_key(op.c, op.k), 'rev', 'grp', 'ord', 'exp')
    current[i] = found
    local exists = found[1] ~= false
    if op.e ~= nil then
      if op.e == cjson.null then
        if exists then return { 0, i - 1, tonumber(found[1]) } end
      elseif (not exists) or tonumber(found[1]) ~= op.e then
        return { 0, i - 1, exists and tonumber(found[1]) or -1 }
      end
    end
  end
end

local result = { 1 }
for i, op in ipairs(operations) do
  local revision = 0
  if op.t == 'put' then
    local key = record_key(op.c, op.k)
    local found = current[i]
    local exists = found[1] ~= false
    if not (op.ia and exists) then
      local created = now
      local updated = now
      local order = op.o
      if op.r ~= nil then
        revision = op.r[1]
        created = op.r[2]
        updated = op.r[3]
      else
        revision = exists and (tonumber(found[1]) + 1) or 1
      end
      if op.kp and exists and op.r == nil then
        -- keep the stored group and order (and creation time): the indexes do not change
        order = found[3]
        redis.call('HSET', key, 'rev', revision, 'ua', updated, 'exp', op.x or '', 'data', ARGV[3 + op.d], 'par', op.p or '')
      else
        if exists and op.r == nil then created = redis.call('HGET', key, 'ca') end
        if exists and found[2] ~= op.g then redis.call('ZREM', group_key(op.c, found[2]), op.k) end
        redis.call('HSET', key, 'rev', revision, 'grp', op.g, 'ord', op.o, 'ca', created, 'ua', updated,
          'exp', op.x or '', 'data', ARGV[3 + op.d], 'par', op.p or '')
        redis.call('ZADD', group_key(op.c, op.g), op.o, op.k)
        redis.call('ZADD', collection_key(op.c), op.o, op.k)
      end
      if op.ix ~= nil then
        local values = cjson.encode(op.ix)
        local old = exists and redis.call('HGET', key, 'idx') or false
        -- the same values at the same order (a save that keeps status and position): nothing to move
        if not (op.kp and exists and op.r == nil and old == values) then
          unindex_values(op.c, op.k, old)
          for _, value in ipairs(op.ix) do redis.call('ZADD', index_key(op.c, value), order, op.k) end
          redis.call('HSET', key, 'idx', values)
        end
      end
      -- a key without an expiry (a new one, or one stored without) needs no PERSIST
      if op.x then redis.call('PEXPIREAT', key, op.x)
      elseif exists and found[4] ~= false and found[4] ~= '' then redis.call('PERSIST', key) end
    end
  elseif op.t == 'delete' then
    local found = current[i]
    if found[1] ~= false then
      local key = record_key(op.c, op.k)
      unindex(op.c, op.k, key)
      redis.call('DEL', key)
      redis.call('ZREM', group_key(op.c, found[2]), op.k)
      redis.call('ZREM', collection_key(op.c), op.k)
    end
  elseif op.t == 'deleteGroup' then
    local members = redis.call('ZRANGE', group_key(op.c, op.g), 0, -1)
    for _, member in ipairs(members) do
      local key = record_key(op.c, member)
      unindex(op.c, member, key)
      redis.call('DEL', key)
      redis.call('ZREM', collection_key(op.c), member)
    end
    redis.call('DEL', group_key(op.c, op.g))
  end
  result[#result + 1] = revision
end
return result
`

/**
 * ARGV: prefix, collection, index kind (c: the collection, g: a group, i: an index value), its
 * name, after order ('' for none), position order and key ('' for none: the cursor), limit,
 * descending (1/0), now. Returns flat rows: key, grp, ord, rev, ca, ua, exp, data. Reads score
 * ranges with LIMIT, so it costs about `limit` entries (plus expired ones and ties at the cursor).
 */
export const LIST_SCRIPT = `
local prefix, c, kind, name = ARGV[1], ARGV[2], ARGV[3], ARGV[4]
local index = prefix .. 'c:' .. c
if kind == 'g' then index = prefix .. 'g:' .. c .. ':' .. name end
if kind == 'i' then index = prefix .. 'i:' .. c .. ':' .. name end
local after = ARGV[5] ~= '' and tonumber(ARGV[5]) or nil
local position = ARGV[6] ~= '' and tonumber(ARGV[6]) or nil
local position_key = ARGV[7]
local limit = tonumber(ARGV[8])
local descending = ARGV[9] == '1'
local now = tonumber(ARGV[10])
-- byte order, as Redis orders members of equal score
local function less(a, b)
  local n = math.min(#a, #b)
  for j = 1, n do
    local x, y = string.byte(a, j), string.byte(b, j)
    if x ~= y then return x < y end
  end
  return #a < #b
end
local low, high = '-inf', '+inf'
if after then low = '(' .. ARGV[5] end
if position then
  if descending then high = ARGV[6]
  elseif (not after) or position > after then low = ARGV[6] end
end
local rows = {}
local count = 0
local offset = 0
while count < limit do
  local batch = math.max(limit - count, 16)
  local members
  if descending then
    members = redis.call('ZREVRANGEBYSCORE', index, high, low, 'WITHSCORES', 'LIMIT', offset, batch)
  else
    members = redis.call('ZRANGEBYSCORE', index, low, high, 'WITHSCORES', 'LIMIT', offset, batch)
  end
  if #members == 0 then break end
  offset = offset + #members / 2
  for j = 1, #members, 2 do
    local member, score = members[j], tonumber(members[j + 1])
    local skip = false
    if position and score == position then
      if descending then skip = not less(member, position_key) else skip = not less(position_key, member) end
    end
    if not skip then
      local f = redis.call('HMGET', prefix .. 'r:' .. c .. ':' .. member, 'grp', 'ord', 'rev', 'ca', 'ua', 'exp', 'data')
      if f[3] ~= false and not (f[6] ~= '' and tonumber(f[6]) <= now) then
        rows[#rows + 1] = member
        for k = 1, 7 do rows[#rows + 1] = f[k] end
        count = count + 1
        if count >= limit then return rows end
      end
    end
  end
end
return rows
`

/**
 * ARGV: prefix, collection, key, at most this many records, now. Follows \`par\` from the record:
 * returns flat rows (key, grp, ord, rev, ca, ua, exp, data) nearest first, then the key to go on
 * from ('' when the chain ended).
 */
export const ANCESTORS_SCRIPT = `
local prefix, c, key = ARGV[1], ARGV[2], ARGV[3]
local max = tonumber(ARGV[4])
local now = tonumber(ARGV[5])
local rows = {}
local count = 0
while key ~= '' and count < max do
  local f = redis.call('HMGET', prefix .. 'r:' .. c .. ':' .. key, 'grp', 'ord', 'rev', 'ca', 'ua', 'exp', 'data', 'par')
  if f[3] == false or (f[6] ~= '' and tonumber(f[6]) <= now) then key = '' break end
  rows[#rows + 1] = key
  for k = 1, 7 do rows[#rows + 1] = f[k] end
  count = count + 1
  key = f[8] or ''
end
rows[#rows + 1] = key
return rows
`

/**
 * The upgrade to layout 2, a chunk per call. ARGV: prefix, collection (run or session-message),
 * start rank, count. Runs get their index values (the same as create-run-repository.ts gives them),
 * messages their parent key, unless a newer write already set them. Returns how many it read.
 */
export const UPGRADE_SCRIPT = `
local prefix, c = ARGV[1], ARGV[2]
local members = redis.call('ZRANGE', prefix .. 'c:' .. c, tonumber(ARGV[3]), tonumber(ARGV[3]) + tonumber(ARGV[4]) - 1, 'WITHSCORES')
for j = 1, #members, 2 do
  local member, score = members[j], members[j + 1]
  local key = prefix .. 'r:' .. c .. ':' .. member
  local text = redis.call('HGET', key, 'data')
  local ok, data = pcall(cjson.decode, text or '')
  if ok and type(data) == 'table' then
    if c == 'run' and redis.call('HEXISTS', key, 'idx') == 0 and type(data.status) == 'string' and type(data.agentName) == 'string' then
      local values = { 's:' .. data.status, 'a:' .. data.status .. ':' .. data.agentName }
      if type(data.sessionId) == 'string' then values[3] = 'x:' .. data.sessionId end
      for _, value in ipairs(values) do redis.call('ZADD', prefix .. 'i:run:' .. value, score, member) end
      redis.call('HSET', key, 'idx', cjson.encode(values))
    elseif c == 'session-message' and redis.call('HEXISTS', key, 'par') == 0 and type(data.parentId) == 'string' and type(data.sessionId) == 'string' then
      -- compositeKey counts UTF-16 units, Lua bytes: ids beyond ASCII get no usable link (the
      -- repository then reads the whole tree, as before)
      redis.call('HSET', key, 'par', #data.sessionId .. ':' .. data.sessionId .. #data.parentId .. ':' .. data.parentId)
    end
  end
end
return #members / 2
`
