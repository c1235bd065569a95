import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  type JournalSink,
  type NewHeader,
  removeUnfinishedCreates,
  StateJournal,
} from '../../src/store/state-journal.js';
import type { HeaderRecord, IntentRecord, StateRecord } from '../../src/store/state-records.js';

/** A header as it is read back from a state file, with `jobs` digests. */
const headerRecord = (jobs: number): HeaderRecord => ({
  type: 'header',
  version: 1,
  stateId: 'st0123456789',
  createdAt: '2026-11-22T00:00:00.000Z',
  resultsDir: '/tmp/results',
  jobDigests: Object.fromEntries(
    Array.from({ length: jobs }, (_, i) => [`job-${String(i).padStart(6, '0')}`, 'abcdef0123456789']),
  ),
});

/** The same header as a run creates it: its digests as JSON text. */
const header = (jobs: number): NewHeader => {
  const record = headerRecord(jobs);
  return { ...record, jobDigests: Buffer.from(JSON.stringify(record.jobDigests)) };
};

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
    const corrupt = `${JSON.stringify(headerRecord(1))}\nnot json\n{"type":"ended","submissionId":"x"}\n`;
    await writeFile(path, corrupt);
    await expect(StateJournal.read(path)).rejects.toMatchObject({
      code: 'state_corrupt',
      message: expect.stringContaining('line 2'),
    });
    expect(await readFile(path, 'utf8')).toBe(corrupt);
    await writeFile(path, `${JSON.stringify({ ...headerRecord(1), version: 99 })}\n`);
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

describe('StateJournal.create', () => {
  it('writes the header with its digests as given, and reads them back as the object they are', async () => {
    const path = await fresh();
    const record = { ...headerRecord(3), expiredResumable: true as const };
    // A job may be called `__proto__`: an own key like any other.
    Object.defineProperty(record.jobDigests, '__proto__', { value: 'fedcba9876543210', enumerable: true });
    const digests = Buffer.from(JSON.stringify(record.jobDigests));
    const journal = await StateJournal.create(path, { ...record, jobDigests: digests });
    await journal.close();
    const text = await readFile(path, 'utf8');
    expect(text.startsWith('{"type":"header",')).toBe(true);
    expect(text.endsWith('}\n')).toBe(true);
    const read = (await StateJournal.read(path))!.header;
    expect(read).toEqual(record);
    expect(Object.keys(read.jobDigests)).toEqual([...Object.keys(headerRecord(3).jobDigests), '__proto__']);
  });

  const line = `${JSON.stringify(headerRecord(1))}\n`;
  /** What a kill while the header was written in place (batchwise before this file's header came whole) left. */
  const unfinished = ['', line.slice(0, 10), line.slice(0, 40), line.slice(0, -1)];

  it('never replaces a state file: the second of two creates fails, and the first file is left as it was', async () => {
    const path = await fresh();
    const first = await StateJournal.create(path, header(1));
    await first.append(small('a'));
    await expect(StateJournal.create(path, { ...header(1), stateId: 'st-other' })).rejects.toMatchObject({
      code: 'EEXIST',
    });
    await first.close();
    expect((await StateJournal.read(path))!.header.stateId).toBe('st0123456789');
    expect([...(await StateJournal.read(path))!.submissions.keys()]).toEqual(['a']);
    expect(await readdir(dirname(path))).toEqual(['state.jsonl']);
  });

  it('a header that cannot be written leaves no state file behind (it used to leave an empty one)', async () => {
    const path = await fresh();
    await expect(
      StateJournal.create(path, header(1), { sink: failingSink(new Set([1])) }),
    ).rejects.toMatchObject({ code: 'state_write_failed' });
    expect(await readdir(dirname(path))).toEqual([]);
    expect(await StateJournal.read(path)).toBeUndefined();
  });

  it('a file holding no complete record is no state, and a create replaces it', async () => {
    for (const content of unfinished) {
      const path = await fresh();
      await writeFile(path, content);
      expect(await StateJournal.read(path), JSON.stringify(content)).toBeUndefined();
      const journal = await StateJournal.create(path, header(1));
      expect(journal.replaced).toBe(true);
      await journal.append(small('a'));
      await journal.close();
      expect([...(await StateJournal.read(path))!.submissions.keys()]).toEqual(['a']);
      expect(await readdir(dirname(path))).toEqual(['state.jsonl']);
    }
  });

  it('a file with a whole record, or one that does not begin like a header, is not replaced', async () => {
    for (const content of [line, `${line}{"type":"ended"`, 'garbage', '{"type":"intent"', '\n']) {
      const path = await fresh();
      await writeFile(path, content);
      await expect(StateJournal.create(path, header(1))).rejects.toMatchObject({ code: 'EEXIST' });
      expect(await readFile(path, 'utf8')).toBe(content);
      expect(await readdir(dirname(path))).toEqual(['state.jsonl']);
    }
  });

  it('a symlink to an unfinished file is refused as corrupt, not replaced (the lock sits beside its target)', async () => {
    const path = await fresh();
    const target = join(dirname(path), 'target.jsonl');
    await writeFile(target, '');
    await symlink(target, path);
    await expect(StateJournal.read(path)).rejects.toMatchObject({ code: 'state_corrupt' });
    await expect(StateJournal.create(path, header(1))).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(target, 'utf8')).toBe('');
  });

  it('removeUnfinishedCreates removes only the temporary files of creates of this state file', async () => {
    const path = await fresh();
    const journal = await StateJournal.create(path, header(1));
    await journal.close();
    const dir = dirname(path);
    const ours = ['state.jsonl.4242-0a1b2c3d.tmp', 'state.jsonl.7-ffffffff.tmp'];
    const others = [
      'state.jsonl.lock',
      'state.jsonl.lock.4242-0a1b2c3d.tmp',
      'state.jsonl.bak',
      'state.jsonl.1.tmp',
      'state.jsonl.4242-0a1b2c3.tmp',
      'other.jsonl.4242-0a1b2c3d.tmp',
    ];
    for (const name of [...ours, ...others]) await writeFile(join(dir, name), line.slice(0, 20));
    await removeUnfinishedCreates(path);
    expect((await readdir(dir)).sort()).toEqual([...others, 'state.jsonl'].sort());
    expect((await StateJournal.read(path))!.header.stateId).toBe('st0123456789');
  });
});

/** An intent of `count` jobs whose ids carry `tag`: about 1 MiB for 30,000 jobs, more than Node writes in one go. */
function bigIntent(tag: string, count = 30_000): IntentRecord {
  const ids = Array.from({ length: count }, (_, i) => `job-${tag}-${String(i).padStart(6, '0')}-xxxxxxxx`);
  return {
    type: 'intent',
    submissionId: `s-${tag}`,
    provider: 'openai',
    model: 'gpt-4o-mini',
    jobIds: ids,
    reservationsUsd: ids.map((_, i) => i / 1_000_003),
    attempts: ids.map(() => 1),
    resubmits: ids.map(() => 0),
    intentAt: 1_790_000_000_000,
  };
}

describe('one writer for the journal', () => {
  it('keeps 8 concurrent appends of ~1 MiB records whole and readable', async () => {
    const path = await fresh();
    const journal = await StateJournal.create(path, header(1));
    const records = Array.from({ length: 8 }, (_, i) => bigIntent(`r${i}`));
    expect(Buffer.byteLength(JSON.stringify(records[0]))).toBeGreaterThan(1_000_000);
    await Promise.all(records.map((record) => journal.append(record)));
    await journal.close();
    const state = await StateJournal.read(path);
    expect(state!.submissions.size).toBe(8);
    for (const record of records) expect(state!.submissions.get(record.submissionId)!.intent).toEqual(record);
  }, 60_000);
});

/** The real file, except that the writes `failing` names (counted from 1, the header's) write half and throw. */
function failingSink(failing: Set<number>, truncate?: () => Promise<void>) {
  return (file: JournalSink): JournalSink => {
    let writes = 0;
    return {
      ...file,
      async write(data, position) {
        if (!failing.has(++writes)) return file.write(data, position);
        await file.write(data.subarray(0, Math.floor(data.length / 2)), position);
        throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
      },
      truncate: truncate ?? file.truncate,
    };
  };
}

const small = (id: string): StateRecord => ({
  type: 'intent',
  submissionId: id,
  provider: 'anthropic',
  model: 'claude-haiku-4-5',
  jobIds: [`job-${id}`],
  reservationsUsd: [null],
  attempts: [1],
  resubmits: [0],
  intentAt: 1,
});

describe('a failed write', () => {
  it('is cut back off the file: later appends work, and the file holds exactly the acknowledged records', async () => {
    const path = await fresh();
    const journal = await StateJournal.create(path, header(1), { sink: failingSink(new Set([3])) });
    await journal.append(small('a'));
    const failed = journal.append(bigIntent('torn', 3_000));
    await expect(failed).rejects.toMatchObject({
      code: 'state_write_failed',
      message: expect.stringMatching(/state\.jsonl failed \(ENOSPC.*not recorded.*picked up again on resume/),
    });
    await journal.append(small('b'));
    await journal.append({ type: 'uploaded', submissionId: 'b', inputFileId: 'file-b' });
    await journal.close();
    expect([...journal.state.submissions.keys()]).toEqual(['a', 'b']);
    const state = await StateJournal.read(path);
    expect([...state!.submissions.keys()]).toEqual(['a', 'b']);
    expect(state!.submissions.get('b')!.inputFileId).toBe('file-b');
    const lines = (await readFile(path, 'utf8')).split('\n');
    expect(lines.pop()).toBe('');
    expect(lines.map((line) => JSON.parse(line).type)).toEqual(['header', 'intent', 'intent', 'uploaded']);
  });

  it('rejects the appends grouped with it, and only those; appends queued meanwhile go out in one write', async () => {
    const path = await fresh();
    let started!: () => void;
    let release!: () => void;
    const inFlight = new Promise<void>((r) => (started = r));
    const gate = new Promise<void>((r) => (release = r));
    const writes: number[] = [];
    const journal = await StateJournal.create(path, header(1), {
      sink: (file) => {
        const failing = failingSink(new Set([3]))(file);
        return {
          ...failing,
          async write(data, position) {
            writes.push(data.toString().split('\n').length - 1);
            if (writes.length === 3) {
              started();
              await gate;
            }
            return failing.write(data, position);
          },
        };
      },
    });
    await journal.append(small('a')); // write 2
    const grouped = Promise.allSettled([journal.append(small('b')), journal.append(small('c'))]); // write 3
    await inFlight;
    const queued = Promise.allSettled([journal.append(small('d')), journal.append(small('e'))]); // write 4
    release();
    expect((await grouped).map((o) => o.status)).toEqual(['rejected', 'rejected']);
    expect((await queued).map((o) => o.status)).toEqual(['fulfilled', 'fulfilled']);
    await journal.close();
    expect(writes).toEqual([1, 1, 2, 2]);
    expect([...(await StateJournal.read(path))!.submissions.keys()]).toEqual(['a', 'd', 'e']);
  });

  it('when it cannot be cut back off either, breaks the journal: every later append is refused', async () => {
    const path = await fresh();
    const journal = await StateJournal.create(path, header(1), {
      sink: failingSink(new Set([3]), () => Promise.reject(new Error('EIO: i/o error, ftruncate'))),
    });
    await journal.append(small('a'));
    const torn = { message: expect.stringMatching(/EIO.*tail may be torn.*next open drops/) };
    await expect(journal.append(small('b'))).rejects.toMatchObject({ code: 'state_write_failed', ...torn });
    await expect(journal.append(small('c'))).rejects.toMatchObject({ code: 'state_write_failed', ...torn });
    await journal.close();
    expect([...journal.state.submissions.keys()]).toEqual(['a']);
    const text = await readFile(path, 'utf8');
    expect(text.endsWith('\n')).toBe(false); // the torn half line is still there, last
    expect([...(await StateJournal.read(path))!.submissions.keys()]).toEqual(['a']);
  });
});

describe('the uploaded record', () => {
  it('is applied to the submission and kept by compaction while the submission is open', async () => {
    const path = await fresh();
    const journal = await StateJournal.create(path, header(2));
    for (const id of ['open', 'done']) {
      await journal.append(small(id));
      await journal.append({ type: 'uploaded', submissionId: id, inputFileId: `file-${id}` });
    }
    await journal.append({ type: 'ended', submissionId: 'done' });
    expect(journal.state.submissions.get('open')!.inputFileId).toBe('file-open');
    await journal.close();
    const resumed = await StateJournal.resume(path, (await StateJournal.read(path))!);
    await resumed.close();
    const records = (await readFile(path, 'utf8'))
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(records.map((r) => r.type)).toEqual(['header', 'intent', 'uploaded']);
    expect(records[2]).toEqual({ type: 'uploaded', submissionId: 'open', inputFileId: 'file-open' });
    expect((await StateJournal.read(path))!.submissions.get('open')).toMatchObject({
      inputFileId: 'file-open',
      providerBatchId: null,
    });
  });
});
