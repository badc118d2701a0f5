/**
 * The JSON boundary, inside the worker: the input goes in as text parsed by the guest; the result
 * comes out through the prelude's serialiser, measured in the guest before it is copied, then
 * parsed again on the host side with prototype keys and deep nesting rejected.
 *
 * @module
 */
import type { QuickJSContext, QuickJSHandle } from 'quickjs-emscripten'
import { Failure, unwrap } from './guest-error.js'
import { parseGuardedJson } from './json-guard.js'

/** The deepest nesting a result may have. */
export const MAX_RESULT_DEPTH = 256

/** Parses the input's JSON text with the guest's own `JSON.parse`, before any snippet code runs. */
export function parseInput(vm: QuickJSContext, inputText: string, deadline: number): QuickJSHandle {
  const json = vm.getProp(vm.global, 'JSON')
  try {
    const parse = vm.getProp(json, 'parse')
    try {
      const text = vm.newString(inputText)
      try {
        return unwrap(vm, vm.callFunction(parse, json, text), 'memory', deadline)
      } finally {
        text.dispose()
      }
    } finally {
      parse.dispose()
    }
  } finally {
    json.dispose()
  }
}

/** Serialises the value with the captured `JSON.stringify`, measures it in the guest, then copies it out. */
export function serializeResult(
  vm: QuickJSContext,
  serialize: QuickJSHandle,
  value: QuickJSHandle,
  maxOutputBytes: number,
  deadline: number,
): unknown {
  const text = unwrap(vm, vm.callFunction(serialize, vm.undefined, value), 'runtime', deadline)
  try {
    const type = vm.typeof(text)
    if (type === 'undefined') return undefined
    if (type === 'object') {
      throw new Failure('output', `the result is nested deeper than ${MAX_RESULT_DEPTH} levels`)
    }
    if (type !== 'string') throw new Failure('output', 'the result could not be serialised as JSON')
    const lengthHandle = vm.getProp(text, 'length')
    const length = vm.getNumber(lengthHandle)
    lengthHandle.dispose()
    if (length > maxOutputBytes) {
      throw new Failure(
        'output',
        `the result is ${length} characters as JSON, more than the ${maxOutputBytes} bytes allowed; return a smaller value`,
      )
    }
    const json = vm.getString(text)
    const bytes = Buffer.byteLength(json)
    if (bytes > maxOutputBytes) {
      throw new Failure(
        'output',
        `the result is ${bytes} bytes as JSON, more than the ${maxOutputBytes} allowed; return a smaller value`,
      )
    }
    const parsed = parseGuardedJson(json, MAX_RESULT_DEPTH)
    if (!parsed.ok) throw new Failure('output', parsed.message)
    return parsed.value
  } finally {
    text.dispose()
  }
}
