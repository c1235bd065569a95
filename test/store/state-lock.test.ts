import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { StateFileError } from '../../src/store/state-journal.js';
import { acquireStateLock } from '../../src/store/state-lock.js';

const root = resolve(import.meta.dirname, '../..');
const lockModule = join(root, 'src/store/state-lock.ts');

let dir: string;
let stateFile: string;
let lock: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'batchwise-lock-'));
  stateFile = join(dir, 'state.jsonl');
  lock = `${stateFile}.lock`;
});

/** The pid of a process that has exited. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ['-e', '0']);
  await new Promise((r) => child.on('exit', r));
  return child.pid!;
}

/** A lock (or claim) content in the format state-lock.ts writes. */
const content = (pid: number, nonce: string, host = hostname()) =>
  JSON.stringify({ pid, host, since: new Date().toISOString(), nonce });

const lockContent = async () => JSON.parse(await readFile(lock, 'utf8')) as { pid: number; nonce: string };

/** Files next to the state file other than the state file itself: claims, temporaries, the lock. */
const debris = async () => (await readdir(dir)).filter((f) => f !== 'state.jsonl');

describe('acquireStateLock in one process', () => {
  it('lets one run of this process in, refuses a second until the first releases', async () => {
    const release = await acquireStateLock(stateFile);
    const second = acquireStateLock(stateFile);
    await expect(second).rejects.toBeInstanceOf(StateFileError);
    await expect(second).rejects.toMatchObject({
      code: 'state_locked',
      message: expect.stringContaining('another run in this same process'),
    });
    await expect(second).rejects.toMatchObject({ message: expect.stringContaining('shutdown()') });
    expect((await lockContent()).pid).toBe(process.pid);
    await release();
    expect(existsSync(lock)).toBe(false);
    const again = await acquireStateLock(stateFile);
    expect(existsSync(lock)).toBe(true);
    await again();
    expect(await debris()).toEqual([]);
  });

  it('of two acquisitions started at once, exactly one proceeds', async () => {
    const outcomes = await Promise.allSettled([acquireStateLock(stateFile), acquireStateLock(stateFile)]);
    const won = outcomes.filter((o) => o.status === 'fulfilled');
    const lost = outcomes.filter((o) => o.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect((lost[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'state_locked' });
    await (won[0] as PromiseFulfilledResult<() => Promise<void>>).value();
    expect(existsSync(lock)).toBe(false);
  });

  it('one state file reached through a symlinked directory, or a relative path, is still one lock', async () => {
    const linked = join(dirname(stateFile), '..', `linked-${Date.now()}`);
    await symlink(dirname(stateFile), linked);
    const release = await acquireStateLock(stateFile);
    await expect(acquireStateLock(join(linked, basename(stateFile)))).rejects.toMatchObject({
      code: 'state_locked',
    });
    await expect(acquireStateLock(relative(process.cwd(), stateFile))).rejects.toMatchObject({
      code: 'state_locked',
    });
    await release();
  });

  it('a symlink to the state file itself meets the same lock file', async () => {
    await writeFile(stateFile, '');
    const alias = join(dirname(stateFile), `alias-${Date.now()}.jsonl`);
    await symlink(stateFile, alias);
    const release = await acquireStateLock(stateFile);
    await expect(acquireStateLock(alias)).rejects.toMatchObject({ code: 'state_locked' });
    // Another process reaching it through the alias finds the lock beside the real file.
    expect(existsSync(`${stateFile}.lock`)).toBe(true);
    await release();
  });

  it('a second release is harmless and leaves a lock another run took afterwards', async () => {
    const first = await acquireStateLock(stateFile);
    await first();
    const second = await acquireStateLock(stateFile);
    const taken = await readFile(lock, 'utf8');
    await first();
    await Promise.all([first(), first()]);
    expect(await readFile(lock, 'utf8')).toBe(taken);
    // The second run still holds it, for this process too.
    await expect(acquireStateLock(stateFile)).rejects.toMatchObject({ code: 'state_locked' });
    await second();
    expect(existsSync(lock)).toBe(false);
  });

  it('release does not remove a lock file that is no longer its own', async () => {
    const release = await acquireStateLock(stateFile);
    const foreign = content(process.pid, 'ffffffffffffffff');
    await writeFile(lock, foreign);
    await release();
    expect(await readFile(lock, 'utf8')).toBe(foreign);
  });

  it('takes over a leftover lock with this pid that no run of this process holds', async () => {
    await writeFile(lock, content(process.pid, '0123456789abcdef'));
    const release = await acquireStateLock(stateFile);
    expect((await lockContent()).nonce).not.toBe('0123456789abcdef');
    await release();
    expect(await debris()).toEqual([]);
  });
});

describe('acquireStateLock against other processes', () => {
  it('takes over a stale lock left by a dead process', async () => {
    await writeFile(lock, content(await deadPid(), 'aaaaaaaaaaaaaaaa'));
    const release = await acquireStateLock(stateFile);
    expect(await lockContent()).toMatchObject({ pid: process.pid });
    await release();
    expect(await debris()).toEqual([]);
  });

  it('takes over a lock in the older format (no nonce) and a half-written one', async () => {
    await writeFile(lock, JSON.stringify({ pid: await deadPid(), host: hostname(), since: 'then' }));
    await (await acquireStateLock(stateFile))();
    await writeFile(lock, '{"pid":');
    await (await acquireStateLock(stateFile))();
    expect(await debris()).toEqual([]);
  });

  it('refuses a lock of a live process on this host, and one from another host', async () => {
    await writeFile(lock, content(process.ppid, 'bbbbbbbbbbbbbbbb'));
    await expect(acquireStateLock(stateFile)).rejects.toMatchObject({
      code: 'state_locked',
      message: expect.stringContaining(`in use by process ${process.ppid}`),
    });
    await writeFile(lock, content(await deadPid(), 'cccccccccccccccc', 'elsewhere.example'));
    await expect(acquireStateLock(stateFile)).rejects.toMatchObject({
      code: 'state_locked',
      message: expect.stringContaining('on host elsewhere.example'),
    });
    // Refusals leave this process free to try again.
    await writeFile(lock, content(await deadPid(), 'dddddddddddddddd'));
    await (await acquireStateLock(stateFile))();
  });

  it('is not blocked for good by takeover claims whose claimants died', async () => {
    const nonce = '1111111111111111';
    const claim = `${lock}.takeover-${nonce}`;
    await writeFile(lock, content(await deadPid(), nonce));
    // A claimant that died mid-takeover, and one that died clearing it, a level deeper.
    await writeFile(claim, content(await deadPid(), '2222222222222222'));
    await writeFile(`${claim}.takeover-2222222222222222`, content(await deadPid(), '3333333333333333'));
    const release = await acquireStateLock(stateFile);
    expect(await lockContent()).toMatchObject({ pid: process.pid });
    await release();
    expect(await debris()).toEqual([]);
  });

  it('is not blocked by an unreadable claim, nor by a leftover claim with this pid', async () => {
    const nonce = '4444444444444444';
    await writeFile(lock, content(await deadPid(), nonce));
    await writeFile(`${lock}.takeover-${nonce}`, '');
    await (await acquireStateLock(stateFile))();
    await writeFile(lock, content(await deadPid(), nonce));
    await writeFile(`${lock}.takeover-${nonce}`, content(process.pid, '5555555555555555'));
    await (await acquireStateLock(stateFile))();
    expect(await debris()).toEqual([]);
  });
});

/**
 * A child process that, on `go`, tries to take the lock and reports on stdout; if it got it, it holds it until
 * told `release`.
 */
const childScript = `
import { createInterface } from 'node:readline';
const { acquireStateLock } = await import(process.env.LOCK_MODULE);
let release;
const say = (message) => process.stdout.write(JSON.stringify(message) + '\\n');
say({ ready: true });
for await (const line of createInterface({ input: process.stdin })) {
  if (line === 'go') {
    try {
      release = await acquireStateLock(process.env.STATE_FILE);
      say({ acquired: true });
    } catch (error) {
      say({ acquired: false, code: error.code, message: error.message });
    }
  } else if (line === 'release') {
    await release();
    release = undefined;
    say({ released: true });
  }
}
`;

interface Report {
  ready?: boolean;
  acquired?: boolean;
  released?: boolean;
  code?: string;
  message?: string;
}

class Racer {
  private readonly child: ChildProcessWithoutNullStreams;
  private readonly reports: Report[] = [];
  private waiting: ((report: Report) => void) | undefined;
  private stderr = '';

  constructor(file: string) {
    this.child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', childScript], {
      cwd: root,
      env: { ...process.env, LOCK_MODULE: lockModule, STATE_FILE: file },
    });
    this.child.stderr.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
    createInterface({ input: this.child.stdout }).on('line', (line) => {
      const report = JSON.parse(line) as Report;
      const waiting = this.waiting;
      this.waiting = undefined;
      if (waiting) waiting(report);
      else this.reports.push(report);
    });
    this.child.on('exit', (code) => {
      this.waiting?.({ code: `exited ${code}`, message: this.stderr });
    });
  }

  get pid() {
    return this.child.pid!;
  }

  /** The next line the child reports. */
  next(): Promise<Report> {
    const report = this.reports.shift();
    if (report) return Promise.resolve(report);
    return new Promise((r) => {
      this.waiting = r;
    });
  }

  send(line: string) {
    this.child.stdin.write(`${line}\n`);
  }

  async stop() {
    const exited = new Promise((r) => this.child.on('exit', r));
    this.child.stdin.end();
    await exited;
  }
}

describe('acquireStateLock: processes racing to take over one stale lock', () => {
  const racers: Racer[] = [];
  afterAll(async () => {
    await Promise.all(racers.map((racer) => racer.stop()));
  });

  it('exactly one of them gets it, round after round', async () => {
    const ROUNDS = 8;
    const N = 6;
    const dead = await deadPid();
    for (let i = 0; i < N; i++) racers.push(new Racer(stateFile));
    expect(await Promise.all(racers.map((racer) => racer.next()))).toEqual(
      racers.map(() => ({ ready: true })),
    );

    for (let round = 0; round < ROUNDS; round++) {
      // Stale locks of each kind: in this code's format, an older format without nonce, half-written.
      const stale = [
        content(dead, `${round}`.padStart(16, 'e')),
        JSON.stringify({ pid: dead, host: hostname(), since: `round ${round}` }),
        `{"pid":${dead},"ho`,
      ][round % 3]!;
      await writeFile(lock, stale);
      for (const racer of racers) racer.send('go');
      const reports = await Promise.all(racers.map((racer) => racer.next()));
      const winners = racers.filter((_, i) => reports[i]!.acquired);
      expect(winners, JSON.stringify(reports)).toHaveLength(1);
      for (const report of reports.filter((r) => !r.acquired)) {
        expect(report).toMatchObject({ acquired: false, code: 'state_locked' });
        expect(report.message).toContain(`in use by process ${winners[0]!.pid}`);
      }
      expect((await lockContent()).pid).toBe(winners[0]!.pid);
      winners[0]!.send('release');
      expect(await winners[0]!.next()).toEqual({ released: true });
      expect(await debris()).toEqual([]);
    }
  }, 60_000);
});
