/**
 * The emulator's reasoning rule (docs/emulator.md, "Reasoning"): a reasoning model spends a fixed number of reasoning
 * tokens per `reasoning_effort` out of `max_completion_tokens` before it writes any text, as the real API counts
 * them (inside `completion_tokens`, shown in `completion_tokens_details.reasoning_tokens`). A budget they use up
 * leaves an empty answer with `finish_reason: 'length'`. Deterministic: the same request always reasons as long.
 */
export const REASONING_TOKENS = { minimal: 64, low: 512, medium: 1_536, high: 6_144 } as const;

export type ReasoningEffortValue = keyof typeof REASONING_TOKENS;

/** The effort the real API assumes when the request names none. */
export const DEFAULT_REASONING_EFFORT: ReasoningEffortValue = 'medium';

/** o-series and gpt-5 models: the real API rejects `max_tokens` and any temperature but the default. */
export function isReasoningModel(model: string): boolean {
  return /^(o\d|gpt-5)/.test(model);
}

export function isReasoningEffort(value: unknown): value is ReasoningEffortValue {
  return typeof value === 'string' && Object.hasOwn(REASONING_TOKENS, value);
}

/** The reasoning tokens a request spends: its effort's share, never more than its budget. */
export function reasoningTokensFor(effort: unknown, maxTokens: number | null): number {
  const wanted = REASONING_TOKENS[isReasoningEffort(effort) ? effort : DEFAULT_REASONING_EFFORT];
  return maxTokens === null ? wanted : Math.min(wanted, maxTokens);
}
