import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import type { BatchOptions } from '../../src/index.js';
import { batchFor, userMessage } from '../helpers/batch.js';
import { until } from '../helpers/clients.js';

let emulator: Emulator;
let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-lost-'));
  emulator = await startEmulator({
    processingMs: 80,
    dataDir: await mkdtemp(join(tmpdir(), 'batchwise-emu-')),
  });
});
afterEach(() => emulator.close());

function jobs(model: string, options: BatchOptions = {}, count = 2) {
  const batch = batchFor(emulator, { itemsPerBatch: 2, ...options });
  for (let i = 0; i < count; i++)
    batch.addJob({ id: `j${i}`, model, maxTokens: 50, messages: userMessage(`q${i}`) });
  return batch;
}

const everySucceeded = (results: Record<string, { isSuccess: boolean }>) =>
  Object.values(results).every((r) => r.isSuccess);

/** Until the emulator has received `count` Anthropic batch creates. */
const anthropicCreatesSeen = (count: number) =>
  until(
    async () => emulator.stats().calls['POST /v1/messages/batches'] ?? 0,
    (calls) => calls === count,
  );

/** Until every call a `late` fault answered has taken effect, whatever the client did meanwhile. */
const lateCallsDone = () =>
  until(
    async () => emulator.stats().lateCallsPending,
    (pending) => pending === 0,
  );

/** Every billed request's custom_id, to show that no job was paid for twice. */
async function billedJobIds(): Promise<string[]> {
  const billing = await emulator.billing();
  return billing.requests.map((r) => r.customId.slice(9)).sort();
}

describe('a create whose answer is lost is looked up, never paid twice', () => {
  for (const kind of ['lost', 'status-after'] as const) {
    it(`Anthropic (${kind}): the batch that was created is found and followed; the SDK does not retry the create`, async () => {
      emulator.injectFault({ route: 'POST /v1/messages/batches', kind, status: 503, times: 1 });
      // The SDK's own retries stay on for reads; a create must still go out once.
      const run = await jobs('claude-haiku-4-5', { anthropic: { maxRetries: 3 } }).run({ wait: true });
      expect(everySucceeded(run.results())).toBe(true);
      const { batchesCreated, calls } = emulator.stats();
      expect(batchesCreated.anthropic).toBe(1);
      expect(calls['POST /v1/messages/batches']).toBe(1);
      expect(calls['GET /v1/messages/batches']).toBeGreaterThanOrEqual(1);
      expect(await billedJobIds()).toEqual(['j0', 'j1']);
    });

    it(`OpenAI (${kind}): the batch is found by its metadata, and its input file is not deleted from under it`, async () => {
      emulator.injectFault({ route: 'POST /v1/batches', kind, status: 502, times: 1 });
      const run = await jobs('gpt-4o-mini', { openai: { maxRetries: 3 } }).run({ wait: true });
      expect(everySucceeded(run.results())).toBe(true);
      const { batchesCreated, calls } = emulator.stats();
      expect(batchesCreated.openai).toBe(1);
      expect(calls['POST /v1/batches']).toBe(1);
      expect(calls['POST /v1/files']).toBe(1);
      // Deleted once, after its batch had ended and the results were safe.
      expect(calls['DELETE /v1/files/{id}']).toBe(1);
      expect(await billedJobIds()).toEqual(['j0', 'j1']);
    });
  }

  for (const [provider, model, route] of [
    ['Anthropic', 'claude-haiku-4-5', 'POST /v1/messages/batches'],
    ['OpenAI', 'gpt-4o-mini', 'POST /v1/batches'],
  ] as const) {
    it(`${provider}: a create that takes effect after its 504 (a gateway gave up on a working backend) is waited for, not sent again`, async () => {
      // One look finding nothing proved nothing: the create went out again and every job was paid twice.
      emulator.injectFault({ route, kind: 'late', lateMs: 300, times: 1 });
      const run = await jobs(model, { retry: { initialDelayMs: 10, maxDelayMs: 5_000 } }).run({ wait: true });
      expect(everySucceeded(run.results())).toBe(true);
      const { batchesCreated, calls } = emulator.stats();
      expect(batchesCreated[provider === 'Anthropic' ? 'anthropic' : 'openai']).toBe(1);
      expect(calls[route]).toBe(1);
      expect(await billedJobIds()).toEqual(['j0', 'j1']);
    });
  }

  it('a stop while the late create is looked for, then a resume at once: the resume waits out the window, not paying twice', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'late', lateMs: 1_500, times: 1 });
    const options = { stateFile: join(dir, 'state.jsonl'), retry: { initialDelayMs: 10, maxDelayMs: 5_000 } };
    const first = await jobs('claude-haiku-4-5', options).run();
    await anthropicCreatesSeen(1);
    const stopped = await first.shutdown({ waitForActive: false });
    expect(stopped.j0?.error?.code).toBe('shutdown');
    // One empty look on resume took the intent for never sent: the jobs went out again beside the late batch.
    const resumed = await jobs('claude-haiku-4-5', options).run({ wait: true });
    expect(everySucceeded(resumed.results())).toBe(true);
    // The late create has taken effect by now, whatever the resume did.
    await lateCallsDone();
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(await billedJobIds()).toEqual(['j0', 'j1']);
  });

  it('a resume looks for a whole window from its start, also when the create that may land was sent long after the intent', async () => {
    // The first create is refused outright; the window after it passes; the second one lands late.
    emulator.injectFault({ route: 'POST /v1/messages/batches', status: 503, times: 1 });
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'late', lateMs: 1_000, times: 1 });
    const options = { stateFile: join(dir, 'state.jsonl'), retry: { initialDelayMs: 10, maxDelayMs: 2_000 } };
    const first = await jobs('claude-haiku-4-5', options).run();
    await anthropicCreatesSeen(2);
    await first.shutdown({ waitForActive: false });
    // Counted from the intent, the window had passed: one empty look, and the jobs went out again.
    const resumed = await jobs('claude-haiku-4-5', options).run({ wait: true });
    expect(everySucceeded(resumed.results())).toBe(true);
    await lateCallsDone();
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(await billedJobIds()).toEqual(['j0', 'j1']);
  });

  it('without a stateFile, jobs whose create is unknown say to look for it before running them again', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'late', lateMs: 2_000, times: 1 });
    const run = await jobs('claude-haiku-4-5', { retry: { initialDelayMs: 10, maxDelayMs: 5_000 } }).run();
    await anthropicCreatesSeen(1);
    const results = await run.shutdown({ waitForActive: false });
    expect(results.j0?.error?.message).toContain('without a stateFile nothing remembers it');
    expect(results.j0?.error?.message).not.toContain('running the batch again looks for it');
  });

  it('a create that never takes effect is sent again once the look-up window has passed', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'status', status: 504, times: 1 });
    const run = await jobs('claude-haiku-4-5', { retry: { initialDelayMs: 10, maxDelayMs: 100 } }).run({
      wait: true,
    });
    expect(everySucceeded(run.results())).toBe(true);
    expect(emulator.stats().calls['POST /v1/messages/batches']).toBe(2);
    expect(await billedJobIds()).toEqual(['j0', 'j1']);
  });

  it('OpenAI: an upload whose answer was lost is found by its name and used, not uploaded twice', async () => {
    emulator.injectFault({ route: 'POST /v1/files', kind: 'lost', times: 1 });
    const run = await jobs('gpt-4o-mini').run({ wait: true });
    expect(everySucceeded(run.results())).toBe(true);
    expect(emulator.stats().calls['POST /v1/files']).toBe(1);
    const client = new OpenAI({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL });
    const left = [];
    for await (const file of client.files.list({ purpose: 'batch' })) left.push(file.id);
    expect(left).toEqual([]); // the one input file was deleted once its batch ended
  });

  it('a create refused outright (4xx) is simply sent again', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', status: 429, times: 1 });
    const run = await jobs('claude-haiku-4-5').run({ wait: true });
    expect(everySucceeded(run.results())).toBe(true);
    const { batchesCreated, calls } = emulator.stats();
    expect([batchesCreated.anthropic, calls['POST /v1/messages/batches']]).toEqual([1, 2]);
    // Nothing to look up: the refusal said it was not created.
    expect(calls['GET /v1/messages/batches']).toBeUndefined();
  });

  it('a look-up that fails transiently is a read: tried again until the provider answers', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'lost', times: 1 });
    emulator.injectFault({ route: 'GET /v1/messages/batches', status: 503, times: 6 });
    const run = await jobs('claude-haiku-4-5', { anthropic: { maxRetries: 0 }, retry: { attempts: 2 } }).run({
      wait: true,
    });
    expect(everySucceeded(run.results())).toBe(true);
    expect(emulator.stats().calls['GET /v1/messages/batches']).toBeGreaterThan(6);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
  });

  it('when the look-up itself fails, nothing is created again: the jobs end adopt_failed and a resume finds the batch', async () => {
    const stateFile = join(dir, 'state.jsonl');
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'lost', times: 1 });
    emulator.injectFault({ route: 'GET /v1/messages/batches', status: 403, times: 1_000 });
    const first = await jobs('claude-haiku-4-5', { stateFile, retry: { attempts: 2 } }).run({ wait: true });
    for (const result of Object.values(first.results())) expect(result.error?.code).toBe('adopt_failed');
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);

    emulator.clearFaults();
    const resumed = await jobs('claude-haiku-4-5', { stateFile }).run({ wait: true });
    expect(everySucceeded(resumed.results())).toBe(true);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(await billedJobIds()).toEqual(['j0', 'j1']);
  });
});

describe('adopting after a crash between create and record (Anthropic)', () => {
  it('follows every candidate at once, confirms its own by custom_id, and never cancels one it has not confirmed', async () => {
    const stateFile = join(dir, 'state.jsonl');
    // The create happens but its answer is lost, and the look-up fails too: the state holds an intent without a
    // batch id, exactly as a crash between create and record leaves it.
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'lost', times: 1 });
    emulator.injectFault({ route: 'GET /v1/messages/batches', status: 403, times: 1_000 });
    await jobs('claude-haiku-4-5', { stateFile, retry: { attempts: 1 } }).run({ wait: true });
    emulator.clearFaults();

    // Someone else's batch with as many requests, created after our intent and still running for a minute.
    emulator.configure({ processingMs: 60_000 });
    const other = await new Anthropic({
      apiKey: 'test-key',
      baseURL: emulator.anthropicBaseURL,
    }).messages.batches.create({
      requests: [0, 1].map((i) => ({
        custom_id: `other_${i}`,
        params: { model: 'claude-haiku-4-5', max_tokens: 10, messages: [{ role: 'user', content: 'x' }] },
      })),
    });
    emulator.configure({ processingMs: 80 });

    // A time limit that fires while the foreign candidate is still running.
    const resumed = await jobs('claude-haiku-4-5', { stateFile })
      .addTimeLimit({ seconds: 2, graceSeconds: 1 })
      .run({ wait: true });
    expect(everySucceeded(resumed.results())).toBe(true);
    const { batchesCreated, calls } = emulator.stats();
    expect(batchesCreated.anthropic).toBe(2); // ours once, and the other one
    expect(calls['POST /v1/messages/batches/{id}/cancel']).toBeUndefined();
    const client = new Anthropic({ apiKey: 'test-key', baseURL: emulator.anthropicBaseURL });
    expect((await client.messages.batches.retrieve(other.id)).processing_status).toBe('in_progress');
  });

  it('a time limit while only unconfirmed candidates are known ends the run in time, cancels nothing, and leaves the intent for a resume', async () => {
    const stateFile = join(dir, 'state.jsonl');
    emulator.configure({ processingMs: 60_000 });
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'lost', times: 1 });
    emulator.injectFault({ route: 'GET /v1/messages/batches', status: 403, times: 1_000 });
    await jobs('claude-haiku-4-5', { stateFile, retry: { attempts: 1 } }).run({ wait: true });
    emulator.clearFaults();

    const stopped = await jobs('claude-haiku-4-5', { stateFile })
      .addTimeLimit({ seconds: 0.5, graceSeconds: 0.5 })
      .run({ wait: true });
    for (const result of Object.values(stopped.results())) expect(result.error?.code).toBe('time_limit');
    expect(emulator.stats().calls['POST /v1/messages/batches/{id}/cancel']).toBeUndefined();
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
  });
});

describe('a request fetch will not send is not a lost answer', () => {
  it('a baseURL on a port fetch blocks fails submit_failed, saying so, instead of looking for a batch forever', async () => {
    // Port 1 is on the fetch standard's list of blocked ports: nothing ever reaches a server.
    const batch = batchFor(emulator, {
      anthropic: { baseURL: 'http://127.0.0.1:1', maxRetries: 0 },
      openai: { baseURL: 'http://127.0.0.1:1/v1', maxRetries: 0 },
    })
      .addJob({ id: 'claude', model: 'claude-haiku-4-5', messages: userMessage('hi') })
      .addJob({ id: 'gpt', model: 'gpt-4o-mini', messages: userMessage('hi') });
    const results = await (await batch.run()).wait();
    for (const id of ['claude', 'gpt']) {
      expect(results[id]).toMatchObject({
        status: 'failed',
        error: { code: 'submit_failed', message: expect.stringContaining('fetch refuses this port') },
      });
    }
    expect(emulator.stats().calls).toEqual({});
  });
});
