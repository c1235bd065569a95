import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { normalizeJob } from '../../src/jobs/normalize-job.js';
import { parseOpenAIResult } from '../../src/providers/openai/parse-result.js';
import { toJsonlLine, toOpenAIRequest } from '../../src/providers/openai/to-request.js';
import type { JobInput, JobSettings } from '../../src/types.js';
import { makeJpegHeader } from '../helpers/image.js';
import { makeObjectStreamPdf } from '../helpers/pdf.js';

const lines = JSON.parse(
  readFileSync(join(import.meta.dirname, '../fixtures/openai-result-lines.json'), 'utf8'),
) as Record<string, unknown>;
const job = (input: JobInput, defaults: JobSettings = { model: 'gpt-4o-mini' }) =>
  normalizeJob(input, defaults, 0, new Set());

describe('toOpenAIRequest and toJsonlLine', () => {
  it('maps messages, keeping system turns as system messages, with max_tokens and temperature', () => {
    const request = toOpenAIRequest(
      job({
        id: 'j1',
        temperature: 0.7,
        maxTokens: 64,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      }),
      null,
    );
    expect(JSON.parse(toJsonlLine(request))).toEqual({
      custom_id: 'j1',
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        max_tokens: 64,
        temperature: 0.7,
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'Hi' },
        ],
      },
    });
  });

  it('sends reasoningEffort as reasoning_effort; reasoning models default to a 25,000-token budget', () => {
    const request = toOpenAIRequest(
      job(
        { id: 'e', reasoningEffort: 'low', messages: [{ role: 'user', content: 'x' }] },
        { model: 'gpt-5-mini' },
      ),
      null,
    );
    expect(request.body).toEqual({
      model: 'gpt-5-mini',
      max_completion_tokens: 25_000,
      reasoning_effort: 'low',
      messages: [{ role: 'user', content: 'x' }],
    });
    // A reasoningEffort from defaults() is dropped for a model that takes none; other models keep 1,024.
    const plain = job(
      { id: 'p', messages: [{ role: 'user', content: 'x' }] },
      { model: 'gpt-4o-mini', reasoningEffort: 'high' },
    );
    expect(toOpenAIRequest(plain, null).body).toEqual({
      model: 'gpt-4o-mini',
      max_tokens: 1024,
      messages: [{ role: 'user', content: 'x' }],
    });
  });

  it('refuses reasoningEffort set on a job for a model that does not reason, or an unknown effort', () => {
    expect(() =>
      job({
        id: 'p',
        model: 'gpt-4o-mini',
        reasoningEffort: 'low',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).toThrow(/Job "p": gpt-4o-mini is not a reasoning model and takes no reasoningEffort/);
    expect(() =>
      job(
        { id: 'q', reasoningEffort: 'extreme' as 'high', messages: [{ role: 'user', content: 'x' }] },
        { model: 'o3' },
      ),
    ).toThrow(/reasoningEffort must be one of "low", "medium", "high" for o3, got "extreme"/);
    // Each generation takes its own values: gpt-5.1 added "none" and dropped "minimal".
    expect(() =>
      job({
        id: 'm',
        model: 'gpt-5.1',
        reasoningEffort: 'minimal',
        messages: [{ role: 'user', content: 'x' }],
      }),
    ).toThrow(/"none", "low", "medium", "high" for gpt-5.1, got "minimal"/);
    expect(
      toOpenAIRequest(
        job({
          id: 'n',
          model: 'gpt-5.1',
          reasoningEffort: 'none',
          messages: [{ role: 'user', content: 'x' }],
        }),
        null,
      ).body.reasoning_effort,
    ).toBe('none');
  });

  it('adds provider options after its own fields, and only the openai ones', () => {
    const request = toOpenAIRequest(
      job({
        id: 'j',
        maxTokens: 50,
        messages: [{ role: 'user', content: 'Hi' }],
        providerOptions: {
          openai: { seed: 7, stop: ['END'], metadata: { team: 'a' } },
          anthropic: { stop_sequences: ['X'] },
        },
      }),
      null,
    );
    expect(request.body).toEqual({
      model: 'gpt-4o-mini',
      messages: [{ role: 'user', content: 'Hi' }],
      max_tokens: 50,
      seed: 7,
      stop: ['END'],
      metadata: { team: 'a' },
    });
  });

  it('gives reasoning models max_completion_tokens and no temperature', () => {
    for (const model of ['gpt-5', 'gpt-5-mini', 'gpt-5.1', 'o3', 'ft:gpt-5.1:acme::B1xq9']) {
      const request = toOpenAIRequest(
        job(
          { id: 'r', messages: [{ role: 'user', content: 'x' }] },
          { model, temperature: 0, maxTokens: 500 },
        ),
        null,
      );
      expect(request.body).toEqual({
        model,
        max_completion_tokens: 500,
        messages: [{ role: 'user', content: 'x' }],
      });
    }
  });

  it('sends a PDF as a file part with a base64 data URL and its file name', () => {
    const data = makeObjectStreamPdf(1, 'FlateDecode');
    const request = toOpenAIRequest(
      job({ id: 'p', file: { data, name: 'invoice.pdf' }, prompt: 'Extract' }),
      data,
    );
    expect(request.body.messages).toEqual([
      {
        role: 'user',
        content: [
          {
            type: 'file',
            file: {
              filename: 'invoice.pdf',
              file_data: `data:application/pdf;base64,${data.toString('base64')}`,
            },
          },
          { type: 'text', text: 'Extract' },
        ],
      },
    ]);
  });

  it('sends images as image_url data URLs and text files inline', () => {
    const jpeg = makeJpegHeader(4, 3);
    const image = toOpenAIRequest(job({ id: 'i', file: { data: jpeg, name: 'a.jpg' }, prompt: 'p' }), jpeg);
    expect((image.body.messages as { content: unknown[] }[])[0]!.content[0]).toEqual({
      type: 'image_url',
      image_url: { url: `data:image/jpeg;base64,${jpeg.toString('base64')}`, detail: 'auto' },
    });
    const csv = Buffer.from('a,b\n1,2');
    const text = toOpenAIRequest(job({ id: 't', file: { data: csv, name: 'data.csv' }, prompt: 'p' }), csv);
    expect((text.body.messages as { content: unknown[] }[])[0]!.content[0]).toEqual({
      type: 'text',
      text: '<document name="data.csv">\na,b\n1,2\n</document>',
    });
  });
});

describe('parseOpenAIResult', () => {
  it('a 200 line is an answer with usage and finish_reason', () => {
    expect(parseOpenAIResult(lines.succeeded)).toMatchObject({
      customId: 'request-2',
      status: 'succeeded',
      text: '2 + 2 equals 4.',
      inputTokens: 24,
      outputTokens: 15,
      stopReason: 'stop',
    });
  });

  it('a refusal is a failure with the model’s words', () => {
    expect(parseOpenAIResult(lines.refusal)).toMatchObject({
      status: 'failed',
      error: { code: 'refusal', message: expect.stringContaining("I can't help with that.") },
    });
  });

  it('an empty answer cut by the token limit is output_truncated, its billed tokens kept', () => {
    expect(parseOpenAIResult(lines.reasoningUsedUp)).toMatchObject({
      customId: 'request-7',
      status: 'failed',
      error: {
        code: 'output_truncated',
        message: expect.stringMatching(
          /used up by 1024 reasoning tokens.*Raise maxTokens or lower reasoningEffort/,
        ),
      },
      billed: { inputTokens: 12, outputTokens: 1024, cacheReadTokens: 0, cacheWriteTokens: 0 },
    });
    expect(parseOpenAIResult(lines.lengthNullContent)).toMatchObject({
      status: 'failed',
      error: { code: 'output_truncated', message: expect.stringContaining('Raise maxTokens') },
      billed: { inputTokens: 12, outputTokens: 64 },
    });
    // Cut but not empty: an answer (with a responseModel it will be `invalid`, its text kept).
    expect(parseOpenAIResult(lines.lengthWithText)).toMatchObject({
      status: 'succeeded',
      text: 'The answer is',
      outputTokens: 300,
      stopReason: 'length',
    });
  });

  it('a non-200 line keeps the provider message, type and status', () => {
    expect(parseOpenAIResult(lines.contextTooLong)).toMatchObject({
      customId: 'request-4',
      status: 'failed',
      error: {
        code: 'errored',
        type: 'invalid_request_error',
        statusCode: 400,
        message: expect.stringContaining('maximum context length'),
      },
    });
  });

  it('top-level errors: expired, cancelled, and others', () => {
    expect(parseOpenAIResult(lines.expired)).toMatchObject({ status: 'expired', error: { code: 'expired' } });
    expect(parseOpenAIResult(lines.cancelled)).toMatchObject({
      status: 'cancelled',
      error: { code: 'cancelled' },
    });
    expect(parseOpenAIResult(lines.timeout)).toMatchObject({
      status: 'failed',
      error: { code: 'errored', type: 'request_timeout' },
    });
  });
});
