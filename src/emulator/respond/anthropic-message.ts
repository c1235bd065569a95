import { emptyContentError } from '../anthropic/content-rules.js';
import { inferenceGeoError } from '../anthropic/inference-geo.js';
import { extraFieldError, streamError, thinkingError } from '../anthropic/params-rules.js';
import { inputUsage, type PromptCacheTtl, promptCacheError } from '../anthropic/prompt-cache.js';
import { randomId, unitHash } from '../random.js';
import type { Composed, ComposedThinking } from './compose.js';

/** The `result` of one Anthropic batch results line for a composed answer. */
export function anthropicResult(
  composed: Composed,
  model: string,
  cacheTtl: PromptCacheTtl | null = null,
  inferenceGeo: string | null = 'global',
): Record<string, unknown> {
  if (composed.kind === 'error') {
    return {
      type: 'errored',
      error: {
        type: 'error',
        error: { type: composed.type, message: composed.message },
        request_id: randomId('req_'),
      },
    };
  }
  const answer =
    composed.kind === 'tool'
      ? [{ type: 'tool_use', id: randomId('toolu_'), name: composed.toolName, input: composed.input }]
      : composed.blocks.map((block) =>
          block.citations
            ? { type: 'text', text: block.text, citations: block.citations }
            : { type: 'text', text: block.text },
        );
  // With thinking on, the thinking comes first, then the answer; its tokens are output tokens.
  const thinking = composed.thinking ? thinkingBlocks(composed.thinking) : [];
  const content = [...thinking, ...answer];
  return {
    type: 'succeeded',
    message: {
      id: randomId('msg_'),
      type: 'message',
      role: 'assistant',
      model,
      content,
      stop_reason: composed.kind === 'tool' ? 'tool_use' : composed.stopReason,
      stop_sequence: null,
      usage: {
        ...inputUsage(composed.inputTokens, cacheTtl),
        output_tokens: composed.outputTokens + composed.reasoningTokens,
        output_tokens_details: { thinking_tokens: composed.reasoningTokens },
        inference_geo: inferenceGeo,
      },
    },
  };
}

/**
 * Checks the real service makes per request, after the batch was accepted: such requests come back `errored`.
 * Returns the error message, or null when the params are acceptable. `version` is the create's `anthropic-version`.
 */
export function anthropicParamsError(params: Record<string, unknown>, version: string): string | null {
  const fields =
    extraFieldError(params, version, 'messages') ?? streamError(params) ?? promptCacheError(params);
  if (fields) return fields;
  // Whether the model is served is checked by the caller (a 404 `not_found_error`, src/emulator/models.ts).
  if (typeof params.model !== 'string') return 'model: Input should be a valid string';
  const temperature = params.temperature;
  if (temperature !== undefined && (typeof temperature !== 'number' || temperature < 0 || temperature > 1)) {
    return 'temperature: Input should be less than or equal to 1';
  }
  const maxTokens = params.max_tokens;
  // Pydantic's wordings, as the API validates the body.
  if (typeof maxTokens === 'number' && Number.isFinite(maxTokens) && !Number.isInteger(maxTokens))
    return 'max_tokens: Input should be a valid integer, got a number with a fractional part';
  if (typeof maxTokens !== 'number' || !Number.isInteger(maxTokens))
    return 'max_tokens: Input should be a valid integer';
  if (maxTokens < 1) return 'max_tokens: Input should be greater than or equal to 1';
  const metadata = metadataError(params.metadata);
  if (metadata) return metadata;
  const messages = params.messages;
  if (!Array.isArray(messages) || messages.length === 0) return 'messages: at least one message is required';
  for (const [index, message] of messages.entries()) {
    const role = (message as { role?: unknown }).role;
    if (role !== 'user' && role !== 'assistant') {
      return `messages.${index}.role: Input should be 'user' or 'assistant'`;
    }
  }
  if ((messages[0] as { role?: unknown }).role !== 'user')
    return 'messages: first message must use the "user" role';
  const empty = emptyContentError(messages);
  if (empty) return empty;
  // A prefill (a last assistant turn) may not end with whitespace: the API's 400, as users quote it
  // (github.com/tailcallhq/forgecode/issues/1872).
  const last = messages.at(-1) as { role?: unknown; content?: unknown };
  if (last.role === 'assistant' && /\s$/.test(lastText(last.content)))
    return 'messages: final assistant content cannot end with trailing whitespace';
  return thinkingError(params, version) ?? inferenceGeoError(params);
}

/** `metadata` takes `user_id` only (`Metadata` of the SDK: a string or null); anything else is an extra input. */
function metadataError(metadata: unknown): string | null {
  if (metadata === undefined || metadata === null) return null;
  if (typeof metadata !== 'object' || Array.isArray(metadata))
    return 'metadata: Input should be a valid dictionary';
  for (const [key, value] of Object.entries(metadata)) {
    if (key !== 'user_id') return `metadata.${key}: Extra inputs are not permitted`;
    if (value !== null && typeof value !== 'string')
      return 'metadata.user_id: Input should be a valid string';
  }
  return null;
}

/**
 * The thinking blocks of an answer: a `thinking` block with a summary (empty with `display: "omitted"`) and a
 * signature; a prompt asking for it (`[redacted thinking]`) also gets a `redacted_thinking` block, so that clients
 * can be tested against both kinds.
 */
function thinkingBlocks(thinking: ComposedThinking): Record<string, unknown>[] {
  const signature = Buffer.from(`emulated-thinking-${unitHash(thinking.summary)}`).toString('base64');
  const blocks: Record<string, unknown>[] = [
    { type: 'thinking', thinking: thinking.omitted ? '' : thinking.summary, signature },
  ];
  if (thinking.redacted) blocks.push({ type: 'redacted_thinking', data: signature });
  return blocks;
}

/** A message's text as it ends: the string, or its last block's text. */
function lastText(content: unknown): string {
  if (typeof content === 'string') return content;
  const block = Array.isArray(content)
    ? (content.at(-1) as { type?: unknown; text?: unknown } | undefined)
    : undefined;
  return block?.type === 'text' && typeof block.text === 'string' ? block.text : '';
}
