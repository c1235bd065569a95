import { reasoningSamplingError, unrecognizedArgument } from '../openai/body-fields.js';
import { valueError } from '../openai/value-rules.js';
import { randomId } from '../random.js';
import type { Composed } from './compose.js';
import { isReasoningEffort, isReasoningModel, REASONING_TOKENS, reasoningEffortsOf } from './reasoning.js';

export { isReasoningModel } from './reasoning.js';

export interface OpenAIResponseRow {
  status_code: number;
  request_id: string;
  body: Record<string, unknown>;
}

/** The `response` of one OpenAI batch output/error line for a composed answer. */
export function openaiResponse(composed: Composed, model: string): OpenAIResponseRow {
  const requestId = randomId('req_', 32);
  if (composed.kind === 'error') {
    return {
      status_code: composed.statusCode,
      request_id: requestId,
      body: { error: { message: composed.message, type: composed.type, param: null, code: null } },
    };
  }
  const text =
    composed.kind === 'tool'
      ? JSON.stringify(composed.input)
      : composed.blocks.map((block) => block.text).join('');
  const refusal = composed.kind === 'refusal';
  // Reasoning tokens are billed as completion tokens; a budget they used up leaves no text, as the real API does.
  const reasoning = composed.reasoningTokens;
  const completionTokens = composed.outputTokens + reasoning;
  return {
    status_code: 200,
    request_id: requestId,
    body: {
      id: randomId('chatcmpl-', 29),
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model,
      choices: [
        {
          index: 0,
          message: { role: 'assistant', content: refusal ? null : text, refusal: refusal ? text : null },
          logprobs: null,
          finish_reason: composed.kind === 'text' && composed.stopReason === 'max_tokens' ? 'length' : 'stop',
        },
      ],
      usage: {
        prompt_tokens: composed.inputTokens,
        completion_tokens: completionTokens,
        total_tokens: composed.inputTokens + completionTokens,
        prompt_tokens_details: { cached_tokens: 0 },
        completion_tokens_details: { reasoning_tokens: reasoning },
      },
    },
  };
}

/** The per-line 400 the real service writes to the error file, or null when the body is acceptable. */
export function openaiBodyError(body: Record<string, unknown>): { message: string; param: string } | null {
  const model = typeof body.model === 'string' ? body.model : '';
  const unknown = unrecognizedArgument(body);
  if (unknown) return unknown;
  if (!Array.isArray(body.messages) || body.messages.length === 0) {
    return { message: "Missing required parameter: 'messages'.", param: 'messages' };
  }
  if (body.stream === true) {
    return { message: 'Streaming is not supported in the Batch API.', param: 'stream' };
  }
  const value = valueError(body);
  if (value) return value;
  if (body.reasoning_effort !== undefined) {
    if (!isReasoningModel(model)) {
      return {
        message: "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
        param: 'reasoning_effort',
      };
    }
    if (!isReasoningEffort(body.reasoning_effort)) {
      return {
        message: `Invalid value: ${JSON.stringify(body.reasoning_effort)}. Supported values are: ${Object.keys(
          REASONING_TOKENS,
        )
          .map((e) => `'${e}'`)
          .join(', ')}.`,
        param: 'reasoning_effort',
      };
    }
    const efforts = reasoningEffortsOf(model);
    if (!efforts.includes(body.reasoning_effort)) {
      return {
        message: `Unsupported value: 'reasoning_effort' does not support '${body.reasoning_effort}' with this model. Supported values are: ${efforts
          .map((e) => `'${e}'`)
          .join(', ')}.`,
        param: 'reasoning_effort',
      };
    }
  }
  if (isReasoningModel(model)) {
    if (body.max_tokens !== undefined) {
      return {
        message:
          "Unsupported parameter: 'max_tokens' is not supported with this model. Use 'max_completion_tokens' instead.",
        param: 'max_tokens',
      };
    }
    if (body.temperature !== undefined && body.temperature !== 1) {
      return {
        message: `Unsupported value: 'temperature' does not support ${String(body.temperature)} with this model. Only the default (1) value is supported.`,
        param: 'temperature',
      };
    }
    const sampling = reasoningSamplingError(body);
    if (sampling) return sampling;
  } else if (
    body.temperature !== undefined &&
    (typeof body.temperature !== 'number' || body.temperature < 0 || body.temperature > 2)
  ) {
    return {
      message: `Invalid 'temperature': decimal above maximum value. Expected a value <= 2.`,
      param: 'temperature',
    };
  }
  return null;
}
