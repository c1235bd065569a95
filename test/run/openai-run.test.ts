import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { Progress } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 100 });
});
afterEach(() => emulator.close());

function withJobs(count: number, options: Parameters<typeof batchFor>[1] = {}, model = 'gpt-4o-mini') {
  const batch = batchFor(emulator, options).defaults({ model, maxTokens: 100 });
  for (let i = 0; i < count; i++) batch.addJob({ id: `q${i}`, messages: userMessage(`question ${i}`) });
  return batch;
}

const sdk = () => new OpenAI({ apiKey: 'k', baseURL: emulator.openaiBaseURL });

describe('Batch.run() on OpenAI, end to end', () => {
  it('uploads an input file of many chunks whole: every line reaches the emulator and every job its own answer', async () => {
    // About 1.2 MB of JSONL: several of the upload's 256 KB chunks, lines cut at no chunk boundary.
    const batch = batchFor(emulator).defaults({ model: 'gpt-4o-mini', maxTokens: 20 });
    for (let i = 0; i < 300; i++)
      batch.addJob({ id: `long${i}`, messages: userMessage(`question ${i} ${'padding '.repeat(500)}`) });
    const results = await (await batch.run()).wait();
    expect(Object.values(results).filter((r) => r.isSuccess)).toHaveLength(300);
    expect(results.long299!.rawResponse).toMatch(/^Reply to: question 299 padding/);
    expect(emulator.stats().uploads).toEqual({ total: 1, streamed: 1 });
  });

  it('runs plain text jobs through Files + Batch and deletes the uploaded input file afterwards', async () => {
    const run = await withJobs(10).run({ wait: true });
    const results = run.results();
    expect(Object.keys(results)).toHaveLength(10);
    expect(results.q4).toMatchObject({
      status: 'succeeded',
      rawResponse: 'Reply to: question 4',
      inputTokens: 10,
      outputTokens: 6,
      stopReason: 'stop',
      provider: 'openai',
    });
    const stats = emulator.stats();
    expect(stats.batchesCreated.openai).toBe(1);
    // The JSONL went up as a stream (chunked), not as one string with a length.
    expect(stats.uploads).toEqual({ total: 1, streamed: 1 });
    const batch = await sdk().batches.retrieve(stats.createdBatchIds.openai[0]!);
    expect(batch.metadata).toEqual({
      batchwise_run: run.id,
      batchwise_submission: expect.stringMatching(/^[a-z0-9]{8}$/),
    });
    await expect(sdk().files.retrieve(batch.input_file_id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('keeps the input file when deleteInputFile is false', async () => {
    await withJobs(1, { openai: { deleteInputFile: false } }).run({ wait: true });
    const batch = await sdk().batches.retrieve(emulator.stats().createdBatchIds.openai[0]!);
    await expect(sdk().files.retrieve(batch.input_file_id)).resolves.toMatchObject({ purpose: 'batch' });
  });

  it('mixes Anthropic and OpenAI jobs in one run; progress and results cover both', async () => {
    const batch = withJobs(3);
    for (let i = 3; i < 6; i++)
      batch.addJob({ id: `q${i}`, model: 'claude-haiku-4-5', messages: userMessage(`question ${i}`) });
    const run = await batch.run();
    const ticks: Progress[] = [];
    run.on('progress', (p) => ticks.push(p));
    const results = await run.wait();
    expect(Object.values(results).map((r) => [r.jobId, r.provider, r.status])).toEqual([
      ['q0', 'openai', 'succeeded'],
      ['q1', 'openai', 'succeeded'],
      ['q2', 'openai', 'succeeded'],
      ['q3', 'anthropic', 'succeeded'],
      ['q4', 'anthropic', 'succeeded'],
      ['q5', 'anthropic', 'succeeded'],
    ]);
    expect(emulator.stats().batchesCreated).toEqual({ openai: 1, anthropic: 1 });
    expect(ticks.at(-1)).toMatchObject({ total: 6, completed: 6, batchesTotal: 2, batchesCompleted: 2 });
  });

  it('splits by the request limit into several batches, one model per batch file', async () => {
    emulator.configure({ limits: { openai: { maxRequests: 4 } } });
    const batch = withJobs(10, { openai: { limits: { maxRequests: 4 } } });
    batch.addJob({ id: 'other-model', model: 'gpt-4o', messages: userMessage('x') });
    const run = await batch.run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    expect(emulator.stats().batchesCreated.openai).toBe(4);
  });

  it('reads the output and the error file: API errors and server errors become failed results', async () => {
    emulator.configure({
      respond: ({ customId }) =>
        customId.endsWith('_q1')
          ? { error: { statusCode: 400, message: 'context too long', type: 'invalid_request_error' } }
          : undefined,
    });
    const run = await withJobs(3).run({ wait: true });
    const results = run.results();
    expect(results.q1).toMatchObject({
      status: 'failed',
      error: {
        code: 'errored',
        statusCode: 400,
        type: 'invalid_request_error',
        message: expect.stringContaining('context too long'),
      },
    });
    expect([results.q0!.status, results.q2!.status]).toEqual(['succeeded', 'succeeded']);
  });

  it('an expired batch keeps its partial output; the rest end expired', async () => {
    emulator.configure({ expire: { completedShare: 0.5 } });
    const results = (await withJobs(6, { maxRetries: 0 }).run({ wait: true })).results();
    const statuses = Object.values(results).map((r) => r.status);
    expect(statuses.filter((s) => s === 'succeeded')).toHaveLength(3);
    expect(statuses.filter((s) => s === 'expired')).toHaveLength(3);
  });

  it('a cancelled batch: shutdown({ waitForActive: false }) cancels it and every job gets a result', async () => {
    emulator.configure({ processingMs: 3_000, cancelMs: 50 });
    const run = await withJobs(4).run();
    await new Promise((resolve) => run.once('batchSubmitted', resolve));
    const results = await run.shutdown({ waitForActive: false });
    expect(Object.values(results).map((r) => r.status)).toEqual([
      'cancelled',
      'cancelled',
      'cancelled',
      'cancelled',
    ]);
    expect(emulator.stats().calls['POST /v1/batches/{id}/cancel']).toBe(1);
  });

  it('a batch that fails validation gives the blamed line its own reason and the others the batch reason', async () => {
    emulator.configure({
      validateLine: (line) =>
        line.customId.endsWith('_q2')
          ? { code: 'token_limit_exceeded', message: 'Enqueued token limit reached for gpt-4o-mini' }
          : undefined,
    });
    const results = (await withJobs(4).run({ wait: true })).results();
    expect(results.q2).toMatchObject({
      status: 'failed',
      error: {
        code: 'batch_failed',
        type: 'token_limit_exceeded',
        message: expect.stringContaining('Enqueued token limit'),
      },
    });
    for (const id of ['q0', 'q1', 'q3']) {
      expect(results[id]).toMatchObject({
        status: 'failed',
        error: { code: 'batch_failed', message: expect.stringContaining('line 3') },
      });
    }
    expect(emulator.stats().batchesCreated.openai).toBe(1);
  });

  it('rides over 429/5xx in upload, create and poll without creating a batch twice; a create that got a 5xx is looked up, not repeated blindly', async () => {
    emulator.injectFault({ route: 'POST /v1/files', status: 429, times: 1 });
    emulator.injectFault({ route: 'POST /v1/batches', status: 500, times: 1 });
    emulator.injectFault({ route: 'GET /v1/batches/{id}', status: 502, times: 3 });
    const run = await withJobs(3, { openai: { maxRetries: 0 } }).run({ wait: true });
    expect(Object.values(run.results()).every((r) => r.isSuccess)).toBe(true);
    const { calls, batchesCreated } = emulator.stats();
    expect(batchesCreated.openai).toBe(1);
    // The 429 refused the first upload; the second is reused for the retried create (no orphan file).
    expect(calls['POST /v1/files']).toBe(2);
    // A 5xx on create may have created the batch: it was looked for before the create was sent again.
    expect(calls['GET /v1/batches']).toBeGreaterThanOrEqual(1);
    expect(calls['POST /v1/batches']).toBe(2);
    // Only the input file, once the batch had ended.
    expect(calls['DELETE /v1/files/{id}']).toBe(1);
  });

  it('a create refused outright ends its jobs submit_failed and deletes the file it uploaded', async () => {
    emulator.injectFault({ route: 'POST /v1/batches', status: 400, times: 1 });
    const run = await withJobs(2).run({ wait: true });
    for (const result of Object.values(run.results())) expect(result.error?.code).toBe('submit_failed');
    const { calls, batchesCreated } = emulator.stats();
    expect(batchesCreated.openai).toBe(0);
    expect(calls['POST /v1/files']).toBe(1);
    const client = new OpenAI({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL });
    const left = [];
    for await (const file of client.files.list({ purpose: 'batch' })) left.push(file.id);
    expect(left).toEqual([]);
  });

  it('sends reasoning models max_completion_tokens and no temperature, and they succeed', async () => {
    const bodies: Record<string, unknown>[] = [];
    emulator.configure({
      respond: ({ body }) => {
        bodies.push(body);
        return undefined;
      },
    });
    const batch = batchFor(emulator).defaults({ model: 'gpt-5-mini', temperature: 0, maxTokens: 2_000 });
    batch.addJob({ id: 'r', messages: userMessage('think') });
    const run = await batch.run({ wait: true });
    expect(run.results().r!.status).toBe('succeeded');
    expect(bodies).toEqual([
      { model: 'gpt-5-mini', max_completion_tokens: 2_000, messages: [{ role: 'user', content: 'think' }] },
    ]);
  });
});
