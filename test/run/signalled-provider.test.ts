import { getEventListeners } from 'node:events';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { openaiProvider } from '../../src/providers/openai/openai-provider.js';
import { withSignal } from '../../src/run/machine/signalled-provider.js';

let emulator: Emulator;
beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 60_000 });
});
afterEach(() => emulator.close());

async function aBatch(): Promise<string> {
  const client = new OpenAI({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL });
  const line = {
    custom_id: 'x',
    method: 'POST',
    url: '/v1/chat/completions',
    body: { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] },
  };
  const file = await client.files.create({
    file: new File([`${JSON.stringify(line)}\n`], 'in.jsonl'),
    purpose: 'batch',
  });
  const batch = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  return batch.id;
}

describe('withSignal', () => {
  it("leaves no listener on the run's signal however many calls the SDK makes with it", async () => {
    const id = await aBatch();
    const run = new AbortController();
    const provider = withSignal(
      openaiProvider({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL }),
      run.signal,
    );
    for (let i = 0; i < 30; i++) await provider.poll({ provider: 'openai', id });
    expect(getEventListeners(run.signal, 'abort')).toHaveLength(0);
  });

  it("aborts a call in flight when the run's signal fires", async () => {
    const id = await aBatch();
    const run = new AbortController();
    const provider = withSignal(
      openaiProvider({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL }),
      run.signal,
    );
    // Hold the poll at the emulator (a 503 retried by the SDK after a long retry-after) and abort meanwhile.
    emulator.injectFault({ route: 'GET /v1/batches/{id}', status: 503, retryAfterSeconds: 30, times: 1 });
    const poll = provider.poll({ provider: 'openai', id });
    run.abort(new Error('grace period over'));
    await expect(poll).rejects.toMatchObject({ code: 'connection_error' });
  });

  it('the OpenAI provider still sends a read again after a 429 or 5xx, `maxRetries` times', async () => {
    const id = await aBatch();
    const route = 'GET /v1/batches/{id}';
    const provider = (maxRetries?: number) =>
      openaiProvider({ apiKey: 'test-key', baseURL: emulator.openaiBaseURL, maxRetries });
    emulator.injectFault({ route, status: 429, times: 1 });
    emulator.injectFault({ route, status: 503, times: 1 });
    await expect(provider().poll({ provider: 'openai', id })).resolves.toMatchObject({ phase: 'active' });
    expect(emulator.stats().calls[route]).toBe(3);

    emulator.injectFault({ route, status: 503, times: 1 });
    await expect(provider(0).poll({ provider: 'openai', id })).rejects.toMatchObject({ code: 'http_503' });
    expect(emulator.stats().calls[route]).toBe(4);
  });
});
