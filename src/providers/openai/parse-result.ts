import type { JobOutcome } from '../provider.js';

interface OutputLine {
  custom_id: string;
  response: {
    status_code: number;
    body: {
      choices?: {
        message?: { content?: string | null; refusal?: string | null };
        finish_reason?: string | null;
      }[];
      usage?: {
        prompt_tokens?: number;
        completion_tokens?: number;
        prompt_tokens_details?: { cached_tokens?: number };
        completion_tokens_details?: { reasoning_tokens?: number };
      };
      error?: { message?: string; type?: string; code?: string | null };
    };
  } | null;
  error: { code?: string; message?: string } | null;
}

/**
 * One line of an output or error file as a provider-neutral outcome. Both files share the shape: a 200 `response`
 * is an answer; a non-200 `response` carries the API's error; a top-level `error` means the request never ran.
 */
export function parseOpenAIResult(line: unknown): JobOutcome | undefined {
  const row = line as Partial<OutputLine> | null;
  if (!row || typeof row.custom_id !== 'string') return undefined;
  const customId = row.custom_id;
  if (row.error) {
    const code = row.error.code ?? 'error';
    const message = row.error.message ?? code;
    if (code === 'batch_expired')
      return { customId, status: 'expired', error: { code: 'expired', message }, raw: line };
    if (code === 'batch_cancelled')
      return { customId, status: 'cancelled', error: { code: 'cancelled', message }, raw: line };
    return { customId, status: 'failed', error: { code: 'errored', type: code, message }, raw: line };
  }
  const response = row.response;
  if (!response) {
    return {
      customId,
      status: 'failed',
      error: { code: 'unexpected_result', message: 'a line with neither response nor error' },
      raw: line,
    };
  }
  if (response.status_code !== 200) {
    const error = response.body?.error ?? {};
    return {
      customId,
      status: 'failed',
      error: {
        code: 'errored',
        type: error.type ?? 'api_error',
        statusCode: response.status_code,
        message: `OpenAI returned HTTP ${response.status_code} for this request: ${error.message ?? 'no message'}`,
      },
      raw: line,
    };
  }
  const choice = response.body?.choices?.[0];
  const usage = response.body?.usage ?? {};
  const tokens = {
    inputTokens: usage.prompt_tokens ?? 0,
    outputTokens: usage.completion_tokens ?? 0,
    cacheReadTokens: usage.prompt_tokens_details?.cached_tokens ?? 0,
    cacheWriteTokens: 0,
  };
  if (choice?.message?.refusal) {
    return {
      customId,
      status: 'failed',
      error: { code: 'refusal', message: `The model refused: ${choice.message.refusal}` },
      // The request ran and was billed: its tokens count, though the answer is a refusal.
      billed: tokens,
      stopReason: choice.finish_reason ?? null,
      raw: line,
    };
  }
  const text = choice?.message?.content ?? '';
  if (choice?.finish_reason === 'length' && text === '') {
    const reasoning = usage.completion_tokens_details?.reasoning_tokens ?? 0;
    return {
      customId,
      status: 'failed',
      error: {
        code: 'output_truncated',
        message:
          reasoning > 0
            ? `The answer is empty: the token budget (maxTokens, sent as max_completion_tokens) was used up by ${reasoning} reasoning tokens before any text. Raise maxTokens or lower reasoningEffort.`
            : 'The answer is empty: the token budget (maxTokens) was used up before any text. Raise maxTokens.',
      },
      // Billed all the same: the tokens it spent count.
      billed: tokens,
      stopReason: choice.finish_reason,
      raw: line,
    };
  }
  return {
    customId,
    status: 'succeeded',
    text,
    content: [{ type: 'text', text }],
    ...tokens,
    stopReason: choice?.finish_reason ?? null,
    truncated: choice?.finish_reason === 'length',
    raw: line,
  };
}
