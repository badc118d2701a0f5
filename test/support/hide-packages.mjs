// A Node module hook that fails to resolve the hidden packages exactly as Node does for a package
// that is not installed, to test what users see without an optional peer.
let hidden = []

export function initialize(data) {
  hidden = data.hidden
}

export async function resolve(specifier, context, nextResolve) {
  if (hidden.includes(specifier)) {
    const error = new Error(`Cannot find package '${specifier}' imported from ${context.parentURL}`)
    error.code = 'ERR_MODULE_NOT_FOUND'
    throw error
  }
  return nextResolve(specifier, context)
}
