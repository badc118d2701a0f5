/** Options of {@link splitIntoChunks}. */
export interface SplitOptions {
  /** Largest chunk, in characters (default 1000). */
  chunkSize?: number
  /** Characters repeated from the end of one chunk at the start of the next (default 100). */
  overlap?: number
}

import { ConfigError } from '../errors/errors.js'

/**
 * Splits text into chunks of at most `chunkSize` characters for embedding, cutting at the best
 * boundary available: a paragraph break, else a line break, else the end of a sentence, else a
 * space, else anywhere. Consecutive chunks share `overlap` characters, so a sentence cut in two
 * is still found whole in one of them.
 */
export function splitIntoChunks(text: string, options: SplitOptions = {}): string[] {
  const chunkSize = options.chunkSize ?? 1000
  const overlap = options.overlap ?? 100
  if (!Number.isInteger(chunkSize) || chunkSize < 1) {
    throw new ConfigError({
      message: `splitIntoChunks: chunkSize must be a positive integer; got ${chunkSize}.`,
    })
  }
  if (!Number.isInteger(overlap) || overlap < 0 || overlap >= chunkSize) {
    throw new ConfigError({
      message: `splitIntoChunks: overlap must be an integer from 0 to chunkSize - 1 (${chunkSize - 1}); got ${overlap}.`,
    })
  }
  const normalized = text.replace(/\r\n?/g, '\n').trim()
  const chunks: string[] = []
  let start = 0
  while (start < normalized.length) {
    let end = Math.min(start + chunkSize, normalized.length)
    if (end < normalized.length) {
      const window = normalized.slice(start, end)
      // never cut so early that the chunk is mostly overlap
      const minimum = Math.floor(chunkSize / 2)
      for (const boundary of ['\n\n', '\n', '. ', '! ', '? ', ' ']) {
        const at = window.lastIndexOf(boundary)
        if (at >= minimum) {
          end = start + at + boundary.length
          break
        }
      }
    }
    const chunk = normalized.slice(start, end).trim()
    if (chunk !== '') chunks.push(chunk)
    if (end >= normalized.length) break
    start = Math.max(end - overlap, start + 1)
  }
  return chunks
}
