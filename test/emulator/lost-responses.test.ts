import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { chatBody, clientsFor, jsonlLine, until, uploadJsonl } from '../helpers/clients.js';

let emulator: Emulator;
let openai: OpenAI;
let anthropic: Anthropic;

beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 150 });
  // No SDK retries: a lost answer must surface, as it does for a client that never retries a create blindly.
  openai = new OpenAI({ apiKey: 'test', baseURL: emulator.openaiBaseURL, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: 'test', baseURL: emulator.anthropicBaseURL, maxRetries: 0 });
});
afterEach(() => emulator.close());

const request = (id: string) => ({
  custom_id: id,
  params: {
    model: 'claude-haiku-4-5',
    max_tokens: 50,
    messages: [{ role: 'user' as const, content: `q ${id}` }],
  },
});

async function createOpenAIBatch(inputFileId: string) {
  return openai.batches.create({
    input_file_id: inputFileId,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
}

describe("kind: 'lost' - processed, then the socket dropped without an answer", () => {
  it('.batches.create(): the client gets a connection error, yet the batch exists', async () => {
    const file = await uploadJsonl(openai, [jsonlLine('a', chatBody('hi'))]);
    emulator.injectFault({ route: 'POST /v1/batches', kind: 'lost' });
    const error = await createOpenAIBatch(file.id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.APIConnectionError);

    const listed = await openai.batches.list();
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]).toMatchObject({ input_file_id: file.id });
    expect(emulator.stats().batchesCreated.openai).toBe(1);
    expect(emulator.stats().createdBatchIds.openai).toEqual([listed.data[0]!.id]);
    // The rule was used up by that one call: the next create is answered.
    await expect(createOpenAIBatch(file.id)).resolves.toMatchObject({ status: 'validating' });
    expect(emulator.stats().batchesCreated.openai).toBe(2);
  });

  it('.messages.batches.create(): the client gets a connection error, yet the batch exists', async () => {
    // An hour's processing: the batch is still processing when it is listed, however loaded the machine.
    emulator.configure({ processingMs: 3_600_000 });
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'lost' });
    const error = await anthropic.messages.batches
      .create({ requests: [request('a'), request('b')] })
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Anthropic.APIConnectionError);

    const listed = await anthropic.messages.batches.list();
    expect(listed.data).toHaveLength(1);
    expect(listed.data[0]!.request_counts.processing).toBe(2);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
    expect(emulator.stats().calls['POST /v1/messages/batches']).toBe(1);
  });

  it('.messages.batches.cancel(): the cancel takes effect though its answer is lost', async () => {
    emulator.configure({ processingMs: 60_000, cancelMs: 50 });
    const batch = await anthropic.messages.batches.create({ requests: [request('a')] });
    emulator.injectFault({ route: 'POST /v1/messages/batches/{id}/cancel', kind: 'lost' });
    await expect(anthropic.messages.batches.cancel(batch.id)).rejects.toBeInstanceOf(
      Anthropic.APIConnectionError,
    );
    const after = await anthropic.messages.batches.retrieve(batch.id);
    expect(after.cancel_initiated_at).not.toBeNull();
    const ended = await until(
      () => anthropic.messages.batches.retrieve(batch.id),
      (b) => b.processing_status === 'ended',
    );
    expect(ended.request_counts.canceled).toBe(1);
  });
});

describe("kind: 'status-after' - processed, then an error status instead of the answer", () => {
  it('POST /v1/files with 503: the upload fails in the client, yet the file is listed', async () => {
    emulator.injectFault({ route: 'POST /v1/files', kind: 'status-after', status: 503 });
    const error = await uploadJsonl(openai, [jsonlLine('a', chatBody('hi'))], 'run-1.jsonl').catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 503, error: { type: 'server_error' } });

    const listed = [];
    for await (const file of openai.files.list({ purpose: 'batch' })) listed.push(file);
    expect(listed.map((f) => f.filename)).toEqual(['run-1.jsonl']);
    expect(emulator.stats().uploads.total).toBe(1);
  });

  it("is why a blind retry pays twice: the SDK's own retry of an upload makes a second file", async () => {
    const retrying = clientsFor(emulator).openai;
    emulator.injectFault({ route: 'POST /v1/files', kind: 'status-after', status: 504 });
    const file = await uploadJsonl(retrying, [jsonlLine('a', chatBody('hi'))], 'run-2.jsonl');
    const listed = await retrying.files.list({ purpose: 'batch' });
    expect(listed.data.map((f) => f.filename)).toEqual(['run-2.jsonl', 'run-2.jsonl']);
    expect(listed.data[0]!.id).toBe(file.id);
  });

  it('keeps to its route and fails only `times` calls, each one processed', async () => {
    const file = await uploadJsonl(openai, [jsonlLine('a', chatBody('hi'))]);
    emulator.injectFault({ route: 'POST /v1/batches', kind: 'status-after', status: 502, times: 2 });
    await expect(openai.batches.list()).resolves.toMatchObject({ data: [] });
    await expect(createOpenAIBatch(file.id)).rejects.toMatchObject({ status: 502 });
    await expect(openai.files.retrieve(file.id)).resolves.toMatchObject({ id: file.id });
    await expect(createOpenAIBatch(file.id)).rejects.toMatchObject({ status: 502 });
    const answered = await createOpenAIBatch(file.id);

    const listed = await openai.batches.list();
    expect(listed.data).toHaveLength(3);
    expect(listed.data[0]!.id).toBe(answered.id);
    expect(emulator.stats().batchesCreated.openai).toBe(3);
  });

  it('answers in the Anthropic error shape on Anthropic routes', async () => {
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'status-after', status: 529 });
    await expect(anthropic.messages.batches.create({ requests: [request('a')] })).rejects.toMatchObject({
      status: 529,
      error: { type: 'error', error: { type: 'overloaded_error' } },
    });
    expect((await anthropic.messages.batches.list()).data).toHaveLength(1);
  });

  it('refuses an unknown kind when the rule is added', () => {
    expect(() => emulator.injectFault({ kind: 'drop' as never })).toThrow(/got `drop`/);
  });
});

describe("kind: 'late' - a gateway's 504 at once, the call processed after it", () => {
  it('.messages.batches.create(): no batch when the error arrives, one a moment later', async () => {
    emulator.configure({ processingMs: 3_600_000 });
    // Long enough that the list right after the error cannot race it, however loaded the machine.
    emulator.injectFault({ route: 'POST /v1/messages/batches', kind: 'late', lateMs: 2_000 });
    const error = await anthropic.messages.batches.create({ requests: [request('a')] }).catch((e) => e);
    expect(error).toBeInstanceOf(Anthropic.APIError);
    expect((error as InstanceType<typeof Anthropic.APIError>).status).toBe(504);
    expect((await anthropic.messages.batches.list()).data).toHaveLength(0);
    const listed = await until(
      () => anthropic.messages.batches.list(),
      (page) => page.data.length > 0,
    );
    expect(listed.data).toHaveLength(1);
    expect(emulator.stats().batchesCreated.anthropic).toBe(1);
  });
});
