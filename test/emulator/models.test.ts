import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { anthropicModelError, openaiModelError } from '../../src/emulator/models.js';
import { chatBody, clientsFor, jsonlLine, readLines, until, uploadJsonl } from '../helpers/clients.js';

let emulator: Emulator;
let anthropic: Anthropic;
let openai: OpenAI;

beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 100, models: { anthropic: ['claude-acme-private'] } });
  ({ anthropic, openai } = clientsFor(emulator));
});
afterEach(() => emulator.close());

/** A chat body for a model: reasoning models (gpt-5 family) take `max_completion_tokens`, others `max_tokens`. */
const chat = (model: string, extra: Record<string, unknown> = {}) => {
  const { max_tokens, ...body } = chatBody('Hello', model);
  return {
    ...body,
    [model.startsWith('gpt-5') ? 'max_completion_tokens' : 'max_tokens']: max_tokens,
    ...extra,
  };
};

/** Runs lines of one model each in their own batch (a batch takes one model) and gathers output and error rows. */
async function runOpenAI(lines: [string, Record<string, unknown>][]) {
  const output: Record<string, unknown>[] = [];
  const errors: Record<string, unknown>[] = [];
  await Promise.all(
    lines.map(async ([id, body]) => {
      const file = await uploadJsonl(openai, [jsonlLine(id, body)]);
      const created = await openai.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
      });
      const batch = await until(
        () => openai.batches.retrieve(created.id),
        (b) => b.status === 'completed',
      );
      if (batch.output_file_id)
        output.push(...(await readLines(await openai.files.content(batch.output_file_id))));
      if (batch.error_file_id)
        errors.push(...(await readLines(await openai.files.content(batch.error_file_id))));
    }),
  );
  return { output, errors: Object.fromEntries(errors.map((row) => [row.custom_id as string, row])) };
}

const message = (model: string) => ({
  model,
  max_tokens: 50,
  messages: [{ role: 'user' as const, content: 'Hello' }],
});

describe('emulated models', () => {
  it('Anthropic: an unknown or retired model is a not_found_error "model: <name>" in the batch results', async () => {
    const models = {
      current: 'claude-opus-4-7',
      dated: 'claude-haiku-4-5-20251001',
      private: 'claude-acme-private',
      unknown: 'claude-nonexistent-9',
      retired: 'claude-3-5-haiku-20241022',
      retiredAlias: 'claude-sonnet-4-0',
    };
    const batch = await anthropic.messages.batches.create({
      requests: Object.entries(models).map(([id, model]) => ({ custom_id: id, params: message(model) })),
    });
    await until(
      () => anthropic.messages.batches.retrieve(batch.id),
      (b) => b.processing_status === 'ended',
    );
    const results: Record<string, Anthropic.Messages.Batches.MessageBatchResult> = {};
    for await (const row of await anthropic.messages.batches.results(batch.id))
      results[row.custom_id] = row.result;
    for (const id of ['current', 'dated', 'private']) expect(results[id]?.type, id).toBe('succeeded');
    for (const id of ['unknown', 'retired', 'retiredAlias'] as const) {
      expect(results[id]).toMatchObject({
        type: 'errored',
        error: { error: { type: 'not_found_error', message: `model: ${models[id]}` } },
      });
    }
  });

  it('Anthropic: count_tokens answers 404 for a model it does not serve', async () => {
    await expect(
      anthropic.messages.countTokens({ model: 'claude-3-5-haiku-latest', messages: message('x').messages }),
    ).rejects.toMatchObject({ status: 404, error: { error: { type: 'not_found_error' } } });
    expect(
      (await anthropic.messages.countTokens({ model: 'claude-sonnet-4-6', messages: message('x').messages }))
        .input_tokens,
    ).toBeGreaterThan(0);
  });

  it('OpenAI: an unknown or shut-down model is a 404 model_not_found line; fine-tunes of a served model run', async () => {
    const lines = {
      current: 'gpt-5.1',
      mini: 'gpt-4.1-mini',
      fineTune: 'ft:gpt-4.1-mini:acme::B1xq9Zk2',
      unknown: 'gpt-nonexistent',
      retired: 'o4-mini',
      retiredFineTune: 'ft:gpt-4.1-nano-2025-04-14:acme:tags:C2',
    };
    const { output, errors } = await runOpenAI(
      Object.entries(lines).map(([id, model]): [string, Record<string, unknown>] => [id, chat(model)]),
    );
    expect(output.map((row) => row.custom_id).sort()).toEqual(['current', 'fineTune', 'mini']);
    expect(errors.unknown).toMatchObject({
      response: {
        status_code: 404,
        body: {
          error: {
            code: 'model_not_found',
            message: 'The model `gpt-nonexistent` does not exist or you do not have access to it.',
          },
        },
      },
    });
    for (const id of ['retired', 'retiredFineTune'] as const) {
      expect(errors[id]).toMatchObject({
        response: {
          status_code: 404,
          body: {
            error: {
              code: 'model_not_found',
              message: `The model \`${lines[id]}\` has been deprecated, learn more here: https://platform.openai.com/docs/deprecations`,
            },
          },
        },
      });
    }
  });

  it('serves a deprecated model until its shutdown day (UTC), then refuses it', () => {
    const day = (iso: string) => Date.parse(`${iso}T12:00:00Z`);
    expect(anthropicModelError('claude-sonnet-4-5', {}, day('2026-11-29'))).toBeNull();
    expect(anthropicModelError('claude-sonnet-4-5', {}, day('2026-11-30'))).toBe('model: claude-sonnet-4-5');
    expect(openaiModelError('o3', {}, day('2026-12-10'))).toBeNull();
    expect(openaiModelError('o3', {}, day('2026-12-11'))).toContain('has been deprecated');
    expect(openaiModelError('ft:gpt-4o-mini-2024-07-18:acme::x', {}, day('2027-01-14'))).toContain(
      'has been deprecated',
    );
    expect(anthropicModelError('toString')).toBe('model: toString');
  });

  it('OpenAI: each generation of reasoning models takes its own reasoning efforts', async () => {
    const { output, errors } = await runOpenAI([
      ['none51', chat('gpt-5.1', { reasoning_effort: 'none' })],
      ['minimal51', chat('gpt-5.1', { reasoning_effort: 'minimal' })],
      ['xhigh52', chat('gpt-5.2', { reasoning_effort: 'xhigh' })],
    ]);
    expect(output.map((row) => row.custom_id).sort()).toEqual(['none51', 'xhigh52']);
    const none = output.find((row) => row.custom_id === 'none51') as {
      response: { body: { usage: { completion_tokens_details: { reasoning_tokens: number } } } };
    };
    expect(none.response.body.usage.completion_tokens_details.reasoning_tokens).toBe(0);
    expect(errors.minimal51).toMatchObject({
      custom_id: 'minimal51',
      response: {
        status_code: 400,
        body: {
          error: {
            param: 'reasoning_effort',
            message: expect.stringContaining("does not support 'minimal' with this model"),
          },
        },
      },
    });
  });
});
