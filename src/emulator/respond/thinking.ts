import { isRecord } from '../http.js';

/**
 * The emulator's extended-thinking rule (docs/emulator.md, "Thinking"): with `thinking` `enabled` or `adaptive`,
 * Claude thinks for a fixed number of tokens — never more than `budget_tokens`, nor than `max_tokens` — before it
 * writes the answer. Anthropic documents that thinking tokens count toward `max_tokens` and are billed as output
 * tokens (`usage.output_tokens`, broken down in `output_tokens_details.thinking_tokens`), and that the response
 * carries `thinking` blocks (a summary, with a signature) before the text. Deterministic.
 */
export const THINKING_TOKENS = 1_200;

export interface ThinkingView {
  tokens: number;
  /** `display: "omitted"`: the thinking block's text is empty, its signature kept. */
  omitted: boolean;
}

export function thinkingOf(params: Record<string, unknown>, maxTokens: number | null): ThinkingView | null {
  const thinking = params.thinking;
  if (!isRecord(thinking) || (thinking.type !== 'enabled' && thinking.type !== 'adaptive')) return null;
  let tokens = THINKING_TOKENS;
  if (thinking.type === 'enabled' && typeof thinking.budget_tokens === 'number') {
    tokens = Math.min(tokens, thinking.budget_tokens);
  }
  if (maxTokens !== null) tokens = Math.min(tokens, maxTokens);
  return { tokens, omitted: thinking.display === 'omitted' };
}
