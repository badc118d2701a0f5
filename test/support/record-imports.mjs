// A Node module hook that reports every bare specifier resolved, to prove what an import loads.
export async function resolve(specifier, context, nextResolve) {
  if (!specifier.startsWith('.') && !specifier.startsWith('/') && !specifier.startsWith('file:')) {
    process.stderr.write(`resolved-bare:${specifier}\n`)
  }
  return nextResolve(specifier, context)
}
