import type { JobOutcome } from '../provider.js';

interface ResultLine {
  custom_id: string;
  result: {
    type: string;
    message?: {
      content?: { type: string; text?: string }[];
      stop_reason?: string | null;
      usage?: {
        input_tokens?: number;
        output_tokens?: number;
        cache_creation_input_tokens?: number | null;
        cache_read_input_tokens?: number | null;
        /** The cache writes by TTL (@anthropic-ai/sdk `CacheCreation`): 1-hour writes cost more. */
        cache_creation?: { ephemeral_1h_input_tokens?: number | null } | null;
        server_tool_use?: { web_search_requests?: number | null } | null;
        /** Where the request ran (`global` or `us`): US-only inference costs more. */
        inference_geo?: string | null;
      };
    };
    error?: { error?: { type?: string; message?: string }; type?: string; message?: string };
  };
}

/**
 * One line of the results JSONL as a provider-neutral outcome. Deliberately partial: an unexpected shape becomes one
 * failed job, never a crashed run.
 */
export function parseAnthropicResult(line: unknown): JobOutcome | undefined {
  const row = line as Partial<ResultLine> | null;
  if (!row || typeof row.custom_id !== 'string') return undefined;
  const customId = row.custom_id;
  const result = row.result;
  switch (result?.type) {
    case 'succeeded': {
      const message = result.message ?? {};
      const content = Array.isArray(message.content) ? message.content : [];
      const usage = message.usage ?? {};
      // The answer is the text blocks only: `thinking` and `redacted_thinking` blocks (extended thinking) come before
      // it and are not part of it, though their tokens are in output_tokens and billed.
      const text = content
        .map((block) => (block.type === 'text' && typeof block.text === 'string' ? block.text : ''))
        .join('');
      const thought = content.some((b) => b.type === 'thinking' || b.type === 'redacted_thinking');
      const tokens = {
        // Cache writes and reads are input too: the total is their sum.
        inputTokens:
          (usage.input_tokens ?? 0) +
          (usage.cache_creation_input_tokens ?? 0) +
          (usage.cache_read_input_tokens ?? 0),
        outputTokens: usage.output_tokens ?? 0,
        cacheReadTokens: usage.cache_read_input_tokens ?? 0,
        cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
        cacheWrite1hTokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
        webSearchRequests: usage.server_tool_use?.web_search_requests ?? 0,
        inferenceGeo: usage.inference_geo ?? null,
      };
      if (message.stop_reason === 'refusal') {
        // Claude's safety classifiers stopped the answer: no answer, but the request ran and is billed (as OpenAI's
        // refusals are).
        return {
          customId,
          status: 'failed',
          error: {
            code: 'refusal',
            message: `Claude declined to answer (stop_reason "refusal")${text ? `; it wrote: ${text}` : ''}`,
          },
          billed: tokens,
          stopReason: message.stop_reason,
          raw: line,
        };
      }
      if (
        message.stop_reason === 'max_tokens' &&
        text === '' &&
        !content.some((block) => block.type === 'tool_use')
      ) {
        return {
          customId,
          status: 'failed',
          error: {
            code: 'output_truncated',
            message: thought
              ? 'The answer is empty: thinking used up the token budget (maxTokens, sent as max_tokens) before any text. Raise maxTokens above thinking.budget_tokens by the length of the answer.'
              : 'The answer is empty: the token budget (maxTokens, sent as max_tokens) was used up before any text. Raise maxTokens.',
          },
          // Billed all the same: the tokens it spent count.
          billed: tokens,
          stopReason: message.stop_reason,
          raw: line,
        };
      }
      return {
        customId,
        status: 'succeeded',
        text,
        content,
        ...tokens,
        stopReason: message.stop_reason ?? null,
        truncated: message.stop_reason === 'max_tokens',
        raw: line,
      };
    }
    case 'errored': {
      const inner = result.error?.error ?? result.error ?? {};
      return {
        customId,
        status: 'failed',
        error: {
          code: 'errored',
          type: inner.type ?? 'api_error',
          message: `Anthropic returned an error for this request: ${inner.message ?? 'no message'}`,
        },
        raw: line,
      };
    }
    case 'canceled':
      return {
        customId,
        status: 'cancelled',
        error: { code: 'cancelled', message: 'The provider batch was cancelled before this request ran.' },
        raw: line,
      };
    case 'expired':
      return {
        customId,
        status: 'expired',
        error: { code: 'expired', message: 'The provider batch expired (24 h) before this request ran.' },
        raw: line,
      };
    default:
      return {
        customId,
        status: 'failed',
        error: {
          code: 'unexpected_result',
          message: `Unexpected result type ${JSON.stringify(result?.type)}.`,
        },
        raw: line,
      };
  }
}
