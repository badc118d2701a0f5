import { ConfigError } from '../errors/errors.js'
import { redactSecrets } from '../providers/shared/provider-error.js'

/** What may leave the process in a span, and how it is cleaned first. */
export interface ContentOptions {
  /**
   * Record message content, tool arguments and tool results as span attributes (default `false`:
   * spans carry names, ids, models, usage and timings only). Recorded content goes through the
   * redaction below, then is cut at `maxContentLength`.
   */
  captureContent?: boolean
  /**
   * Secret values to replace with `[redacted]` wherever they appear in recorded content and error
   * messages (API keys, passwords, tokens; values shorter than 8 characters are ignored, they
   * would redact ordinary words). Keys shaped like `sk-...`, `Bearer ...`, AWS access key ids and
   * GitHub tokens are always replaced.
   */
  secrets?: readonly string[]
  /**
   * Your own redaction, applied after the built-in one to every recorded value (content and error
   * messages): return the text to record. If it throws, the value is dropped, never recorded raw.
   */
  redact?: (text: string, where: { attribute: string }) => string
  /** Longer recorded values are cut to this many characters, with a marker (default 4096). */
  maxContentLength?: number
}

/** The content rules of one tracing instance. */
export interface ContentPolicy {
  readonly capture: boolean
  /** A content value (a string, or JSON for anything else), redacted and truncated. */
  content(value: unknown, attribute: string): string
  /** An error message (always recorded), redacted and truncated. */
  message(text: string): string
}

/** The default of `maxContentLength`. */
export const DEFAULT_MAX_CONTENT_LENGTH = 4096

const EXTRA_PATTERNS = [
  /\bBearer\s+[A-Za-z0-9._~+/-]{8,}=*/g,
  /\bAKIA[0-9A-Z]{16}\b/g,
  /\bgh[pousr]_[A-Za-z0-9]{20,}\b/g,
  /\bsk-ant-[A-Za-z0-9_-]{8,}/g,
]

/** Checks the options and builds the policy. */
export function createContentPolicy(options: ContentOptions, where: string): ContentPolicy {
  const {
    captureContent = false,
    secrets = [],
    redact,
    maxContentLength = DEFAULT_MAX_CONTENT_LENGTH,
  } = options
  if (typeof captureContent !== 'boolean') {
    throw new ConfigError({ message: `${where}: captureContent must be true or false.` })
  }
  if (!Array.isArray(secrets) || secrets.some((secret) => typeof secret !== 'string')) {
    throw new ConfigError({ message: `${where}: secrets must be an array of strings (the secret values).` })
  }
  if (redact !== undefined && typeof redact !== 'function') {
    throw new ConfigError({ message: `${where}: redact must be a function (text, { attribute }) => text.` })
  }
  if (!Number.isInteger(maxContentLength) || maxContentLength < 16) {
    throw new ConfigError({
      message: `${where}: maxContentLength must be an integer of at least 16 (characters); got ${String(maxContentLength)}.`,
    })
  }
  const known = [...secrets]
  const clean = (text: string, attribute: string): string => {
    let result = redactSecrets(text, known)
    for (const pattern of EXTRA_PATTERNS) result = result.replace(pattern, '[redacted]')
    if (redact !== undefined) {
      try {
        result = String(redact(result, { attribute }))
      } catch {
        return '[redaction failed]'
      }
    }
    return truncate(result, maxContentLength)
  }
  return {
    capture: captureContent,
    content: (value, attribute) => clean(typeof value === 'string' ? value : safeJson(value), attribute),
    message: (text) => clean(text, 'error.message'),
  }
}

function truncate(text: string, max: number): string {
  if (text.length <= max) return text
  return `${text.slice(0, max)}…[truncated ${text.length - max} characters]`
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null'
  } catch {
    return '[not serialisable]'
  }
}
