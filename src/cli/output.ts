/**
 * Where a command writes: results on stdout (plain text, or JSON with `--json`), everything else
 * (progress, spinners, hints, errors) on stderr, so `agentloop ... | jq` and `> file` get only the
 * result. Colours and the spinner appear only on a terminal, and never with `NO_COLOR`.
 *
 * @module
 */

/** The streams a command writes to (the process's, or a test's). */
export interface CliStreams {
  stdout: NodeJS.WritableStream & { isTTY?: boolean }
  stderr: NodeJS.WritableStream & { isTTY?: boolean }
}

/** A running spinner; `stop` clears its line. */
export interface Spinner {
  update(text: string): void
  stop(): void
}

const FRAMES = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏']

/** The output of one command. */
export class Output {
  readonly json: boolean
  readonly quiet: boolean
  readonly #streams: CliStreams
  readonly #color: boolean

  constructor(
    streams: CliStreams,
    options: { json?: boolean; quiet?: boolean; env?: NodeJS.ProcessEnv } = {},
  ) {
    this.#streams = streams
    this.json = options.json === true
    this.quiet = options.quiet === true
    this.#color = streams.stderr.isTTY === true && !options.env?.NO_COLOR
  }

  /** Writes a result: `value` as one line of JSON with `--json`, else `text` (lines). */
  result(value: unknown, text: () => string | string[]): void {
    if (this.json) {
      this.#streams.stdout.write(`${JSON.stringify(value)}\n`)
      return
    }
    const lines = text()
    const body = Array.isArray(lines) ? lines.join('\n') : lines
    if (body !== '') this.#streams.stdout.write(body.endsWith('\n') ? body : `${body}\n`)
  }

  /** Writes raw text on stdout (a streamed answer). */
  write(text: string): void {
    this.#streams.stdout.write(text)
  }

  /** A line for people on stderr (skipped with `--quiet`). */
  info(text: string): void {
    if (!this.quiet) this.#streams.stderr.write(`${text}\n`)
  }

  /** An error line on stderr (always written). */
  error(text: string): void {
    this.#streams.stderr.write(`${this.#color ? `\x1b[31m${text}\x1b[0m` : text}\n`)
  }

  dim(text: string): string {
    return this.#color ? `\x1b[2m${text}\x1b[0m` : text
  }

  /** A spinner on stderr while `text` is being done: only on a terminal, never with `--json` or `--quiet`. */
  spinner(text: string): Spinner {
    const stderr = this.#streams.stderr
    if (stderr.isTTY !== true || this.json || this.quiet) return { update() {}, stop() {} }
    let frame = 0
    let current = text
    const draw = () => stderr.write(`\r\x1b[2K${FRAMES[frame++ % FRAMES.length]} ${current}`)
    draw()
    const timer = setInterval(draw, 80)
    timer.unref()
    return {
      update(next) {
        current = next
      },
      stop() {
        clearInterval(timer)
        stderr.write('\r\x1b[2K')
      },
    }
  }
}
