import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import {
  createDataSourceRegistry,
  type DataSource,
  fileDataSource,
  htmlToText,
  parseSourceAddress,
  splitIntoChunks,
  webDataSource,
} from 'agentloop/knowledge'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

const directory = mkdtempSync(join(tmpdir(), 'agentloop-sources-'))
const root = join(directory, 'docs')
let server: Server
let base = ''

beforeAll(async () => {
  mkdirSync(join(root, 'guides'), { recursive: true })
  writeFileSync(join(root, 'guides', 'setup.md'), '# Setup\n\nRun npm install.')
  writeFileSync(join(directory, 'secret.txt'), 'outside the root')
  symlinkSync(join(directory, 'secret.txt'), join(root, 'escape.txt'))
  server = createServer((request, response) => {
    switch (request.url) {
      case '/page':
        response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' })
        response.end(
          '<html><head><title>FAQ &amp; help</title><style>p{}</style></head><body><h1>FAQ</h1><p>Fast &mdash; and <b>small</b>.</p><script>alert(1)</script><p>Second&nbsp;paragraph</p></body></html>',
        )
        return
      case '/plain':
        response.writeHead(200, { 'content-type': 'text/plain' })
        response.end('just text')
        return
      case '/big':
        // no content-length: the limit must hold while streaming
        response.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' })
        for (let index = 0; index < 64; index++) response.write('x'.repeat(1024))
        response.end()
        return
      case '/declared-big':
        response.writeHead(200, { 'content-type': 'text/plain', 'content-length': String(10 * 1024 * 1024) })
        response.write('x')
        return // never finishes: the declared size alone must fail it
      case '/slow':
        setTimeout(() => response.end('late'), 2000)
        return
      default:
        response.writeHead(404)
        response.end('not found')
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
})

afterAll(async () => {
  server.closeAllConnections()
  await new Promise((resolve) => server.close(resolve))
  rmSync(directory, { recursive: true, force: true })
})

describe('source addresses and the registry', () => {
  it('parses type:id at the first colon and rejects addresses without a type or an id', () => {
    expect(parseSourceAddress('web:https://x.org/a:b')).toEqual({ type: 'web', id: 'https://x.org/a:b' })
    expect(() => parseSourceAddress('no-colon')).toThrow(/must look like "type:id"/)
    expect(() => parseSourceAddress('file:')).toThrow(/type:id/)
    expect(() => parseSourceAddress('File:x')).toThrow(/type:id/)
  })

  it('dispatches by type, rejects duplicates, and validates addresses', async () => {
    const notes: DataSource = {
      type: 'notes',
      validateSource: (source) => /^notes:\d+$/.test(source),
      fetchContent: async (source) => ({ content: `note ${source}`, source, metadata: { type: 'notes' } }),
    }
    const registry = createDataSourceRegistry([fileDataSource({ root }), notes])
    expect(registry.types()).toEqual(['file', 'notes'])
    expect(() => registry.register(notes)).toThrow(/already registered/)
    expect((await registry.fetchContent('notes:7')).content).toBe('note notes:7')
    expect(await registry.validateSource('notes:x')).toBe(false)
    expect(await registry.validateSource('ftp:x')).toBe(false)
    await expect(registry.fetchContent('notes:x')).rejects.toThrow(/not a valid "notes" address/)
    await expect(registry.fetchContent('ftp:x')).rejects.toThrow(/No data source of type "ftp".*file, notes/)
  })
})

describe('fileDataSource', () => {
  const files = fileDataSource({ root, maxBytes: 100 })

  it('reads a file under the root with its path, size and time', async () => {
    const content = await files.fetchContent('file:guides/setup.md')
    expect(content.content).toBe('# Setup\n\nRun npm install.')
    expect(content.metadata).toMatchObject({ type: 'file', path: 'guides/setup.md', bytes: 25 })
    expect((await files.fetchContent('file:./guides/../guides/setup.md')).content).toContain('Setup')
  })

  it('refuses absolute paths, .. escapes and links leading outside the root', async () => {
    for (const address of [
      'file:../secret.txt',
      'file:guides/../../secret.txt',
      `file:${join(directory, 'secret.txt')}`,
    ]) {
      expect(await files.validateSource(address)).toBe(false)
      await expect(files.fetchContent(address)).rejects.toThrow(/refused/)
    }
    await expect(files.fetchContent('file:escape.txt')).rejects.toThrow(/link to a file outside the root/)
    await expect(files.fetchContent('file:missing.md')).rejects.toMatchObject({
      name: 'DataSourceError',
      source: 'file:missing.md',
    })
    await expect(files.fetchContent('file:guides')).rejects.toThrow(/is not a file/)
    writeFileSync(join(root, 'large.txt'), 'y'.repeat(101))
    await expect(files.fetchContent('file:large.txt')).rejects.toThrow(/101 bytes, over maxBytes \(100\)/)
  })
})

describe('webDataSource (a local HTTP server on 127.0.0.1)', () => {
  it('fetches a page as plain text with its title, and text as it is', async () => {
    const web = webDataSource()
    const page = await web.fetchContent(`web:${base}/page`)
    expect(page.content).toBe('FAQ\n\nFast — and small.\n\nSecond paragraph')
    expect(page.metadata).toMatchObject({
      type: 'web',
      url: `${base}/page`,
      status: 200,
      title: 'FAQ & help',
    })
    expect((await web.fetchContent(`web:${base}/plain`)).content).toBe('just text')
  })

  it('enforces the size limit while streaming and from the declared length, and the time limit', async () => {
    const web = webDataSource({ maxBytes: 16 * 1024, timeoutMs: 300 })
    await expect(web.fetchContent(`web:${base}/big`)).rejects.toThrow(/sent more than maxBytes \(16384\)/)
    await expect(web.fetchContent(`web:${base}/declared-big`)).rejects.toThrow(
      /10485760 bytes, over maxBytes/,
    )
    const started = Date.now()
    await expect(web.fetchContent(`web:${base}/slow`)).rejects.toThrow(
      /did not answer within timeoutMs \(300 ms\)/,
    )
    expect(Date.now() - started).toBeLessThan(1500)
  })

  it('reports HTTP errors, refuses other schemes and hosts not allowed', async () => {
    const web = webDataSource({ allowHost: (host) => host === '127.0.0.1' })
    await expect(web.fetchContent(`web:${base}/nope`)).rejects.toMatchObject({
      name: 'DataSourceError',
      message: expect.stringMatching(/HTTP 404/),
    })
    expect(await web.validateSource('web:file:///etc/passwd')).toBe(false)
    await expect(web.fetchContent('web:file:///etc/passwd')).rejects.toThrow(/only http and https/)
    await expect(web.fetchContent('web:http://example.com/')).rejects.toThrow(/not allowed by allowHost/)
  })
})

describe('text helpers', () => {
  it('splits at paragraph, line and sentence boundaries with overlap, within the size', () => {
    const text = Array.from(
      { length: 12 },
      (_, index) => `Paragraph ${index} has a sentence. And another one here.`,
    ).join('\n\n')
    const chunks = splitIntoChunks(text, { chunkSize: 200, overlap: 20 })
    expect(chunks.length).toBeGreaterThan(3)
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(200)
    expect(chunks[0]?.endsWith('here.')).toBe(true)
    for (let index = 0; index < 12; index++) {
      expect(
        chunks.some((chunk) => chunk.includes(`Paragraph ${index} has a sentence. And another one here.`)),
      ).toBe(true)
    }
    expect(splitIntoChunks('')).toEqual([])
    expect(() => splitIntoChunks('x', { chunkSize: 10, overlap: 10 })).toThrow(/overlap must be/)
  })

  it('turns HTML into text, dropping scripts, styles and comments', () => {
    expect(htmlToText('<p>a&lt;b &#x41;&#66;</p><!-- hidden --><style>x</style><div>c</div>')).toEqual({
      text: 'a<b AB\n\nc',
      title: undefined,
    })
  })
})
