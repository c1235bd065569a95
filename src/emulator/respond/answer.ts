/** What a `respond` hook sees: one request of one batch, as the client sent it. */
export interface EmulatedRequest {
  provider: 'openai' | 'anthropic';
  batchId: string;
  customId: string;
  /** OpenAI: the JSONL line's `body`; Anthropic: the request's `params`. */
  body: Record<string, unknown>;
}

/** A scripted answer. Token counts default to the emulator's documented rule. */
export type EmulatedAnswer =
  | { text: string; stopReason?: string; usage?: TokenUsage }
  | { json: unknown; usage?: TokenUsage }
  | { refusal: string; usage?: TokenUsage }
  | { error: { message: string; statusCode?: number; type?: string } };

export interface TokenUsage {
  inputTokens?: number;
  outputTokens?: number;
}

export type RespondHook = (
  request: EmulatedRequest,
) => EmulatedAnswer | undefined | Promise<EmulatedAnswer | undefined>;
