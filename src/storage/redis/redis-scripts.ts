/**
 * The Lua scripts of the Redis backend. A script runs atomically in Redis, so a whole batch of
 * writes with its revision checks is one isolated step, like a SQL transaction.
 *
 * Layout, under the prefix: `r:<collection>:<key>` a hash (rev, grp, ord, ca, ua, exp, data);
 * `g:<collection>:<group>` and `c:<collection>` sorted sets of keys scored by order.
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

-- check every condition first: a failed batch writes nothing
local current = {}
for i, op in ipairs(operations) do
  if op.t ~= 'deleteGroup' then
    local found = redis.call('HMGET', record_key(op.c, op.k), 'rev', 'grp')
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
      if op.r ~= nil then
        revision = op.r[1]
        created = op.r[2]
        updated = op.r[3]
      else
        revision = exists and (tonumber(found[1]) + 1) or 1
        if exists then created = redis.call('HGET', key, 'ca') end
      end
      if op.kp and exists and op.r == nil then
        -- keep the stored group and order: the indexes do not change
        redis.call('HSET', key, 'rev', revision, 'ua', updated, 'exp', op.x or '', 'data', ARGV[3 + op.d])
      else
        if exists and found[2] ~= op.g then redis.call('ZREM', group_key(op.c, found[2]), op.k) end
        redis.call('HSET', key, 'rev', revision, 'grp', op.g, 'ord', op.o, 'ca', created, 'ua', updated,
          'exp', op.x or '', 'data', ARGV[3 + op.d])
        redis.call('ZADD', group_key(op.c, op.g), op.o, op.k)
        redis.call('ZADD', collection_key(op.c), op.o, op.k)
      end
      if op.x then redis.call('PEXPIREAT', key, op.x) else redis.call('PERSIST', key) end
    end
  elseif op.t == 'delete' then
    local found = current[i]
    if found[1] ~= false then
      redis.call('DEL', record_key(op.c, op.k))
      redis.call('ZREM', group_key(op.c, found[2]), op.k)
      redis.call('ZREM', collection_key(op.c), op.k)
    end
  elseif op.t == 'deleteGroup' then
    local members = redis.call('ZRANGE', group_key(op.c, op.g), 0, -1)
    for _, member in ipairs(members) do
      redis.call('DEL', record_key(op.c, member))
      redis.call('ZREM', collection_key(op.c), member)
    end
    redis.call('DEL', group_key(op.c, op.g))
  end
  result[#result + 1] = revision
end
return result
`

/**
 * ARGV: prefix, collection, has group (1/0), group, after order ('' for none), limit ('' for none),
 * descending (1/0), now. Returns flat rows: key, grp, ord, rev, ca, ua, exp, data. Drops index
 * entries whose record expired.
 */
export const LIST_SCRIPT = `
local prefix = ARGV[1]
local c = ARGV[2]
local index = ARGV[3] == '1' and (prefix .. 'g:' .. c .. ':' .. ARGV[4]) or (prefix .. 'c:' .. c)
local after = ARGV[5]
local limit = tonumber(ARGV[6])
local descending = ARGV[7] == '1'
local now = tonumber(ARGV[8])
local low = after == '' and '-inf' or ('(' .. after)
local rows = {}
local count = 0
local offset = 0
while true do
  local members
  if descending then
    members = redis.call('ZREVRANGEBYSCORE', index, '+inf', low, 'LIMIT', offset, 200)
  else
    members = redis.call('ZRANGEBYSCORE', index, low, '+inf', 'LIMIT', offset, 200)
  end
  if #members == 0 then break end
  offset = offset + #members
  for _, member in ipairs(members) do
    local f = redis.call('HMGET', prefix .. 'r:' .. c .. ':' .. member, 'grp', 'ord', 'rev', 'ca', 'ua', 'exp', 'data')
    if f[3] == false or (f[6] ~= '' and tonumber(f[6]) <= now) then
      -- expired (or deleted by its TTL): not listed
    else
      rows[#rows + 1] = member
      for j = 1, 7 do rows[#rows + 1] = f[j] end
      count = count + 1
      if limit and count >= limit then return rows end
    end
  end
end
return rows
`
