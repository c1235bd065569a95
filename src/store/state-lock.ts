import { createHash, randomBytes } from 'node:crypto';
import { realpathSync } from 'node:fs';
import { link, readFile, rm } from 'node:fs/promises';
import { hostname } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { messageOf } from '../errors.js';
import { StateFileError } from './state-journal.js';
import { writeSynced } from './write-synced.js';

/** The content of a lock file, and of a takeover claim file. */
interface LockOwner {
  pid: number;
  host: string;
  since: string;
  /** Random, new for every lock and every claim: names the claim that may replace this file. */
  nonce: string;
}

/** A lock or claim file as read: its owner if the content is one, and the key that names its takeover claim. */
interface Seen {
  owner: LockOwner | undefined;
  key: string;
}

/**
 * The locks of this process, by absolute lock path: set when an acquisition starts, removed when it fails or its
 * lock is released. So at most one run of this process is ever taking or holding a given lock.
 */
const held = new Map<string, { nonce: string; since: string }>();

/** How long to wait for another process that is taking over a stale lock before giving up. */
const TAKEOVER_TIMEOUT_MS = 10_000;
/** Claims on claims exist only when claimants died one after another; more than this means something is wrong. */
const MAX_CLAIM_DEPTH = 6;

const newNonce = () => randomBytes(8).toString('hex');

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

async function readSeen(path: string): Promise<Seen | undefined> {
  let raw: string;
  try {
    raw = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  let owner: LockOwner | undefined;
  try {
    const value = JSON.parse(raw) as Partial<LockOwner> | null;
    // A pid that is not a positive integer would make kill() probe a process group: such content is no lock.
    if (value && Number.isInteger(value.pid) && (value.pid as number) > 0 && typeof value.host === 'string')
      owner = value as LockOwner;
  } catch {
    owner = undefined; // unreadable: not a lock written whole by this code
  }
  // The key goes into a file name, so only a plain hex nonce is used as is. Content without one (half-written,
  // foreign, an older format) is named by a digest of its bytes: the same content, the same claim.
  const key =
    owner && typeof owner.nonce === 'string' && /^[0-9a-f]{8,64}$/.test(owner.nonce)
      ? owner.nonce
      : `h${createHash('sha256').update(raw).digest('hex').slice(0, 16)}`;
  return { owner, key };
}

/**
 * Writes `content` whole under a unique temporary name, then links it to `path`. Link fails if `path` exists, so of
 * processes doing this at once exactly one succeeds, and `path` is never seen empty or half-written. False if it
 * exists.
 */
async function linkWhole(path: string, content: LockOwner): Promise<boolean> {
  const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
  try {
    await writeSynced(temp, JSON.stringify(content), 'wx');
    await link(temp, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new StateFileError(
      'state_write_failed',
      `Could not write the lock ${path} (${messageOf(error)}). Nothing was sent: free some space on the state ` +
        "file's disk (or fix what the error names) and run again.",
      { cause: error },
    );
  } finally {
    await rm(temp, { force: true }).catch(() => {});
  }
}

/** Removes `path` only if it still carries `nonce`: never a file another process or run has put there since. */
async function removeIfOurs(path: string, nonce: string): Promise<void> {
  const seen = await readSeen(path);
  if (seen?.owner?.nonce === nonce) await rm(path, { force: true });
}

/**
 * Whether the process that wrote `owner` is gone, so that its file may be taken away. Our own pid counts as gone:
 * this run is the only one of this process on this lock (see {@link held}) and holds no claim while it looks at
 * one, so a file with our pid is a leftover — a release that failed, or an earlier process with the same pid.
 */
function dead(owner: LockOwner | undefined, host: string): boolean {
  if (!owner) return true;
  return owner.host === host && (owner.pid === process.pid || !alive(owner.pid));
}

/**
 * Tries to create the claim file `claim` exclusively. Returns its release function, or undefined if another live
 * process holds it (or a dead claimant's claim was just cleared): the caller waits a little and starts again.
 *
 * A claim whose claimant died (crashed mid-takeover) is removed under a claim one level deeper,
 * `<claim>.takeover-<its key>`, by the same rule, so an abandoned claim never blocks for good.
 */
async function claim(
  path: string,
  depth: number,
  deadline: number,
  lock: string,
): Promise<(() => Promise<void>) | undefined> {
  if (depth > MAX_CLAIM_DEPTH) {
    throw new StateFileError(
      'state_locked',
      `Could not take over the stale lock ${lock}: too many abandoned takeover claims. Delete ${lock} and the ` +
        `${lock}.takeover-* files next to it, once no process uses the state file.`,
    );
  }
  const mine: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    nonce: newNonce(),
  };
  if (await linkWhole(path, mine)) {
    // A claim left behind is harmless: it names a lock content that is gone, or is cleared by the rule above.
    return () => removeIfOurs(path, mine.nonce).catch(() => undefined);
  }
  const seen = await readSeen(path);
  if (!seen) return undefined; // its claimant just finished
  if (!dead(seen.owner, mine.host)) {
    if (Date.now() > deadline) {
      throw new StateFileError(
        'state_locked',
        `Could not take over the stale lock ${lock}: process ${seen.owner?.pid} on ${seen.owner?.host} has been ` +
          `taking it over since ${seen.owner?.since} (${path}). If that process is gone, delete ${path}.`,
      );
    }
    return undefined;
  }
  const deeper = await claim(`${path}.takeover-${seen.key}`, depth + 1, deadline, lock);
  if (!deeper) return undefined;
  try {
    if ((await readSeen(path))?.key === seen.key) await rm(path, { force: true });
  } finally {
    await deeper();
  }
  return undefined; // cleared: the caller starts again and can now create the claim
}

/**
 * Takes the lock at `path` for `owner`, taking over a stale one; throws `state_locked` if a live process holds it.
 *
 * Why the takeover is atomic. A stale lock is replaced only by the one process that created the claim file
 * `<lock>.takeover-<key>`, where key is the nonce of the content it judged stale (link: exactly one creator). That
 * claimant re-reads the lock and replaces it only if it still carries that key. Between that re-read and its `rm`
 * the lock cannot change: a lock with that key is removed only by the holder of that claim (us; a claim of a live
 * process is never taken away), or by its owner's release (dead, or a leftover of this process that no release
 * will touch again). A process that judged the same content stale a moment later gets the claim only after we
 * removed it, re-reads, finds another key (our lock, or none) and starts again: it then sees us alive and is
 * refused. Every lock has a new nonce, so an old claim never names a new lock.
 */
async function takeLock(stateFile: string, path: string, owner: LockOwner): Promise<void> {
  const deadline = Date.now() + TAKEOVER_TIMEOUT_MS;
  for (;;) {
    if (await linkWhole(path, owner)) return;
    const seen = await readSeen(path);
    if (!seen) continue; // released in between: try again
    const holder = seen.owner;
    if (holder && holder.host !== owner.host) {
      throw new StateFileError(
        'state_locked',
        `State file ${stateFile} is locked by process ${holder.pid} on host ${holder.host}. If that run is dead, delete ${path}.`,
      );
    }
    if (!dead(holder, owner.host)) {
      throw new StateFileError(
        'state_locked',
        `State file ${stateFile} is in use by process ${holder?.pid} (since ${holder?.since}). Two runs on one state ` +
          'would submit the same jobs twice: wait for it to finish, or stop it first.',
      );
    }
    // Stale: its process is gone, or the content is not a lock. Replace it under the claim for that content.
    const release = await claim(`${path}.takeover-${seen.key}`, 0, deadline, path);
    if (!release) {
      if (Date.now() > deadline) throw new StateFileError('state_locked', `Could not take the lock ${path}.`);
      await sleep(5 + Math.random() * 20);
      continue;
    }
    try {
      if ((await readSeen(path))?.key === seen.key) {
        await rm(path, { force: true });
        if (await linkWhole(path, owner)) return;
      }
    } finally {
      await release();
    }
    // Someone replaced it first (or took the free lock in between): start again, which refuses a live owner.
  }
}

/**
 * One key per lock file however its path is spelled: relative or absolute, through a symlinked directory or not.
 * Computed synchronously, so that two runs starting in the same tick see each other.
 */
function realStateFile(stateFile: string): string {
  try {
    return realpathSync(stateFile);
  } catch {
    return stateFile; // not there yet: its directory is resolved by lockKey
  }
}

function lockKey(path: string): string {
  try {
    return join(realpathSync(dirname(resolve(path))), basename(path));
  } catch {
    // The directory does not exist: taking the lock fails (`state_write_failed`, naming the file system's error).
    return resolve(path);
  }
}

/**
 * Takes `<stateFile>.lock` for this run. A lock held by a live process on this host, by another host, or by another
 * run of this same process is refused (`state_locked`); one left by a dead process (a crash, SIGKILL) is taken over,
 * by exactly one process at a time. Returns the release function: idempotent, and it removes the lock only if it is
 * still this run's.
 */
export async function acquireStateLock(stateFile: string): Promise<() => Promise<void>> {
  // The lock sits beside the state file itself, however it is reached (a symlink to the file, or through a
  // symlinked directory), so that every spelling of one state file meets the same lock, in this process or another.
  const path = `${realStateFile(stateFile)}.lock`;
  const key = lockKey(path);
  const other = held.get(key);
  if (other) {
    throw new StateFileError(
      'state_locked',
      `State file ${stateFile} is already in use by another run in this same process (since ${other.since}). Two ` +
        "runs on one state would submit the same jobs twice: wait for that run's wait() or shutdown() to finish " +
        'before starting this one, or give this one its own stateFile.',
    );
  }
  const owner: LockOwner = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    nonce: newNonce(),
  };
  const entry = { nonce: owner.nonce, since: owner.since };
  held.set(key, entry);
  try {
    await takeLock(stateFile, path, owner);
  } catch (error) {
    if (held.get(key) === entry) held.delete(key);
    throw error;
  }
  let released = false;
  return async () => {
    if (released) return;
    released = true;
    try {
      await removeIfOurs(path, owner.nonce);
    } finally {
      // Even if removing failed: the file left with our pid is then a leftover that a later run takes over.
      if (held.get(key) === entry) held.delete(key);
    }
  };
}
