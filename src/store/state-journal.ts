import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import { type FileHandle, link, lstat, open, readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { ConfigurationError, messageOf } from '../errors.js';
import type { ProviderName } from '../models/registry.js';
import { crashNow, crashPoint, isCrashPoint } from './crash-point.js';
import {
  type HeaderRecord,
  type JournalState,
  resultsDone,
  STATE_VERSION,
  type StateRecord,
} from './state-records.js';
import { syncDirectory } from './sync-directory.js';
import { writeSynced } from './write-synced.js';

/**
 * The state file could not be used: corrupt, from another version, locked, or for another results directory
 * (such a file is refused and never overwritten); or an append to it failed (`state_write_failed`).
 */
export class StateFileError extends ConfigurationError {}

/**
 * Where the journal's bytes go: the state file. A seam for tests, which wrap it to make a write fail halfway.
 * @internal
 */
export interface JournalSink {
  /** Writes all of `data` at byte `position`, or throws (possibly after writing part of it). */
  write(data: Uint8Array, position: number): Promise<void>;
  /** Makes what was written durable (fdatasync). */
  sync(): Promise<void>;
  /** Cuts the file back to `length` bytes. */
  truncate(length: number): Promise<void>;
  close(): Promise<void>;
}

/**
 * A new state's header, its job digests as the UTF-8 JSON text of their object (`jobDigestsJson` makes it), written
 * into the header line as they are: never an object of 100,000 entries on the heap as a run starts (issue 14).
 */
export type NewHeader = Omit<HeaderRecord, 'jobDigests'> & { jobDigests: Uint8Array };

/** Options of {@link StateJournal.create}; for tests only. @internal */
export interface JournalOptions {
  /** Wraps the sink that writes to the state file. */
  sink?: (file: JournalSink) => JournalSink;
}

/**
 * An append-only journal of {@link StateRecord}s. Each append is flushed to disk (fdatasync) before it resolves,
 * so a record that was acknowledged survives a crash; a crash mid-append leaves at most a torn last line, which
 * reading drops. Opening compacts the journal (temp file, fsync, rename) to the records still needed.
 *
 * One writer: appends are queued, and those queued while a write is in flight go out together in the next write
 * and fdatasync (group commit), so records never interleave however large, and many concurrent appends cost one
 * flush. A record is applied to {@link StateJournal.state} once durable, in the order of the appends. A write
 * that fails is cut back off the file, so a torn record never sits before a later one.
 */
export class StateJournal {
  /** Bytes this process wrote to the state file, for measurements. */
  bytesWritten = 0;
  private queue: Pending[] = [];
  private draining: Promise<void> | undefined;
  /** The file's length up to the last durable record. */
  private durableLength: number;
  /** Set once a failed write could not be cut back off: nothing more is written. */
  private broken: StateFileError | undefined;
  private closed = false;
  /** Set by {@link create} when it replaced what a create killed before its header was durable left. */
  replaced = false;

  /**
   * What a resume needs of the file, kept up as records become durable: the submissions still open (ended and
   * abandoned ones are dropped, as compaction drops them) and the header without its job digests (one per job,
   * checked when the file is opened, never read again by this journal): a 100,000-job run does not hold them.
   */
  readonly state: JournalState;

  private constructor(
    readonly path: string,
    private readonly sink: JournalSink,
    state: JournalState,
    length: number,
  ) {
    // A new journal has no submissions, a resumed one only open ones (compaction dropped the rest).
    this.state = { header: withoutDigests(state.header), submissions: state.submissions };
    this.durableLength = length;
  }

  /**
   * Reads and checks an existing journal, or returns undefined when there is none: no file, or only what a create
   * killed before its header was durable left (see {@link isUnfinishedCreate}).
   */
  static async read(path: string): Promise<JournalState | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    if (isUnfinishedCreate(text) && (await isPlainFile(path))) return undefined;
    return parseJournal(path, text);
  }

  /**
   * Creates a new journal with its header. The file appears whole: the header is written and flushed under a
   * temporary name, then linked into place, so that a state file always starts with a complete header. Replaces
   * nothing but a file a create killed before its header was durable left (the caller has moved any other aside);
   * `replaced` says when it did. The caller holds the state's lock: see {@link removeUnfinishedCreates}.
   */
  static async create(path: string, header: NewHeader, options: JournalOptions = {}): Promise<StateJournal> {
    const temp = `${path}.${process.pid}-${randomBytes(4).toString('hex')}.tmp`;
    const handle = await open(temp, 'wx');
    const { jobDigests, ...fields } = header;
    // Every field as JSON.stringify writes it (`type` first), then the digests' JSON as it is.
    const line = Buffer.concat([
      Buffer.from(`${JSON.stringify(fields).slice(0, -1)},"jobDigests":`),
      jobDigests,
      Buffer.from('}\n'),
    ]);
    if (isCrashPoint('torn-state-header')) {
      // For the crash tests: half a header, as a kill in the middle of its write leaves it.
      await handle.write(line, 0, line.length >> 1, 0);
      crashNow();
    }
    const file = fileSink(handle);
    const sink = options.sink ? options.sink(file) : file;
    // The handle stays the journal's: once linked, the temporary name and `path` are one file. Its state keeps the
    // header without digests (see `state`).
    const record: HeaderRecord = { ...fields, jobDigests: {} };
    const journal = new StateJournal(path, sink, { header: record, submissions: new Map() }, 0);
    try {
      await journal.enqueue(record, line);
      journal.replaced = await linkNew(temp, path);
      // The new name must survive a power loss before anything is sent under it, as the header did.
      await syncDirectory(dirname(path));
    } catch (error) {
      await journal.close().catch(() => {});
      await rm(temp, { force: true });
      throw error;
    }
    crashPoint('state-linked');
    // Only a second name of the state file now: one left behind is removed by the next run (removeUnfinishedCreates).
    await rm(temp, { force: true }).catch(() => {});
    return journal;
  }

  /** Continues an existing journal, compacted first. */
  static async resume(path: string, state: JournalState): Promise<StateJournal> {
    // The results of the ended submissions dropped here are still counted: a resume can tell when files went missing.
    const records: StateRecord[] = [
      {
        ...state.header,
        resultsDone: resultsDone(state),
        ...(state.header.providerBatches && { providerBatches: allProviderBatches(state) }),
      },
    ];
    for (const submission of state.submissions.values()) {
      // Ended and abandoned submissions need no record: their jobs' result files (or their new submissions) say all.
      if (submission.ended || submission.abandoned) continue;
      const submissionId = submission.intent.submissionId;
      records.push(submission.intent);
      if (submission.inputFileId) {
        records.push({ type: 'uploaded', submissionId, inputFileId: submission.inputFileId });
      }
      if (submission.providerBatchId) {
        records.push({ type: 'submitted', submissionId, providerBatchId: submission.providerBatchId });
      }
    }
    const temp = compactPath(path);
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    let sink: JournalSink;
    try {
      await writeSynced(temp, text, 'w');
      await rename(temp, path);
      // 'r+', not 'a': writes go to explicit positions (the durable length), which append mode ignores on Linux.
      sink = fileSink(await open(path, 'r+'));
    } catch (error) {
      // A full disk must not leave a temp file the size of the journal taking what space there is.
      await rm(temp, { force: true }).catch(() => {});
      throw new StateFileError(
        'state_write_failed',
        `Compacting state file ${path} through ${temp} failed (${messageOf(error)}). Nothing was sent, and the state ` +
          'file is as it was: free some space on its disk (or fix what the error names) and run again.',
        { cause: error },
      );
    }
    const length = Buffer.byteLength(text);
    const journal = new StateJournal(path, sink, parseJournal(path, text), length);
    journal.bytesWritten += length;
    return journal;
  }

  /**
   * Appends a record. Resolves once it is durable and applied to {@link state}; rejects with a
   * {@link StateFileError} `state_write_failed` when it could not be written (the record is then not in the file).
   */
  append(record: StateRecord): Promise<void> {
    if (this.closed) {
      return Promise.reject(
        new StateFileError(
          'state_write_failed',
          `State file ${this.path} is closed; the record was not written.`,
        ),
      );
    }
    return this.enqueue(record, Buffer.from(`${JSON.stringify(record)}\n`));
  }

  private enqueue(record: StateRecord, line: Buffer): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ record, line, resolve, reject });
      // Started on the next microtask, so that appends made together go out in one write.
      this.draining ??= Promise.resolve().then(() => this.drain());
    });
  }

  async size(): Promise<number> {
    return (await stat(this.path)).size;
  }

  /** Waits for the appends already made, then closes the file. */
  async close(): Promise<void> {
    this.closed = true;
    await this.draining;
    await this.sink.close();
  }

  /** The one writer: writes what is queued as one group, flushes it, acknowledges it; until the queue is empty. */
  private async drain(): Promise<void> {
    while (this.queue.length > 0) {
      const group = this.queue;
      this.queue = [];
      const data = Buffer.concat(group.map((pending) => pending.line));
      const failure = await this.writeGroup(data);
      if (failure) {
        for (const pending of group) pending.reject(failure);
        continue;
      }
      this.durableLength += data.length;
      this.bytesWritten += data.length;
      for (const pending of group) {
        const { record } = pending;
        applyRecord(this.state, record);
        if (record.type === 'header') this.state.header = withoutDigests(record);
        if (record.type === 'ended' || record.type === 'abandoned')
          this.state.submissions.delete(record.submissionId);
        pending.resolve();
      }
    }
    this.draining = undefined;
  }

  /** Writes and flushes one group; on failure, cuts the file back to its durable length and returns the error. */
  private async writeGroup(data: Buffer): Promise<StateFileError | undefined> {
    if (this.broken) return this.broken;
    try {
      await this.sink.write(data, this.durableLength);
      await this.sink.sync();
      return undefined;
    } catch (error) {
      try {
        await this.sink.truncate(this.durableLength);
        await this.sink.sync();
      } catch (truncateError) {
        this.broken = new StateFileError(
          'state_write_failed',
          `Writing to state file ${this.path} failed (${messageOf(error)}), and cutting the failed write back off ` +
            `failed too (${messageOf(truncateError)}): the file's tail may be torn, so nothing more is written to ` +
            "it. This run's further steps are not recorded; the next open drops the torn tail, and a resume picks " +
            'up again the work that was not recorded.',
          { cause: error },
        );
        return this.broken;
      }
      return new StateFileError(
        'state_write_failed',
        `Writing to state file ${this.path} failed (${messageOf(error)}). The run's work for this step was not ` +
          'recorded; it will be picked up again on resume.',
        { cause: error },
      );
    }
  }
}

/** How every header line batchwise has written starts: the literal that builds it puts `type` first. */
const HEADER_START = '{"type":"header",';

/**
 * Whether `text` is what a create killed before its header was durable leaves: nothing, or part of the header line
 * without its newline. Such a file is no state, and safe to start afresh over, because nothing can have been sent
 * under it: a record is acknowledged only once its whole line, newline included, is flushed; records are written in
 * order by one writer, the header first; `create` resolves only once the header is acknowledged, and every request to
 * a provider waits for its intent record, appended after it. A file with no newline therefore holds no acknowledged
 * record — no header, so no intent, so no request. It also knows nothing that a kill just before the file was created
 * would not have lost too (a sample sent before it, say): taking it for no state loses nothing a crash cannot.
 * Since the header is written under a temporary name, only older versions of batchwise, which wrote it in place, left
 * one (killed, or when the write of the header failed).
 */
function isUnfinishedCreate(text: string): boolean {
  return !text.includes('\n') && (text.startsWith(HEADER_START) || HEADER_START.startsWith(text));
}

/**
 * Not a symlink: replacing a link would leave the state file apart from the lock, which sits beside its target (see
 * state-lock.ts), so a link to an unfinished file is refused as corrupt instead.
 */
async function isPlainFile(path: string): Promise<boolean> {
  return (await lstat(path).catch(() => undefined))?.isFile() ?? false;
}

/**
 * Links the flushed temporary file to `path`, which never replaces a file there (so two creates cannot both succeed),
 * except one left unfinished by a killed create: that is renamed over. Returns whether it replaced one.
 */
async function linkNew(temp: string, path: string): Promise<boolean> {
  try {
    await link(temp, path);
    return false;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    if (!(await isPlainFile(path)) || !isUnfinishedCreate(await readFile(path, 'utf8'))) throw error;
    await rename(temp, path);
    return true;
  }
}

/** The temp file a compaction writes before renaming it over the state file. */
const compactPath = (path: string) => `${path}.${process.pid}.compact`;

/**
 * Removes what creates and compactions of the journal at `path` killed before they were done left beside it: their
 * temporary files (`<state file>.<pid>-<8 hex>.tmp`, a header or part of one, or a second name of the state file;
 * `<state file>.<pid>.compact`, a copy of the journal not renamed into place). Only for a caller holding the state's
 * lock: a create or compaction in progress holds it too, so none of these can still be in use.
 */
export async function removeUnfinishedCreates(path: string): Promise<void> {
  const name = basename(path);
  let entries: Dirent[];
  try {
    entries = await readdir(dirname(path), { withFileTypes: true });
  } catch {
    return; // no directory: nothing to remove, and creating the file reports why
  }
  for (const entry of entries) {
    if (!entry.isFile() || !entry.name.startsWith(`${name}.`)) continue;
    if (/^\d+(?:-[0-9a-f]{8}\.tmp|\.compact)$/.test(entry.name.slice(name.length + 1))) {
      await rm(join(dirname(path), entry.name), { force: true });
    }
  }
}

function withoutDigests(header: HeaderRecord): HeaderRecord {
  return { ...header, jobDigests: {} };
}

interface Pending {
  record: StateRecord;
  line: Buffer;
  resolve: () => void;
  reject: (error: StateFileError) => void;
}

function fileSink(handle: FileHandle): JournalSink {
  return {
    async write(data, position) {
      for (let offset = 0; offset < data.length; ) {
        const { bytesWritten } = await handle.write(data, offset, data.length - offset, position + offset);
        if (bytesWritten === 0) throw new Error('the file system accepted no bytes');
        offset += bytesWritten;
      }
    },
    sync: () => handle.datasync(),
    truncate: (length) => handle.truncate(length),
    close: () => handle.close(),
  };
}

function parseJournal(path: string, text: string): JournalState {
  const lines = text.split('\n');
  // The last element is '' after a final newline, or a torn line a crash left mid-append (never acknowledged, so
  // never relied on): either way it is dropped.
  lines.pop();
  const corrupt = (why: string) =>
    new StateFileError(
      'state_corrupt',
      `State file ${path} is corrupt (${why}). It was left as it is. Move it away to start fresh, or pass reuseState: false ` +
        '(which moves it aside and keeps your results).',
    );
  const records = lines.map((line, index) => {
    try {
      return JSON.parse(line) as StateRecord;
    } catch {
      throw corrupt(`line ${index + 1} is not JSON`);
    }
  });
  const header = records[0];
  if (header?.type !== 'header') throw corrupt('it does not start with a header record');
  if (header.version !== STATE_VERSION) {
    throw new StateFileError(
      'state_version',
      `State file ${path} has version ${JSON.stringify(header.version)}; this batchwise reads version ${STATE_VERSION}. ` +
        'It was left as it is: finish it with the batchwise that wrote it, or pass reuseState: false to start fresh.',
    );
  }
  const state: JournalState = { header, submissions: new Map() };
  for (const [index, record] of records.slice(1).entries()) {
    if (!applyRecord(state, record)) throw corrupt(`line ${index + 2} is not a record this version knows`);
  }
  return state;
}

/** Every provider batch the journal knows of, oldest first: the header's (compacted away), then its submissions'. */
export function allProviderBatches(state: JournalState): { provider: ProviderName; id: string }[] {
  const batches = new Map((state.header.providerBatches ?? []).map((batch) => [batch.id, batch]));
  for (const { intent, providerBatchId: id } of state.submissions.values())
    if (id && !batches.has(id)) batches.set(id, { provider: intent.provider, id });
  return [...batches.values()];
}

function applyRecord(state: JournalState, record: StateRecord): boolean {
  switch (record.type) {
    case 'header':
      state.header = record;
      return true;
    case 'intent':
      state.submissions.set(record.submissionId, {
        intent: record,
        inputFileId: null,
        providerBatchId: null,
        ended: false,
        results: 0,
        abandoned: false,
      });
      return true;
    case 'uploaded':
    case 'submitted':
    case 'ended':
    case 'abandoned': {
      const submission = state.submissions.get(record.submissionId);
      if (!submission) return false;
      if (record.type === 'uploaded') submission.inputFileId = record.inputFileId;
      else if (record.type === 'submitted') submission.providerBatchId = record.providerBatchId;
      else if (record.type === 'ended') {
        submission.ended = true;
        submission.providerBatchId ??= record.providerBatchId ?? null;
        submission.results = record.results ?? 0;
      } else submission.abandoned = true;
      return true;
    }
    default:
      return false;
  }
}
