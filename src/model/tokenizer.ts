/**
 * Counts the tokens of a text for one model family. The context budget uses it to measure every
 * request before it is sent. A model adapter may supply its own (`Model.tokenizer`).
 */
export interface Tokenizer {
  /** A name for messages and events, such as `estimate` or `openai:o200k_base`. */
  readonly name: string
  /** Whether counts are exact for the model, or an estimate (the budget then keeps a safety margin). */
  readonly exact: boolean
  /** The number of tokens of `text`. Must be fast: it runs on every new message. */
  count(text: string): number
  /**
   * Loads what `count` needs (a vocabulary, a native module); awaited before the first count.
   * Rejects with a clear error when the backing library is missing.
   */
  load?(): Promise<void>
}
