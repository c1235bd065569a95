/**
 * The models the emulated services serve, written from the providers' own pages — Anthropic's models overview, model
 * pages and model deprecations page; OpenAI's models and deprecations pages — and never from batchwise's client-side
 * table. A name not served here is refused as the real services refuse it; a served model past its shutdown day
 * (UTC) is refused the same way from that day on.
 */

/** Model IDs and aliases the Claude API serves, with their shutdown day when one is announced. */
const ANTHROPIC: Record<string, string | null> = {
  'claude-fable-5-2': null,
  'claude-fable-5-1': null,
  'claude-fable-5': null,
  'claude-mythos-5-2': null,
  'claude-mythos-5-1': null,
  'claude-mythos-5': null,
  'claude-mythos-preview': null,
  'claude-opus-5-5': null,
  'claude-sonnet-5-5': null,
  'claude-haiku-5-5': null,
  'claude-opus-5': null,
  'claude-sonnet-5': null,
  'claude-opus-4-8': null,
  'claude-opus-4-7': null,
  'claude-opus-4-6': null,
  'claude-sonnet-4-6': null,
  'claude-opus-4-5': null,
  'claude-opus-4-5-20251101': null,
  'claude-haiku-4-5': null,
  'claude-haiku-4-5-20251001': null,
  // Deprecated: served until its retirement day.
  'claude-sonnet-4-5': '2026-11-30',
  'claude-sonnet-4-5-20250929': '2026-11-30',
};

/**
 * Model IDs and aliases OpenAI's chat completions serve, with their shutdown day when one is announced. Shut-down
 * models are listed too: OpenAI answers them with their own message.
 */
const OPENAI: Record<string, string | null> = {
  'gpt-5.6-sol': null,
  'gpt-5.6-terra': null,
  'gpt-5.6-luna': null,
  'gpt-5.4': null,
  'gpt-5.4-mini': null,
  'gpt-5.4-nano': null,
  'gpt-5.4-mini-2026-03-17': null,
  'gpt-5.4-nano-2026-03-17': null,
  'gpt-5.2': null,
  'gpt-5.2-2025-12-11': null,
  'gpt-5.2-pro': null,
  'gpt-5.2-pro-2025-12-11': null,
  'gpt-5.1': null,
  'gpt-5.1-2025-11-13': null,
  'gpt-5.1-mini': null,
  'gpt-5.1-chat-latest': '2026-07-23',
  'gpt-5.2-chat-latest': '2026-08-10',
  'gpt-5.3-chat-latest': '2026-08-10',
  'gpt-5-chat-latest': '2026-07-23',
  'gpt-5': '2026-12-11',
  'gpt-5-2025-08-07': '2026-12-11',
  'gpt-5-mini': '2026-12-11',
  'gpt-5-mini-2025-08-07': '2026-12-11',
  'gpt-5-nano': '2026-12-11',
  'gpt-5-nano-2025-08-07': '2026-12-11',
  'gpt-5-pro': '2026-12-11',
  o3: '2026-12-11',
  'o3-2025-04-16': '2026-12-11',
  'o3-pro': '2026-12-11',
  'gpt-4.1': '2027-01-14',
  'gpt-4.1-2025-04-14': '2027-01-14',
  'gpt-4.1-mini': '2027-01-14',
  'gpt-4.1-mini-2025-04-14': '2027-01-14',
  'gpt-4o': '2027-01-14',
  'gpt-4o-2024-08-06': '2027-01-14',
  'gpt-4o-2024-11-20': '2027-01-14',
  'gpt-4o-mini': '2027-01-14',
  'gpt-4o-mini-2024-07-18': '2027-01-14',
  'gpt-4o-2024-05-13': '2026-10-23',
  'gpt-4.1-nano': '2026-10-23',
  'gpt-4.1-nano-2025-04-14': '2026-10-23',
  'o4-mini': '2026-10-23',
  'o4-mini-2025-04-16': '2026-10-23',
  o1: '2026-10-23',
  'o1-2024-12-17': '2026-10-23',
  'o1-pro': '2026-10-23',
  'o3-mini': '2026-10-23',
  'o3-mini-2025-01-31': '2026-10-23',
  'o1-mini': '2025-10-27',
  'o1-preview': '2025-07-28',
  'gpt-4': '2026-10-23',
  'gpt-4-0613': '2026-10-23',
  'gpt-4-turbo': '2026-10-23',
  'gpt-4-turbo-2024-04-09': '2026-10-23',
  'gpt-4-1106-preview': '2026-10-23',
  'gpt-4-0125-preview': '2026-03-26',
  'gpt-4-turbo-preview': '2026-03-26',
  'gpt-3.5-turbo': '2026-10-23',
  'gpt-3.5-turbo-0125': '2026-10-23',
  'gpt-3.5-turbo-1106': '2026-09-28',
  'chatgpt-4o-latest': '2026-02-17',
};

/** Extra names an emulator serves (an organisation's own deployments), from `EmulatorOptions.models`. */
export interface ExtraModels {
  anthropic?: readonly string[];
  openai?: readonly string[];
}

/**
 * The day the emulated services judge shutdowns on: `BATCHWISE_TODAY` (`YYYY-MM-DD`) when set, so that a test suite
 * sees the same services next month; else the day of `nowMs`.
 */
function day(nowMs: number | undefined): string {
  const pinned = process.env.BATCHWISE_TODAY;
  if (nowMs === undefined && pinned !== undefined && /^\d{4}-\d{2}-\d{2}$/.test(pinned)) return pinned;
  return new Date(nowMs ?? Date.now()).toISOString().slice(0, 10);
}

/**
 * Null when the Claude API serves `model` today; else the message of its 404 `not_found_error` (`model: <name>`),
 * which the API gives for unknown and retired models alike.
 */
export function anthropicModelError(model: unknown, extra: ExtraModels = {}, nowMs?: number): string | null {
  if (typeof model === 'string') {
    if (extra.anthropic?.includes(model)) return null;
    const shutdown = Object.hasOwn(ANTHROPIC, model) ? ANTHROPIC[model] : undefined;
    if (shutdown === null || (shutdown !== undefined && day(nowMs) < shutdown)) return null;
  }
  return `model: ${String(model)}`;
}

/**
 * Null when OpenAI serves `model` today; else the 404 `model_not_found` message. A fine-tune
 * (`ft:<base>:<org>:<suffix>:<id>`) is served while its base model is: fine-tuned models follow their base model's
 * shutdown (OpenAI's deprecations page).
 */
export function openaiModelError(model: unknown, extra: ExtraModels = {}, nowMs?: number): string | null {
  const name = typeof model === 'string' ? model : String(model);
  if (typeof model === 'string' && extra.openai?.includes(model)) return null;
  const base = /^ft:([^:]+):[^:]*:[^:]*:[^:]+$/.exec(name)?.[1] ?? name;
  const shutdown = Object.hasOwn(OPENAI, base) ? OPENAI[base] : undefined;
  if (shutdown === null || (shutdown !== undefined && day(nowMs) < shutdown)) return null;
  if (shutdown !== undefined) {
    return `The model \`${name}\` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations`;
  }
  return `The model \`${name}\` does not exist or you do not have access to it.`;
}
