import type Anthropic from '@anthropic-ai/sdk';
import type OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, type EmulatorBilling, startEmulator } from '../../src/emulator/index.js';
import { chatBody, clientsFor, jsonlLine, readLines, until, uploadJsonl } from '../helpers/clients.js';

let emulator: Emulator;
let openai: OpenAI;
let anthropic: Anthropic;

beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 150 });
  ({ openai, anthropic } = clientsFor(emulator));
});
afterEach(() => emulator.close());

const request = (id: string) => ({
  custom_id: id,
  params: {
    model: 'claude-haiku-4-5',
    max_tokens: 100,
    messages: [{ role: 'user' as const, content: `question ${id}` }],
  },
});

/** Billing once every batch has ended; billing() itself ends what is due, so nothing else is polled. */
const finalBilling = () =>
  until(
    () => emulator.billing(),
    (b) => b.unfinished.length === 0,
  );

const billedIds = (billing: EmulatorBilling, batchId: string) =>
  billing.requests
    .filter((r) => r.batchId === batchId)
    .map((r) => r.customId)
    .sort();

async function openaiBatch(lines: string[]) {
  const file = await uploadJsonl(openai, lines);
  return openai.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
}

const openaiEnded = (id: string) =>
  until(
    () => openai.batches.retrieve(id),
    (b) => ['completed', 'failed', 'expired', 'cancelled'].includes(b.status),
  );

async function anthropicResults(id: string) {
  await until(
    () => anthropic.messages.batches.retrieve(id),
    (b) => b.processing_status === 'ended',
  );
  const rows: Anthropic.Messages.Batches.MessageBatchIndividualResponse[] = [];
  for await (const row of await anthropic.messages.batches.results(id)) rows.push(row);
  return rows;
}

describe('.billing()', () => {
  it('bills each processed OpenAI request once, with the tokens its result row carries', async () => {
    const created = await openaiBatch(['a', 'bb', 'ccc'].map((id) => jsonlLine(id, chatBody(`say ${id}`))));
    const batch = await openaiEnded(created.id);
    const rows = await readLines(await openai.files.content(batch.output_file_id!));
    await emulator.billing();
    await openai.batches.retrieve(batch.id);
    const billing = await emulator.billing();

    expect(billing.requests).toHaveLength(3);
    for (const row of rows as {
      custom_id: string;
      response: { body: { usage: Record<string, number> } };
    }[]) {
      const usage = row.response.body.usage;
      expect(billing.requests.filter((r) => r.customId === row.custom_id)).toEqual([
        {
          provider: 'openai',
          batchId: batch.id,
          customId: row.custom_id,
          model: 'gpt-4o-mini',
          inputTokens: usage.prompt_tokens,
          outputTokens: usage.completion_tokens,
          cacheReadTokens: 0,
          cacheWriteTokens: 0,
          cacheWrite1hTokens: 0,
        },
      ]);
    }
    const totals = { inputTokens: batch.usage!.input_tokens, outputTokens: batch.usage!.output_tokens };
    expect(billing.byBatch[batch.id]).toMatchObject({ provider: 'openai', requests: 3, ...totals });
    expect(billing.byModel['gpt-4o-mini']).toMatchObject({ requests: 3, ...totals });
    expect(billing.total).toMatchObject({ requests: 3, ...totals });
  });

  it('bills an Anthropic batch that ended while nobody polled it, as its results later say', async () => {
    emulator.configure({ processingMs: 400 });
    const batch = await anthropic.messages.batches.create({ requests: [request('one'), request('two')] });
    expect((await emulator.billing()).unfinished).toEqual([{ provider: 'anthropic', batchId: batch.id }]);

    const billing = await finalBilling();
    expect(emulator.stats().calls['GET /v1/messages/batches/{id}']).toBeUndefined();
    const rows = await anthropicResults(batch.id);
    expect(rows).toHaveLength(2);
    for (const row of rows) {
      if (row.result.type !== 'succeeded') throw new Error(`unexpected ${row.result.type}`);
      const { usage, model } = row.result.message;
      expect(billing.requests.filter((r) => r.customId === row.custom_id)).toEqual([
        {
          provider: 'anthropic',
          batchId: batch.id,
          customId: row.custom_id,
          model,
          inputTokens: usage.input_tokens,
          outputTokens: usage.output_tokens,
          cacheReadTokens: usage.cache_read_input_tokens ?? 0,
          cacheWriteTokens: usage.cache_creation_input_tokens ?? 0,
          cacheWrite1hTokens: usage.cache_creation?.ephemeral_1h_input_tokens ?? 0,
        },
      ]);
    }
    // "question one" is 3 tokens + 4 a message + 3 a request -> 10; "Reply to: question one" 8 (the documented rule).
    expect(billing.byModel['claude-haiku-4-5']).toMatchObject({
      requests: 2,
      inputTokens: 20,
      outputTokens: 16,
    });
  });

  it('bills an OpenAI batch nobody polled', async () => {
    const batch = await openaiBatch([jsonlLine('only', chatBody('x'))]);
    const billing = await finalBilling();
    expect(emulator.stats().calls['GET /v1/batches/{id}']).toBeUndefined();
    expect(billedIds(billing, batch.id)).toEqual(['only']);
  });

  it('leaves errored rows out, for both providers', async () => {
    emulator.configure({ erroredShare: 0.5 });
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const openaiCreated = await openaiBatch(ids.map((id) => jsonlLine(id, chatBody(id))));
    const anthropicCreated = await anthropic.messages.batches.create({ requests: ids.map(request) });

    const billing = await finalBilling();
    const openaiDone = await openaiEnded(openaiCreated.id);
    const output = await readLines(await openai.files.content(openaiDone.output_file_id!));
    const errors = await readLines(await openai.files.content(openaiDone.error_file_id!));
    expect(errors.length).toBeGreaterThan(0);
    expect(billedIds(billing, openaiCreated.id)).toEqual(output.map((r) => r.custom_id).sort());

    const rows = await anthropicResults(anthropicCreated.id);
    const succeeded = rows.filter((r) => r.result.type === 'succeeded').map((r) => r.custom_id);
    expect(succeeded.length).toBeLessThan(ids.length);
    expect(billedIds(billing, anthropicCreated.id)).toEqual(succeeded.sort());
    expect(billing.total.requests).toBe(output.length + succeeded.length);
  });

  it('bills the requests done before a cancel took effect, and keeps them after the output is deleted', async () => {
    emulator.configure({ processingMs: 2000, cancelMs: 50 });
    const ids = Array.from({ length: 10 }, (_, i) => `r${i}`);
    const created = await openaiBatch(ids.map((id) => jsonlLine(id, chatBody(id))));
    await until(
      () => openai.batches.retrieve(created.id),
      (b) => (b.request_counts?.completed ?? 0) > 0,
    );
    await openai.batches.cancel(created.id);
    const cancelled = await openaiEnded(created.id);
    expect(cancelled.status).toBe('cancelled');
    const output = await readLines(await openai.files.content(cancelled.output_file_id!));
    expect(output.length).toBe(cancelled.request_counts!.completed);

    await openai.files.delete(cancelled.output_file_id!);
    const billing = await emulator.billing();
    expect(billedIds(billing, created.id)).toEqual(output.map((r) => r.custom_id).sort());
    expect(billing.byBatch[created.id]!.requests).toBeLessThan(ids.length);
  });

  it('keeps billing a deleted Anthropic batch', async () => {
    const batch = await anthropic.messages.batches.create({ requests: [request('a')] });
    await anthropicResults(batch.id);
    await anthropic.messages.batches.delete(batch.id);
    expect(billedIds(await emulator.billing(), batch.id)).toEqual(['a']);
  });

  it('starts afresh with resetStats(): only batches created after it are billed', async () => {
    await anthropic.messages.batches.create({ requests: [request('before')] });
    expect((await finalBilling()).total.requests).toBe(1);
    emulator.configure({ processingMs: 300 });
    const runningAtReset = await anthropic.messages.batches.create({ requests: [request('straddles')] });

    emulator.resetStats();
    expect(await emulator.billing()).toEqual({
      requests: [],
      byBatch: {},
      byModel: {},
      total: {
        requests: 0,
        inputTokens: 0,
        outputTokens: 0,
        cacheReadTokens: 0,
        cacheWriteTokens: 0,
        cacheWrite1hTokens: 0,
      },
      unfinished: [],
    });
    const after = await anthropic.messages.batches.create({ requests: [request('after')] });
    const billing = await finalBilling();
    expect(billing.requests.map((r) => [r.batchId, r.customId])).toEqual([[after.id, 'after']]);
    expect(billing.byBatch[runningAtReset.id]).toBeUndefined();
  });
});
