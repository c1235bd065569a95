import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { startEmulator } from '../../src/emulator/index.js';
import { chatBody, clientsFor, jsonlLine, readLines, until, uploadJsonl } from '../helpers/clients.js';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

it('keeps batches, files and results across a restart on the same data directory', async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'batchwise-emulator-'));
  dirs.push(dataDir);
  const first = await startEmulator({ dataDir, processingMs: 400 });
  const { openai, anthropic } = clientsFor(first);
  const file = await uploadJsonl(openai, [jsonlLine('a', chatBody('persist me'))]);
  const openaiBatch = await openai.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  const anthropicBatch = await anthropic.messages.batches.create({
    requests: [
      {
        custom_id: 'a',
        params: { model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] },
      },
    ],
  });
  await first.close();

  const second = await startEmulator({ dataDir, processingMs: 400 });
  const clients = clientsFor(second);
  const ended = await until(
    () => clients.openai.batches.retrieve(openaiBatch.id),
    (b) => b.status === 'completed',
  );
  const rows = await readLines(await clients.openai.files.content(ended.output_file_id!));
  expect(rows[0]).toMatchObject({ custom_id: 'a' });
  await until(
    () => clients.anthropic.messages.batches.retrieve(anthropicBatch.id),
    (b) => b.processing_status === 'ended',
  );
  const results = [];
  for await (const row of await clients.anthropic.messages.batches.results(anthropicBatch.id))
    results.push(row);
  expect(results).toMatchObject([{ custom_id: 'a', result: { type: 'succeeded' } }]);
  // A restart is not a new batch: nothing was created on the second emulator.
  expect(second.stats().batchesCreated).toEqual({ openai: 0, anthropic: 0 });
  // Yet it bills what it processed for batches it knows from the data directory.
  const billed = (await second.billing()).requests.map((r) => [r.batchId, r.customId]);
  expect(billed).toHaveLength(2);
  expect(billed).toEqual(
    expect.arrayContaining([
      [anthropicBatch.id, 'a'],
      [openaiBatch.id, 'a'],
    ]),
  );
  await second.close();

  const third = await startEmulator({ dataDir });
  const listed = await clientsFor(third).openai.batches.list();
  expect(listed.data.map((b) => [b.id, b.status])).toEqual([[openaiBatch.id, 'completed']]);
  // The bill was kept on disk with the results: nothing is processed, or billed, a second time.
  expect((await third.billing()).total.requests).toBe(2);
  await third.close();
});

it("keeps a running batch's input across a restart when its input file was deleted", async () => {
  const dataDir = await mkdtemp(join(tmpdir(), 'batchwise-emulator-'));
  dirs.push(dataDir);
  const first = await startEmulator({ dataDir, processingMs: 400 });
  const { openai } = clientsFor(first);
  const file = await uploadJsonl(openai, [jsonlLine('a', chatBody('one')), jsonlLine('b', chatBody('two'))]);
  const batch = await openai.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  await openai.files.delete(file.id);
  await first.close();

  const second = await startEmulator({ dataDir, processingMs: 400 });
  const clients = clientsFor(second);
  const ended = await until(
    () => clients.openai.batches.retrieve(batch.id),
    (b) => b.status === 'completed',
  );
  expect(ended.request_counts).toEqual({ total: 2, completed: 2, failed: 0 });
  const rows = await readLines(await clients.openai.files.content(ended.output_file_id!));
  expect(rows.map((row) => row.custom_id).sort()).toEqual(['a', 'b']);
  expect((await second.billing()).requests.map((r) => r.customId).sort()).toEqual(['a', 'b']);
  await second.close();
});
