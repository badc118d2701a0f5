/** One thing a run produced, in order: plain JSON, discriminated on `type`. */
export type RunItem =
  | { type: 'message'; role: 'assistant'; text: string; turn: number }
  | { type: 'reasoning'; text: string; turn: number }
  /** `arguments` is the raw JSON text the model wrote. */
  | { type: 'tool.call'; callId: string; name: string; arguments: string; turn: number }
  | { type: 'tool.result'; callId: string; name: string; output: string; isError: boolean; turn: number }
