import { readFile, realpath, stat } from 'node:fs/promises'
import { isAbsolute, relative, resolve, sep } from 'node:path'
import { ConfigError } from '../errors/errors.js'
import type { DataSource } from './data-source.js'
import { parseSourceAddress } from './data-source.js'
import { DataSourceError } from './data-source-error.js'

/** Options of {@link fileDataSource}. */
export interface FileDataSourceOptions {
  /** The directory files are read from; nothing outside it is ever read. */
  root: string
  /** Largest file read, in bytes (default 10 MB). */
  maxBytes?: number
}

/** Whether `path` is `root` or inside it. */
function isInside(root: string, path: string): boolean {
  const fromRoot = relative(root, path)
  return fromRoot === '' || (!fromRoot.startsWith(`..${sep}`) && fromRoot !== '..' && !isAbsolute(fromRoot))
}

/**
 * Local text files under a root directory, addressed `file:<path relative to the root>`
 * (`file:guides/setup.md`). Absolute paths, `..` escapes and symbolic links that lead outside the
 * root are refused, so an address taken from a user or a model cannot read other files.
 */
export function fileDataSource(options: FileDataSourceOptions): DataSource {
  if (typeof options?.root !== 'string' || options.root === '') {
    throw new ConfigError({ message: "fileDataSource: root must be a directory, e.g. { root: './docs' }." })
  }
  const root = resolve(options.root)
  const maxBytes = options.maxBytes ?? 10 * 1024 * 1024
  if (!Number.isInteger(maxBytes) || maxBytes <= 0) {
    throw new ConfigError({
      message: `fileDataSource: maxBytes must be a positive integer; got ${maxBytes}.`,
    })
  }

  /** The path an address names, or a reason it is refused. */
  const locate = (source: string): { path: string } | { problem: string } => {
    const { type, id } = parseSourceAddress(source)
    if (type !== 'file') return { problem: `it is a "${type}" address, not "file"` }
    if (id.includes('\0')) return { problem: 'the path contains a NUL character' }
    if (isAbsolute(id) || /^[a-zA-Z]:/.test(id) || id.startsWith('\\')) {
      return { problem: 'the path is absolute; give a path relative to the root' }
    }
    const path = resolve(root, id)
    if (!isInside(root, path)) return { problem: 'the path leads outside the root' }
    return { path }
  }

  return {
    type: 'file',

    validateSource(source) {
      try {
        return 'path' in locate(source)
      } catch {
        return false
      }
    },

    async fetchContent(source) {
      const located = locate(source)
      if ('problem' in located) {
        throw new ConfigError({
          message: `fileDataSource: refused ${JSON.stringify(source)}: ${located.problem} (root ${root}).`,
        })
      }
      let real: string
      try {
        real = await realpath(located.path)
      } catch (error) {
        throw new DataSourceError({
          source,
          message: `fileDataSource: cannot read ${JSON.stringify(source)}: ${(error as Error).message}. Check the path (relative to ${root}).`,
          cause: error,
        })
      }
      // a symbolic link inside the root may point anywhere: check where it really leads
      if (!isInside(await realpath(root), real)) {
        throw new ConfigError({
          message: `fileDataSource: refused ${JSON.stringify(source)}: it is a link to a file outside the root (${root}).`,
        })
      }
      const info = await stat(real)
      if (!info.isFile()) {
        throw new DataSourceError({
          source,
          message: `fileDataSource: ${JSON.stringify(source)} is not a file.`,
        })
      }
      if (info.size > maxBytes) {
        throw new DataSourceError({
          source,
          message: `fileDataSource: ${JSON.stringify(source)} is ${info.size} bytes, over maxBytes (${maxBytes}). Split the file or raise maxBytes.`,
        })
      }
      const content = await readFile(real, 'utf8')
      return {
        content,
        source,
        metadata: {
          type: 'file',
          path: relative(root, located.path).split(sep).join('/'),
          bytes: info.size,
          modifiedAt: info.mtimeMs,
        },
      }
    },
  }
}
