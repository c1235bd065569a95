/**
 * The emulator's reasoning rule (docs/emulator.md, "Reasoning"): a reasoning model spends a fixed number of reasoning
 * tokens per `reasoning_effort` out of `max_completion_tokens` before it writes any text, as the real API counts
 * them (inside `completion_tokens`, shown in `completion_tokens_details.reasoning_tokens`). A budget they use up
 * leaves an empty answer with `finish_reason: 'length'`. Deterministic: the same request always reasons as long.
 */
export const REASONING_TOKENS = {
  none: 0,
  minimal: 64,
  low: 512,
  medium: 1_536,
  high: 6_144,
  xhigh: 12_288,
  max: 24_576,
} as const;

export type ReasoningEffortValue = keyof typeof REASONING_TOKENS;

/** The effort the real API assumes when the request names none: `none` from gpt-5.1 on, `medium` before. */
export const DEFAULT_REASONING_EFFORT: ReasoningEffortValue = 'medium';

/**
 * The `reasoning_effort` values each generation takes (OpenAI's reasoning guide and model pages): the o-series
 * `low`–`high`; gpt-5 adds `minimal`; gpt-5.1 replaced it with `none` (its default); gpt-5.2 added `xhigh`. Names
 * of later generations take every value the API knows.
 */
export function reasoningEffortsOf(model: string): readonly ReasoningEffortValue[] {
  const name = model.replace(/^ft:([^:]+):.*$/, '$1');
  if (/^o\d/.test(name)) return ['low', 'medium', 'high'];
  if (/^gpt-5-pro/.test(name)) return ['high'];
  if (/^gpt-5(-|$)/.test(name)) return ['minimal', 'low', 'medium', 'high'];
  if (/^gpt-5\.1(-|$)/.test(name)) return ['none', 'low', 'medium', 'high'];
  if (/^gpt-5\.2(-|$)/.test(name)) return ['none', 'low', 'medium', 'high', 'xhigh'];
  return Object.keys(REASONING_TOKENS) as ReasoningEffortValue[];
}

/** The effort a model reasons with when the request names none. */
export function defaultReasoningEffort(model: string): ReasoningEffortValue {
  return reasoningEffortsOf(model).includes('none') ? 'none' : DEFAULT_REASONING_EFFORT;
}

/** o-series and gpt-5 models: the real API rejects `max_tokens` and any temperature but the default. */
export function isReasoningModel(model: string): boolean {
  return /^(ft:)?(o\d|gpt-5)/.test(model);
}

export function isReasoningEffort(value: unknown): value is ReasoningEffortValue {
  return typeof value === 'string' && Object.hasOwn(REASONING_TOKENS, value);
}

/** The reasoning tokens a request spends: its effort's share, never more than its budget. */
export function reasoningTokensFor(effort: unknown, maxTokens: number | null, model = ''): number {
  const wanted = REASONING_TOKENS[isReasoningEffort(effort) ? effort : defaultReasoningEffort(model)];
  return maxTokens === null ? wanted : Math.min(wanted, maxTokens);
}
