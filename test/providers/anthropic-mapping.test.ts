import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeJob } from '../../src/jobs/normalize-job.js';
import { batchCost } from '../../src/pricing/prices.js';
import { parseAnthropicResult } from '../../src/providers/anthropic/parse-result.js';
import { toAnthropicRequest } from '../../src/providers/anthropic/to-request.js';
import type { JobInput } from '../../src/types.js';
import { makePng } from '../helpers/image.js';
import { makeObjectStreamPdf } from '../helpers/pdf.js';

const lines = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/anthropic/result-lines.json'), 'utf8'),
) as Record<string, unknown>;
const job = (input: JobInput) => normalizeJob(input, { model: 'claude-haiku-4-5' }, 0, new Set());

describe('toAnthropicRequest', () => {
  it('maps messages: system turns to `system`, the rest in order, with max_tokens and provider options', () => {
    const request = toAnthropicRequest(
      job({
        id: 'j1',
        maxTokens: 50,
        providerOptions: { anthropic: { stop_sequences: ['END'], metadata: { user_id: 'u-1' } } },
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'system', content: 'Answer in French.' },
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Bonjour' },
          { role: 'user', content: 'Again' },
        ],
      }),
      null,
    );
    expect(request).toEqual({
      customId: 'j1',
      jobId: 'j1',
      body: {
        model: 'claude-haiku-4-5',
        max_tokens: 50,
        system: 'Be brief.\n\nAnswer in French.',
        messages: [
          { role: 'user', content: 'Hi' },
          { role: 'assistant', content: 'Bonjour' },
          { role: 'user', content: 'Again' },
        ],
        stop_sequences: ['END'],
        metadata: { user_id: 'u-1' },
      },
    });
  });

  it('sends the dated model name the job used, and never a temperature (a default one is dropped)', () => {
    const request = toAnthropicRequest(
      normalizeJob(
        { id: 'j', model: 'claude-haiku-4-5-20251001', messages: [{ role: 'user', content: 'x' }] },
        { temperature: 0 },
        0,
        new Set(),
      ),
      null,
    );
    expect(request.body.model).toBe('claude-haiku-4-5-20251001');
    expect(request.body).not.toHaveProperty('temperature');
    expect(request.body.max_tokens).toBe(1024);
  });

  it('maps a PDF to a base64 document block titled with the file name, with citations when asked', () => {
    const data = makeObjectStreamPdf(1, 'FlateDecode');
    const request = toAnthropicRequest(
      job({ id: 'p', file: { data, name: 'invoice.pdf' }, prompt: 'Extract', enableCitations: true }),
      data,
    );
    expect(request.body.messages).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'document',
            source: { type: 'base64', media_type: 'application/pdf', data: data.toString('base64') },
            title: 'invoice.pdf',
            citations: { enabled: true },
          },
          { type: 'text', text: 'Extract' },
        ],
      },
    ]);
  });

  it('maps text files to text documents and images to image blocks', () => {
    const text = Buffer.from('Total: 5');
    const textRequest = toAnthropicRequest(
      job({ id: 't', file: { data: text, name: 'a.md' }, prompt: 'p' }),
      text,
    );
    expect((textRequest.body.messages as { content: unknown[] }[])[0]!.content[0]).toEqual({
      type: 'document',
      source: { type: 'text', media_type: 'text/plain', data: 'Total: 5' },
      title: 'a.md',
    });
    const png = makePng(2, 2);
    const imageRequest = toAnthropicRequest(
      job({ id: 'i', file: { data: png, name: 'a.png' }, prompt: 'p' }),
      png,
    );
    expect((imageRequest.body.messages as { content: unknown[] }[])[0]!.content[0]).toEqual({
      type: 'image',
      source: { type: 'base64', media_type: 'image/png', data: png.toString('base64') },
    });
  });
});

describe('parseAnthropicResult', () => {
  it('a succeeded line: text joined, cache tokens counted as input', () => {
    expect(parseAnthropicResult(lines.succeeded)).toMatchObject({
      customId: 'job-00001',
      status: 'succeeded',
      text: 'Hello again!',
      inputTokens: 115,
      outputTokens: 36,
      stopReason: 'end_turn',
    });
  });

  it('a line with web searches and 1-hour cache writes: both counted, and priced (searches at $10 per 1,000)', () => {
    const outcome = parseAnthropicResult(lines.webSearchCached);
    expect(outcome).toMatchObject({
      status: 'succeeded',
      text: 'Half price.',
      inputTokens: 5_100,
      cacheWriteTokens: 3_000,
      cacheWrite1hTokens: 2_000,
      webSearchRequests: 2,
    });
    if (outcome?.status !== 'succeeded') throw new Error('expected a success');
    // claude-sonnet-4-6 per MTok: input 3, 5-minute write 3.75, 1-hour write 6, output 15; half that in a batch.
    const tokens = (2_100 * 3 + 1_000 * 3.75 + 2_000 * 6 + 40 * 15) / 1e6 / 2;
    expect(batchCost('claude-sonnet-4-6', 'anthropic', outcome)).toBeCloseTo(tokens + 2 * 0.01, 12);
  });

  it('an empty answer cut by max_tokens is output_truncated, its billed tokens kept', () => {
    expect(parseAnthropicResult(lines.maxTokensEmpty)).toMatchObject({
      customId: 'job-00006',
      status: 'failed',
      error: { code: 'output_truncated', message: expect.stringContaining('Raise maxTokens') },
      billed: { inputTokens: 40, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0 },
      stopReason: 'max_tokens',
    });
  });

  it('a refusal (stop_reason "refusal") is a failure, never a success, its billed tokens kept', () => {
    expect(parseAnthropicResult(lines.refusal)).toMatchObject({
      customId: 'job-00007',
      status: 'failed',
      error: { code: 'refusal', message: expect.stringContaining('declined') },
      billed: { inputTokens: 52, outputTokens: 3, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
  });

  it('thinking and redacted_thinking blocks are not the answer; their tokens are in output_tokens', () => {
    const line = (content: unknown[], stopReason: string) => ({
      custom_id: 'sub_think',
      result: {
        type: 'succeeded',
        message: {
          content,
          stop_reason: stopReason,
          usage: {
            input_tokens: 20,
            output_tokens: 1_300,
            output_tokens_details: { thinking_tokens: 1_200 },
          },
        },
      },
    });
    const thinking = { type: 'thinking', thinking: 'Let me add {"total": 1}.', signature: 'c2ln' };
    const redacted = { type: 'redacted_thinking', data: 'ZW5j' };
    expect(
      parseAnthropicResult(line([thinking, redacted, { type: 'text', text: '{"total": 2}' }], 'end_turn')),
    ).toMatchObject({ status: 'succeeded', text: '{"total": 2}', inputTokens: 20, outputTokens: 1_300 });
    expect(parseAnthropicResult(line([thinking, redacted], 'max_tokens'))).toMatchObject({
      status: 'failed',
      error: { code: 'output_truncated', message: expect.stringMatching(/thinking used up/) },
      billed: { outputTokens: 1_300 },
    });
  });

  it('an errored line keeps the provider type and message', () => {
    expect(parseAnthropicResult(lines.errored)).toMatchObject({
      customId: 'job-00002',
      status: 'failed',
      error: {
        code: 'errored',
        type: 'invalid_request_error',
        message: expect.stringContaining('max_tokens: too large'),
      },
    });
  });

  it('canceled and expired lines', () => {
    expect(parseAnthropicResult(lines.canceled)).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled' },
    });
    expect(parseAnthropicResult(lines.expired)).toMatchObject({
      status: 'expired',
      error: { code: 'expired' },
    });
  });

  it('an unexpected type fails that one job; a line without custom_id is skipped', () => {
    expect(parseAnthropicResult(lines.unknownType)).toMatchObject({
      status: 'failed',
      error: { code: 'unexpected_result' },
    });
    expect(parseAnthropicResult({ result: { type: 'succeeded' } })).toBeUndefined();
  });
});
