import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchOptions } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 150 });
});
afterEach(() => emulator.close());

/** 6 jobs in 3 batches of about 2 x 20 prompt tokens each. */
function jobs(options: BatchOptions = {}) {
  const batch = batchFor(emulator, { itemsPerBatch: 2, maxConcurrent: 3, ...options });
  for (let i = 0; i < 6; i++)
    batch.addJob({
      id: `j${i}`,
      model: 'gpt-4o-mini',
      maxTokens: 20,
      messages: userMessage(`question number ${i}`),
    });
  return batch;
}

describe('OpenAI enqueued-token limits', () => {
  it('the emulator refuses a batch past the limit as the real service does, naming the limit', async () => {
    emulator.configure({ limits: { openai: { enqueuedTokens: { 'gpt-4o-mini': 10 } } } });
    const client = new OpenAI({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL });
    const line = {
      custom_id: 'a',
      method: 'POST',
      url: '/v1/chat/completions',
      body: {
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: 'a question long enough to pass ten tokens' }],
      },
    };
    const file = await client.files.create({
      file: new File([`${JSON.stringify(line)}\n`], 'in.jsonl'),
      purpose: 'batch',
    });
    const created = await client.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await expect.poll(async () => (await client.batches.retrieve(created.id)).status).toBe('failed');
    const batch = await client.batches.retrieve(created.id);
    expect(batch.errors?.data?.[0]).toMatchObject({
      code: 'token_limit_exceeded',
      message: expect.stringMatching(
        /^Enqueued token limit reached for gpt-4o-mini in organization .*Limit: 10 enqueued tokens\. Please try again once some in_progress batches have been completed\.$/,
      ),
    });
  });

  it('a batch refused for capacity is not a failure: its jobs wait for batches in progress and go out again', async () => {
    // Room for one batch at a time; three are planned at once.
    emulator.configure({ limits: { openai: { enqueuedTokens: { 'gpt-4o-mini': 60 } } } });
    const run = await jobs().run({ wait: true });
    const results = run.results();
    expect(Object.values(results).every((r) => r.isSuccess)).toBe(true);
    // Some creates were refused (and billed nothing); every job was billed exactly once.
    const billing = await emulator.billing();
    expect(billing.requests.map((r) => r.customId.slice(9)).sort()).toEqual([
      'j0',
      'j1',
      'j2',
      'j3',
      'j4',
      'j5',
    ]);
    expect(emulator.stats().batchesCreated.openai).toBeGreaterThan(3);
  });

  it('with enqueuedTokenLimit given, batches are planned under it and none is refused', async () => {
    emulator.configure({ limits: { openai: { enqueuedTokens: { 'gpt-4o-mini': 60 } } } });
    const run = await jobs({ enqueuedTokenLimit: { 'gpt-4o-mini': 60 } }).run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    // Every batch created ran: nothing was refused, so no more batches than the run needed.
    const client = new OpenAI({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL });
    const statuses: string[] = [];
    for await (const batch of client.batches.list()) statuses.push(batch.status);
    expect(statuses.every((status) => status === 'completed')).toBe(true);
  });
});

describe('rate limits on create', () => {
  it('Anthropic 429s past the retries hold the jobs and send them again; nothing fails for it', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', status: 429, times: 5 });
    const batch = batchFor(emulator, {
      itemsPerBatch: 2,
      maxConcurrent: 1,
      retry: { attempts: 2 },
      anthropic: { maxRetries: 0 },
    });
    for (let i = 0; i < 4; i++)
      batch.addJob({ id: `a${i}`, model: 'claude-haiku-4-5', maxTokens: 20, messages: userMessage(`q${i}`) });
    const run = await batch.run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(2);
  });
});
