import OpenAI, { toFile } from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import {
  chatBody,
  clientsFor,
  jsonlLine,
  nextMillisecond,
  readLines,
  until,
  uploadJsonl,
} from '../helpers/clients.js';

let emulator: Emulator;
let openai: OpenAI;

beforeEach(async () => {
  emulator = await startEmulator({ processingMs: 150 });
  openai = clientsFor(emulator).openai;
});
afterEach(() => emulator.close());

const ended = (status: string) => ['completed', 'failed', 'expired', 'cancelled'].includes(status);

async function runBatch(lines: string[], metadata?: Record<string, string>) {
  const file = await uploadJsonl(openai, lines);
  const batch = await openai.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
    ...(metadata && { metadata }),
  });
  const seen = new Set<string>([batch.status]);
  const final = await until(
    async () => {
      const current = await openai.batches.retrieve(batch.id);
      seen.add(current.status);
      return current;
    },
    (b) => ended(b.status),
  );
  return { batch: final, seen, file };
}

describe('OpenAI files', () => {
  it('uploads, retrieves, downloads and deletes a batch input file', async () => {
    const file = await uploadJsonl(openai, [jsonlLine('a', chatBody('hi'))]);
    expect(file).toMatchObject({
      object: 'file',
      purpose: 'batch',
      filename: 'input.jsonl',
      status: 'processed',
    });
    expect(file.id).toMatch(/^file-/);
    expect((await openai.files.retrieve(file.id)).bytes).toBe(file.bytes);
    const content = await (await openai.files.content(file.id)).text();
    expect(JSON.parse(content.trim())).toMatchObject({ custom_id: 'a' });
    expect(await openai.files.delete(file.id)).toEqual({ id: file.id, object: 'file', deleted: true });
    await expect(openai.files.retrieve(file.id)).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('refuses a batch file that is not .jsonl, and one past the byte limit', async () => {
    await expect(uploadJsonl(openai, ['{}'], 'input.csv')).rejects.toMatchObject({
      status: 400,
      error: { message: 'Invalid file format for Batch API. Must be .jsonl', type: 'invalid_request_error' },
    });
    emulator.configure({ limits: { openai: { maxBytes: 100 } } });
    await expect(uploadJsonl(openai, [jsonlLine('a', chatBody('x'.repeat(200)))])).rejects.toMatchObject({
      status: 400,
      code: 'file_too_large',
    });
  });
});

describe('OpenAI files list', () => {
  it('.files.list() pages newest first through the SDK, by purpose, without deleted files', async () => {
    const names = ['a.jsonl', 'Rechnung März (2).jsonl', 'c d.jsonl', 'e.jsonl', 'f.jsonl'];
    const uploaded = [];
    for (const name of names) uploaded.push(await uploadJsonl(openai, [jsonlLine('a', chatBody('x'))], name));
    const other = await openai.files.create({
      file: await toFile(Buffer.from('notes'), 'notes.txt'),
      purpose: 'user_data',
    });
    await openai.files.delete(uploaded[3]!.id);
    const kept = uploaded.filter((_, i) => i !== 3).reverse();

    const first = await openai.get('/files', { query: { purpose: 'batch', limit: 2 } });
    expect(first).toMatchObject({
      object: 'list',
      has_more: true,
      first_id: kept[0]!.id,
      last_id: kept[1]!.id,
    });
    const paged = [];
    for await (const file of openai.files.list({ purpose: 'batch', limit: 2 })) paged.push(file);
    expect(paged.map((f) => f.id)).toEqual(kept.map((f) => f.id));
    expect(paged.map((f) => f.filename)).toEqual(kept.map((f) => f.filename));
    expect(paged.map((f) => f.filename)).toContain('Rechnung März (2).jsonl');
    expect(paged[0]).toMatchObject({ object: 'file', purpose: 'batch', status: 'processed' });
    expect(emulator.stats().calls['GET /v1/files']).toBe(3);

    const ascending = await openai.files.list({ order: 'asc' });
    expect(ascending.data.map((f) => f.id)).toEqual([...kept.map((f) => f.id).reverse(), other.id]);
    expect(ascending.has_more).toBe(false);
    await expect(openai.files.list({ limit: 0 })).rejects.toMatchObject({ status: 400, param: 'limit' });
  });

  it('.files.list() keeps paging while the loop deletes what it has seen', async () => {
    for (let i = 0; i < 5; i++) await uploadJsonl(openai, [jsonlLine('a', chatBody('x'))], `f${i}.jsonl`);
    const deleted: string[] = [];
    for await (const file of openai.files.list({ limit: 2 })) {
      await openai.files.delete(file.id);
      deleted.push(file.filename);
    }
    expect(deleted).toEqual(['f4.jsonl', 'f3.jsonl', 'f2.jsonl', 'f1.jsonl', 'f0.jsonl']);
    expect((await openai.files.list()).data).toEqual([]);
  });
});

describe('OpenAI batches', () => {
  it('goes validating -> in_progress -> finalizing -> completed and writes the output file', async () => {
    emulator.configure({ processingMs: 600 });
    const lines = Array.from({ length: 5 }, (_, i) => jsonlLine(`req-${i}`, chatBody(`question ${i}`)));
    const { batch, seen } = await runBatch(lines, { run: 'r1' });
    // A poll may miss a short phase on a loaded machine, so what it saw must be in order, and the timestamps show
    // that every phase happened.
    const order = ['validating', 'in_progress', 'finalizing', 'completed'];
    expect([...seen]).toEqual(order.filter((status) => seen.has(status)));
    expect(seen.has('validating') && seen.has('completed')).toBe(true);
    expect(batch.in_progress_at).not.toBeNull();
    expect(batch.finalizing_at).not.toBeNull();
    expect(batch.in_progress_at!).toBeGreaterThanOrEqual(batch.created_at);
    expect(batch.finalizing_at!).toBeGreaterThanOrEqual(batch.in_progress_at!);
    expect(batch.completed_at!).toBeGreaterThanOrEqual(batch.finalizing_at!);
    expect(batch).toMatchObject({
      object: 'batch',
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
      model: 'gpt-4o-mini',
      request_counts: { total: 5, completed: 5, failed: 0 },
      metadata: { run: 'r1' },
      error_file_id: null,
      errors: null,
    });
    expect(batch.expires_at! - batch.created_at).toBe(86_400);
    expect(batch.completed_at).not.toBeNull();
    const rows = await readLines(await openai.files.content(batch.output_file_id!));
    expect(rows.map((r) => r.custom_id).sort()).toEqual(['req-0', 'req-1', 'req-2', 'req-3', 'req-4']);
    const row = rows.find((r) => r.custom_id === 'req-3') as {
      response: { status_code: number; body: { choices: { message: { content: string } }[]; usage: object } };
      error: null;
    };
    expect(row.error).toBeNull();
    expect(row.response.status_code).toBe(200);
    expect(row.response.body.choices[0]!.message.content).toBe('Reply to: question 3');
    // Documented token rule: o200k_base. "question 3" is 3 tokens + 3 a message + 1 for the role "user" + 3 priming
    // the reply -> 10; "Reply to: question 3" -> 6.
    expect(row.response.body.usage).toMatchObject({
      prompt_tokens: 10,
      completion_tokens: 6,
      total_tokens: 16,
    });
    expect(batch.usage).toMatchObject({ input_tokens: 50, output_tokens: 30, total_tokens: 80 });
  });

  it('writes failed rows to the error file: API errors as non-200 responses, reasoning-model misuse as 400', async () => {
    emulator.configure({
      respond: ({ customId }) =>
        customId === 'scripted' ? { error: { statusCode: 400, message: 'context too long' } } : undefined,
    });
    const { batch } = await runBatch([
      jsonlLine('ok', chatBody('fine')),
      jsonlLine('scripted', chatBody('too long')),
    ]);
    expect(batch.request_counts).toEqual({ total: 2, completed: 1, failed: 1 });
    const errors = await readLines(await openai.files.content(batch.error_file_id!));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({
      custom_id: 'scripted',
      error: null,
      response: {
        status_code: 400,
        body: { error: { message: 'context too long', type: 'invalid_request_error' } },
      },
    });

    const reasoning = await runBatch([
      jsonlLine('bad-max', { model: 'gpt-5.1', messages: [{ role: 'user', content: 'x' }], max_tokens: 10 }),
      jsonlLine('bad-temp', { model: 'gpt-5.1', messages: [{ role: 'user', content: 'x' }], temperature: 0 }),
      jsonlLine('good', {
        model: 'gpt-5.1',
        messages: [{ role: 'user', content: 'x' }],
        max_completion_tokens: 10,
      }),
    ]);
    const rows = await readLines(await openai.files.content(reasoning.batch.error_file_id!));
    const byId = Object.fromEntries(rows.map((r) => [r.custom_id, r])) as Record<
      string,
      { response: { status_code: number; body: { error: { param: string } } } }
    >;
    expect(byId['bad-max']!.response).toMatchObject({
      status_code: 400,
      body: { error: { param: 'max_tokens' } },
    });
    expect(byId['bad-temp']!.response).toMatchObject({
      status_code: 400,
      body: { error: { param: 'temperature' } },
    });
    expect(byId.good).toBeUndefined();
  });

  it('answers a share of requests with server errors when erroredShare is set', async () => {
    emulator.configure({ erroredShare: 0.5 });
    const lines = Array.from({ length: 40 }, (_, i) => jsonlLine(`r${i}`, chatBody(`q${i}`)));
    const { batch } = await runBatch(lines);
    expect(batch.request_counts!.failed).toBeGreaterThan(5);
    expect(batch.request_counts!.completed).toBeGreaterThan(5);
    const errors = await readLines(await openai.files.content(batch.error_file_id!));
    expect(errors.every((r) => (r.response as { status_code: number }).status_code === 500)).toBe(true);
  });

  it('writes the output in an order that is not the input order', async () => {
    const ids = Array.from({ length: 20 }, (_, i) => `r${i}`);
    const { batch } = await runBatch(ids.map((id) => jsonlLine(id, chatBody(id))));
    const rows = await readLines(await openai.files.content(batch.output_file_id!));
    expect(rows.map((r) => r.custom_id)).not.toEqual(ids);
    expect(rows.map((r) => r.custom_id).sort()).toEqual([...ids].sort());
  });

  it('fails validation with errors.data naming each bad line', async () => {
    const { batch, seen } = await runBatch([
      jsonlLine('a', chatBody('1')),
      jsonlLine('a', chatBody('2')),
      '{not json',
      jsonlLine('c', chatBody('3', 'gpt-4o')),
    ]);
    expect(seen.has('validating')).toBe(true);
    expect(batch.status).toBe('failed');
    expect(batch.failed_at).not.toBeNull();
    expect(batch.output_file_id).toBeNull();
    expect(batch.errors!.data!.map((e) => [e.code, e.line])).toEqual([
      ['duplicate_custom_id', 2],
      ['invalid_json_line', 3],
      ['model_mismatch', 4],
    ]);
  });

  it('fails a batch with more requests than the limit', async () => {
    emulator.configure({ limits: { openai: { maxRequests: 3 } } });
    const { batch } = await runBatch(Array.from({ length: 4 }, (_, i) => jsonlLine(`r${i}`, chatBody('x'))));
    expect(batch.status).toBe('failed');
    expect(batch.errors!.data![0]!.code).toBe('too_many_tasks');
  });

  it('refuses bad create parameters with 400s', async () => {
    const file = await uploadJsonl(openai, [jsonlLine('a', chatBody('x'))]);
    const create = (body: Record<string, unknown>) =>
      openai.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        ...body,
      } as never);
    await expect(create({ completion_window: '48h' })).rejects.toMatchObject({
      status: 400,
      param: 'completion_window',
    });
    await expect(create({ input_file_id: 'file-nope' })).rejects.toMatchObject({
      status: 400,
      param: 'input_file_id',
    });
    const tooMany = Object.fromEntries(Array.from({ length: 17 }, (_, i) => [`k${i}`, 'v']));
    await expect(create({ metadata: tooMany })).rejects.toMatchObject({ status: 400, param: 'metadata' });
  });

  it('cancels: the response already shows cancelling, then cancelled with partial output', async () => {
    // Cancelled once some requests are done (a condition read from the batch, not a sleep), well before the end.
    emulator.configure({ processingMs: 20_000, cancelMs: 100 });
    const lines = Array.from({ length: 10 }, (_, i) => jsonlLine(`r${i}`, chatBody(`q${i}`)));
    const file = await uploadJsonl(openai, lines);
    const batch = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await until(
      () => openai.batches.retrieve(batch.id),
      (b) => (b.request_counts?.completed ?? 0) > 0,
    );
    const cancelling = await openai.batches.cancel(batch.id);
    expect(cancelling.status).toBe('cancelling');
    expect(cancelling.cancelling_at).not.toBeNull();
    const cancelled = await until(
      () => openai.batches.retrieve(batch.id),
      (b) => b.status === 'cancelled',
    );
    const done = cancelled.request_counts!.completed;
    expect(done).toBeGreaterThan(0);
    expect(done).toBeLessThan(10);
    const errors = await readLines(await openai.files.content(cancelled.error_file_id!));
    expect(errors).toHaveLength(10 - done);
    expect(errors[0]).toMatchObject({ response: null, error: { code: 'batch_cancelled' } });
    await expect(openai.batches.cancel(batch.id)).rejects.toMatchObject({ status: 400 });
  });

  it('expires with part of the requests done: the rest in the error file as batch_expired', async () => {
    emulator.configure({ expire: { completedShare: 0.3 } });
    const lines = Array.from({ length: 10 }, (_, i) => jsonlLine(`r${i}`, chatBody(`q${i}`)));
    const { batch } = await runBatch(lines);
    expect(batch.status).toBe('expired');
    expect(batch.expired_at).not.toBeNull();
    expect(batch.request_counts).toEqual({ total: 10, completed: 3, failed: 7 });
    const output = await readLines(await openai.files.content(batch.output_file_id!));
    const errors = await readLines(await openai.files.content(batch.error_file_id!));
    expect(output).toHaveLength(3);
    expect(errors.every((r) => (r.error as { code: string }).code === 'batch_expired')).toBe(true);
  });

  it('answers and bills every request of a batch whose input file was deleted while it ran', async () => {
    const file = await uploadJsonl(openai, [
      jsonlLine('a', chatBody('one')),
      jsonlLine('b', chatBody('two')),
    ]);
    const batch = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    await openai.files.delete(file.id);
    const done = await until(
      () => openai.batches.retrieve(batch.id),
      (b) => ended(b.status),
    );
    expect(done).toMatchObject({
      status: 'completed',
      request_counts: { total: 2, completed: 2, failed: 0 },
    });
    const output = await readLines(await openai.files.content(done.output_file_id!));
    expect(output.map((row) => row.custom_id).sort()).toEqual(['a', 'b']);
    const billed = (await emulator.billing()).requests.filter((r) => r.batchId === batch.id);
    expect(billed.map((r) => r.customId).sort()).toEqual(['a', 'b']);
  });

  it('lists batches newest first with cursor pagination, keeping metadata', async () => {
    const file = await uploadJsonl(openai, [jsonlLine('a', chatBody('x'))]);
    const created: string[] = [];
    for (let i = 0; i < 5; i++) {
      const batch = await openai.batches.create({
        input_file_id: file.id,
        endpoint: '/v1/chat/completions',
        completion_window: '24h',
        metadata: { index: String(i) },
      });
      created.push(batch.id);
      await nextMillisecond();
    }
    const first = await openai.batches.list({ limit: 2 });
    expect(first.data.map((b) => b.id)).toEqual([created[4], created[3]]);
    expect(first.has_more).toBe(true);
    const all: string[] = [];
    for await (const batch of openai.batches.list({ limit: 2 })) all.push(batch.metadata!.index!);
    expect(all).toEqual(['4', '3', '2', '1', '0']);
    expect(emulator.stats().calls['GET /v1/batches']).toBe(4);
  });
});

describe('OpenAI errors and retries', () => {
  it('refuses a missing or wrong key with 401 and never echoes the key', async () => {
    await emulator.close();
    emulator = await startEmulator({ apiKey: 'sk-right-key-123456' });
    const wrong = new OpenAI({
      apiKey: 'sk-wrong-key-987654',
      baseURL: emulator.openaiBaseURL,
      maxRetries: 0,
    });
    const error = await wrong.batches.list().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect(JSON.stringify(error)).not.toContain('sk-wrong-key-987654');
    const response = await fetch(`${emulator.openaiBaseURL}/batches`);
    expect(response.status).toBe(401);
    expect(await response.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });

  it('answers an unknown route and a malformed JSON body in the OpenAI error shape', async () => {
    await expect(openai.get('/nothing-here')).rejects.toMatchObject({
      status: 404,
      error: { message: 'Invalid URL (GET /v1/nothing-here)' },
    });
    const response = await fetch(`${emulator.openaiBaseURL}/batches`, {
      method: 'POST',
      headers: { authorization: 'Bearer k', 'content-type': 'application/json' },
      body: '{"input_file_id": ',
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: null, code: null },
    });
  });

  it("lets the SDK's own retries ride over 429 and 500 on upload, create and poll", async () => {
    emulator.injectFault({ route: 'POST /v1/files', status: 429, times: 1 });
    emulator.injectFault({ route: 'POST /v1/batches', status: 500, times: 2 });
    emulator.injectFault({ route: 'GET /v1/batches/{id}', status: 503, times: 1 });
    const { batch } = await runBatch([jsonlLine('a', chatBody('x'))]);
    expect(batch.status).toBe('completed');
    const { calls, batchesCreated } = emulator.stats();
    expect(calls['POST /v1/files']).toBe(2);
    expect(calls['POST /v1/batches']).toBe(3);
    expect(batchesCreated.openai).toBe(1);
  });

  it('fails after the SDK gives up, and recovers from a reset and a truncated response', async () => {
    emulator.injectFault({ route: 'GET /v1/batches', status: 500, times: 3 });
    await expect(openai.batches.list()).rejects.toBeInstanceOf(OpenAI.InternalServerError);

    emulator.injectFault({ route: 'GET /v1/batches', kind: 'reset' });
    await expect(openai.batches.list()).resolves.toBeDefined();
    expect(emulator.stats().calls['GET /v1/batches']).toBe(5);

    emulator.injectFault({ route: 'GET /v1/batches', kind: 'truncate' });
    await expect(openai.batches.list()).rejects.toThrow();
    await expect(openai.batches.list()).resolves.toBeDefined();
  });
});
