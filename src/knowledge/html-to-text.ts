/**
 * Plain text from an HTML page, for indexing: good enough for articles and documentation, not a
 * browser. Scripts, styles and comments are dropped, block elements become line breaks, tags are
 * removed and entities decoded. (Kept small on purpose: the package has no HTML parser dependency;
 * register your own `web` data source for richer extraction.)
 *
 * @module
 */

const named: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  copy: '©',
  rsquo: '’',
  lsquo: '‘',
  rdquo: '”',
  ldquo: '“',
}

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (entity, body: string) => {
    if (body[0] === '#') {
      const code =
        body[1] === 'x' || body[1] === 'X' ? Number.parseInt(body.slice(2), 16) : Number(body.slice(1))
      return Number.isInteger(code) && code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : entity
    }
    return named[body.toLowerCase()] ?? entity
  })
}

const BLOCK =
  /<\/?(?:p|div|br|hr|h[1-6]|li|ul|ol|tr|table|section|article|header|footer|nav|aside|main|blockquote|pre|dd|dt|dl|figure|figcaption)\b[^>]*>/gi

/** The page's text and `<title>`. */
export function htmlToText(html: string): { text: string; title: string | undefined } {
  const titleMatch = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(html)
  const title =
    titleMatch === null
      ? undefined
      : decodeEntities(titleMatch[1] ?? '')
          .replace(/\s+/g, ' ')
          .trim()
  const text = decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, '')
      .replace(/<(script|style|noscript|template|svg|head)\b[\s\S]*?<\/\1\s*>/gi, '')
      .replace(BLOCK, '\n')
      .replace(/<[^>]+>/g, ''),
  )
  const lines = text
    .split('\n')
    .map((line) => line.replace(/[ \t\f\v\u00a0]+/g, ' ').trim())
    .filter((line, index, all) => line !== '' || (index > 0 && all[index - 1] !== ''))
  return { text: lines.join('\n').trim(), title: title === '' ? undefined : title }
}
