import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { StateJournal } from '../../src/store/state-journal.js';
import type { HeaderRecord } from '../../src/store/state-records.js';

const header = (jobs: number): HeaderRecord => ({
  type: 'header',
  version: 1,
  stateId: 'st0123456789',
  createdAt: '2026-11-22T00:00:00.000Z',
  jobDigests: Object.fromEntries(
    Array.from({ length: jobs }, (_, i) => [`job-${String(i).padStart(6, '0')}`, 'abcdef0123456789']),
  ),
});

async function fresh(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'batchwise-journal-')), 'state.jsonl');
}

/** Writes what a run of `jobs` jobs in batches of `perBatch` writes to its state file, and returns the bytes. */
async function simulate(jobs: number, perBatch: number): Promise<number> {
  const journal = await StateJournal.create(await fresh(), header(jobs));
  for (let start = 0, n = 0; start < jobs; start += perBatch, n++) {
    const ids = Array.from(
      { length: Math.min(perBatch, jobs - start) },
      (_, i) => `job-${String(start + i).padStart(6, '0')}`,
    );
    const submissionId = `s${String(n).padStart(7, '0')}`;
    await journal.append({
      type: 'intent',
      submissionId,
      provider: 'anthropic',
      model: 'claude-haiku-4-5',
      jobIds: ids,
      reservationsUsd: ids.map(() => 0.00123),
      attempts: ids.map(() => 1),
      resubmits: ids.map(() => 0),
      intentAt: 1_790_000_000_000,
    });
    await journal.append({ type: 'submitted', submissionId, providerBatchId: `msgbatch_${n}` });
    await journal.append({ type: 'ended', submissionId });
  }
  await journal.close();
  return journal.bytesWritten;
}

describe('the state journal', () => {
  it('writes bytes that grow linearly with the number of jobs (measured for 10,000 and 100,000)', async () => {
    const small = await simulate(10_000, 1_000);
    const large = await simulate(100_000, 1_000);
    console.log(
      `state file bytes written: 10,000 jobs -> ${small} (${(small / 10_000).toFixed(1)} per job); ` +
        `100,000 jobs -> ${large} (${(large / 100_000).toFixed(1)} per job); ratio ${(large / small).toFixed(2)}`,
    );
    // Linear: ten times the jobs, about ten times the bytes (quadratic would be a hundred).
    expect(large / small).toBeGreaterThan(9);
    expect(large / small).toBeLessThan(11);
  }, 60_000);

  it('reads back what it wrote, dropping a torn last line a crash left', async () => {
    const path = await fresh();
    const journal = await StateJournal.create(path, header(2));
    await journal.append({
      type: 'intent',
      submissionId: 'abc',
      provider: 'openai',
      model: 'gpt-4o-mini',
      jobIds: ['job-000000'],
      reservationsUsd: [0.1],
      attempts: [1],
      resubmits: [0],
      intentAt: 1,
    });
    await journal.close();
    await writeFile(path, `${await readFile(path, 'utf8')}{"type":"submitted","submissionId":"ab`);
    const state = await StateJournal.read(path);
    expect(state!.submissions.get('abc')).toMatchObject({ providerBatchId: null, ended: false });
  });

  it('refuses a corrupt file and one of another version, leaving it untouched', async () => {
    const path = await fresh();
    const corrupt = `${JSON.stringify(header(1))}\nnot json\n{"type":"ended","submissionId":"x"}\n`;
    await writeFile(path, corrupt);
    await expect(StateJournal.read(path)).rejects.toMatchObject({
      code: 'state_corrupt',
      message: expect.stringContaining('line 2'),
    });
    expect(await readFile(path, 'utf8')).toBe(corrupt);
    await writeFile(path, `${JSON.stringify({ ...header(1), version: 99 })}\n`);
    await expect(StateJournal.read(path)).rejects.toMatchObject({
      code: 'state_version',
      message: expect.stringContaining('version 99'),
    });
    await writeFile(path, '{"type":"intent"}\n');
    await expect(StateJournal.read(path)).rejects.toMatchObject({ code: 'state_corrupt' });
  });

  it('compacts on resume: ended submissions leave no records', async () => {
    const path = await fresh();
    const journal = await StateJournal.create(path, header(2));
    for (const id of ['done', 'live']) {
      await journal.append({
        type: 'intent',
        submissionId: id,
        provider: 'anthropic',
        model: 'claude-haiku-4-5',
        jobIds: [id],
        reservationsUsd: [null],
        attempts: [1],
        resubmits: [0],
        intentAt: 1,
      });
      await journal.append({ type: 'submitted', submissionId: id, providerBatchId: `b-${id}` });
    }
    await journal.append({ type: 'ended', submissionId: 'done' });
    await journal.close();
    const resumed = await StateJournal.resume(path, (await StateJournal.read(path))!);
    await resumed.close();
    const lines = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line).type);
    expect(lines).toEqual(['header', 'intent', 'submitted']);
    expect((await StateJournal.read(path))!.submissions.get('live')!.providerBatchId).toBe('b-live');
  });
});
