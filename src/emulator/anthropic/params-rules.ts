import { isRecord } from '../http.js';

/**
 * What the Messages API accepts at the top level of a request (a batch request's `params`, or a count_tokens body),
 * by `anthropic-version`. Written from `MessageCreateParamsBase` and `MessageCountTokensParams` of
 * @anthropic-ai/sdk 1.12 (`resources/messages/messages.ts`; `user_profile_id` and `workspace_id` there are header
 * params, not body fields) and from Anthropic's versioning page (platform.claude.com/docs/en/api/versioning):
 * version 2026-10-21, which the 1.x SDKs send, removed `temperature`, `top_p` and `top_k`, refused even at their
 * default values. Anything else is refused as pydantic refuses it: `<field>: Extra inputs are not permitted`.
 */
export const API_VERSION_2026 = '2026-10-21';

const MESSAGE_FIELDS = [
  'model',
  'messages',
  'max_tokens',
  'cache_control',
  'container',
  'diagnostics',
  'inference_geo',
  'metadata',
  'output_config',
  'service_tier',
  'speed',
  'stop_sequences',
  'stream',
  'system',
  'thinking',
  'tool_choice',
  'tools',
];

const COUNT_TOKENS_FIELDS = [
  'model',
  'messages',
  'cache_control',
  'output_config',
  'speed',
  'system',
  'thinking',
  'tool_choice',
  'tools',
];

/** The sampling parameters of API version 2023-06-01 (docs/emulator.md, "Request fields"). */
const SAMPLING_FIELDS = ['temperature', 'top_p', 'top_k'];

/** Versions before 2026-10-21 (the only other one in use is 2023-06-01) still take the sampling parameters. */
export function takesSampling(version: string): boolean {
  return version < API_VERSION_2026;
}

/** The first field the API would refuse as extra, as its error message; null when every field is known. */
export function extraFieldError(
  params: Record<string, unknown>,
  version: string,
  endpoint: 'messages' | 'count_tokens',
): string | null {
  const known = new Set(endpoint === 'messages' ? MESSAGE_FIELDS : COUNT_TOKENS_FIELDS);
  if (endpoint === 'messages' && takesSampling(version))
    for (const field of SAMPLING_FIELDS) known.add(field);
  for (const field of Object.keys(params)) {
    if (!known.has(field)) return `${field}: Extra inputs are not permitted`;
  }
  return null;
}

/** A batch request cannot stream: its answer is a results line. */
export function streamError(params: Record<string, unknown>): string | null {
  return params.stream === true ? 'stream: streaming is not supported for Message Batches requests' : null;
}

const THINKING_DOCS =
  'Please consult our documentation at https://docs.claude.com/en/docs/build-with-claude/extended-thinking';

/** Is thinking on: `enabled` (with a budget) or `adaptive`. */
export function thinkingOn(params: Record<string, unknown>): boolean {
  const thinking = params.thinking;
  return isRecord(thinking) && (thinking.type === 'enabled' || thinking.type === 'adaptive');
}

/**
 * The extended-thinking rules of Anthropic's docs ("Extended thinking": `budget_tokens` at least 1,024 and below
 * `max_tokens`; "Feature compatibility": with thinking, `temperature` only 1, `top_k` unset, `top_p` from 0.95 to 1,
 * and no forced tool use). The messages are the real API's as users quote them (third-party reports).
 */
export function thinkingError(params: Record<string, unknown>, version: string): string | null {
  const thinking = params.thinking;
  if (thinking === undefined) return null;
  if (!isRecord(thinking)) return 'thinking: Input should be a valid dictionary';
  const types = ['enabled', 'disabled', 'adaptive', 'between_tools'];
  if (typeof thinking.type !== 'string' || !types.includes(thinking.type)) {
    return `thinking: Input tag '${String(thinking.type)}' found using 'type' does not match any of the expected tags: ${types
      .map((t) => `'${t}'`)
      .join(', ')}`;
  }
  if (thinking.type === 'enabled') {
    const budget = thinking.budget_tokens;
    if (budget === undefined) return 'thinking.enabled.budget_tokens: Field required';
    if (typeof budget !== 'number' || !Number.isInteger(budget))
      return 'thinking.enabled.budget_tokens: Input should be a valid integer';
    if (budget < 1024) return 'thinking.enabled.budget_tokens: Input should be greater than or equal to 1024';
    const maxTokens = params.max_tokens;
    if (typeof maxTokens === 'number' && maxTokens <= budget) {
      return `max_tokens must be greater than thinking.budget_tokens. ${THINKING_DOCS}#max-tokens-and-context-window-size`;
    }
  }
  if (!thinkingOn(params)) return null;
  const choice = params.tool_choice;
  if (isRecord(choice) && (choice.type === 'any' || choice.type === 'tool')) {
    return 'Thinking may not be enabled when tool_choice forces tool use.';
  }
  if (takesSampling(version)) {
    if (params.temperature !== undefined && params.temperature !== 1) {
      return `\`temperature\` may only be set to 1 when thinking is enabled. ${THINKING_DOCS}#feature-compatibility`;
    }
    if (params.top_k !== undefined) {
      return `\`top_k\` must be unset when thinking is enabled. ${THINKING_DOCS}#feature-compatibility`;
    }
    const topP = params.top_p;
    if (topP !== undefined && (typeof topP !== 'number' || topP < 0.95 || topP > 1)) {
      return `\`top_p\` must be greater than or equal to 0.95 or unset when thinking is enabled. ${THINKING_DOCS}#feature-compatibility`;
    }
  }
  return null;
}
