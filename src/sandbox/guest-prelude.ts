/**
 * JavaScript evaluated inside each fresh QuickJS context before the snippet. It captures the
 * built-ins the boundary relies on (so a snippet that overwrites `JSON.stringify` cannot fool the
 * serialiser), installs a capped `console`, and exposes the granted host functions as async
 * functions taking and returning JSON. The host's raw callbacks stay in this closure: the snippet
 * can only reach the wrappers.
 *
 * The prelude evaluates to a function `(hostLog, hostCall, names, limits) => serialize`; `serialize`
 * returns the JSON text, `undefined`, or `{ tooDeep: depth }` for values nested too deeply.
 */
export const GUEST_PRELUDE = `(function (hostLog, hostCall, names, limits) {
  'use strict'
  var stringify = JSON.stringify
  var parse = JSON.parse
  var toStr = String
  var consoleLeft = limits.console
  function format(args) {
    var out = ''
    for (var i = 0; i < args.length && out.length < consoleLeft; i++) {
      var item = args[i]
      var text
      if (typeof item === 'string') text = item
      else {
        try { text = stringify(item) } catch (error) { text = undefined }
        if (text === undefined) { try { text = toStr(item) } catch (error) { text = '[value]' } }
      }
      out += (i > 0 ? ' ' : '') + text
    }
    return out
  }
  var console = {}
  var levels = ['log', 'info', 'warn', 'error', 'debug']
  for (var l = 0; l < levels.length; l++) {
    (function (level) {
      console[level] = function () {
        if (consoleLeft <= 0) { hostLog(level, '', true); return }
        var text = format(arguments)
        var truncated = text.length > consoleLeft
        if (truncated) text = text.slice(0, consoleLeft)
        consoleLeft -= text.length + 1
        hostLog(level, text, truncated)
      }
    })(levels[l])
  }
  globalThis.console = console
  for (var n = 0; n < names.length; n++) {
    (function (name) {
      globalThis[name] = function () {
        var args = []
        for (var i = 0; i < arguments.length; i++) args.push(arguments[i])
        var text = stringify(args)
        if (text.length > limits.callBytes) {
          throw new RangeError('the arguments of ' + name + '() are larger than ' + limits.callBytes + ' characters as JSON')
        }
        return hostCall(name, text).then(function (reply) { return reply === undefined ? undefined : parse(reply) })
      }
    })(names[n])
  }
  var keysOf = Object.keys
  // Deep nesting makes QuickJS's recursive JSON.stringify slow and stack-hungry: refuse it first.
  function tooDeep(value) {
    var stack = [value, 0]
    while (stack.length > 0) {
      var depth = stack.pop()
      var item = stack.pop()
      if (typeof item !== 'object' || item === null) continue
      if (depth >= limits.depth) return true
      var keys = keysOf(item)
      for (var k = 0; k < keys.length; k++) {
        var child = item[keys[k]]
        if (typeof child === 'object' && child !== null) { stack[stack.length] = child; stack[stack.length] = depth + 1 }
      }
    }
    return false
  }
  return function serialize(value) {
    if (value === undefined) return undefined
    if (tooDeep(value)) return { tooDeep: limits.depth }
    return stringify(value)
  }
})`

/**
 * Wraps a snippet as an async function of \`input\`: the snippet may \`return\` a value or assign
 * \`result\` (declared or not); top-level \`await\` works.
 */
export function wrapSnippet(code: string): string {
  return `(async function (input) {\n${code}\n;return typeof result === 'undefined' ? undefined : result\n})`
}

/** Lines the wrapper adds before the snippet, to report line numbers of the snippet itself. */
export const WRAPPER_LINE_OFFSET = 1
