/**
 * Knowledge from data sources (seed 003): sources addressed as `type:id`, a registry of source
 * types, built-in sources for local files (confined to a root directory) and web pages (HTTP with
 * size and time limits), a text splitter, and `ingestSource`, which fetches, splits, embeds and
 * stores a source as knowledge, skipping what has not changed.
 *
 * @example
 * import { createDataSourceRegistry, fileDataSource, ingestSource, webDataSource } from 'agentloop/knowledge'
 * const sources = createDataSourceRegistry([fileDataSource({ root: './docs' }), webDataSource()])
 * await ingestSource({ source: 'file:setup.md', sources, knowledge: storage.knowledge, embedder })
 *
 * @module
 */
export {
  type DataSource,
  type DataSourceContent,
  type FetchContentOptions,
  parseSourceAddress,
} from './data-source.js'
export { DataSourceError } from './data-source-error.js'
export { createDataSourceRegistry, type DataSourceRegistry } from './data-source-registry.js'
export { type FileDataSourceOptions, fileDataSource } from './file-data-source.js'
export { htmlToText } from './html-to-text.js'
export {
  type IngestResult,
  type IngestSourceOptions,
  ingestSource,
  SOURCE_FACT_TYPE,
  sourceChunkId,
} from './ingest-source.js'
export { type SplitOptions, splitIntoChunks } from './split-into-chunks.js'
export { type WebDataSourceOptions, webDataSource } from './web-data-source.js'
