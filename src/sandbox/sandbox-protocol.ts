/**
 * The messages between the host thread and a sandbox worker: plain, structured-cloneable data.
 * Nothing here carries a host object, a function or a stack trace.
 *
 * @module
 */

/** What the guest wrote to its console, capped. */
export interface SandboxConsoleEntry {
  level: 'log' | 'info' | 'warn' | 'error' | 'debug'
  text: string
}

/** The limits of one call, resolved from the options. */
export interface SandboxLimits {
  timeoutMs: number
  memoryLimitBytes: number
  stackSizeBytes: number
  maxOutputBytes: number
  maxConsoleBytes: number
  maxHostCalls: number
  maxHostCallBytes: number
}

/** Host -> worker: run a snippet. */
export interface RunJobMessage {
  type: 'run'
  jobId: number
  code: string
  /** The input as JSON text, parsed inside the guest. */
  inputText: string
  limits: SandboxLimits
  /** Names of the host functions the guest may call. */
  functionNames: string[]
}

/** Host -> worker: the answer to a host-function call. `value` is JSON text, or undefined for `undefined`. */
export type HostReplyMessage =
  | { type: 'reply'; jobId: number; callId: number; ok: true; value: string | undefined }
  | { type: 'reply'; jobId: number; callId: number; ok: false; message: string }

export type HostToWorkerMessage = RunJobMessage | HostReplyMessage

/** Why a call failed, as `SandboxError.kind`. */
export type SandboxFailureKind = 'timeout' | 'memory' | 'syntax' | 'runtime' | 'output'

/** The outcome of one job. */
export type JobOutcome =
  | {
      ok: true
      /** The result, already checked (size, keys, depth); undefined when the code produced none. */
      value: unknown
      console: SandboxConsoleEntry[]
      consoleTruncated: boolean
      durationMs: number
    }
  | {
      ok: false
      kind: SandboxFailureKind
      message: string
      console: SandboxConsoleEntry[]
      consoleTruncated: boolean
      durationMs: number
    }

/** Worker -> host messages. */
export type WorkerToHostMessage =
  | { type: 'ready' }
  /** The worker cannot run QuickJS (the optional peer is missing or failed to load). */
  | { type: 'fatal'; reason: 'missing-peer' | 'load-failed'; message: string }
  /** The worker began the job: its deadline runs from now, and the host's copy too. */
  | { type: 'started'; jobId: number }
  | { type: 'call'; jobId: number; callId: number; name: string; argsText: string }
  | { type: 'done'; jobId: number; outcome: JobOutcome; retire: boolean }
