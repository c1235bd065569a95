import { type FileHandle, open, readFile, rename, stat } from 'node:fs/promises';
import { ConfigurationError } from '../errors.js';
import { type HeaderRecord, type JournalState, STATE_VERSION, type StateRecord } from './state-records.js';

/** The state file could not be used: corrupt, from another version, or locked. It is never overwritten. */
export class StateFileError extends ConfigurationError {}

/**
 * An append-only journal of {@link StateRecord}s. Each append is flushed to disk (fdatasync) before it returns, so a
 * record that was acknowledged survives a crash; a crash mid-append leaves at most a torn last line, which reading
 * drops. Opening compacts the journal (temp file, fsync, rename) to the records still needed.
 */
export class StateJournal {
  /** Bytes this process wrote to the state file, for measurements. */
  bytesWritten = 0;

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    readonly state: JournalState,
  ) {}

  /** Reads and checks an existing journal, or returns undefined when there is none. */
  static async read(path: string): Promise<JournalState | undefined> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    return parseJournal(path, text);
  }

  /** Creates a new journal with its header, replacing nothing (the caller has moved any old one aside). */
  static async create(path: string, header: HeaderRecord): Promise<StateJournal> {
    const journal = new StateJournal(path, await open(path, 'wx'), { header, submissions: new Map() });
    await journal.append(header);
    return journal;
  }

  /** Continues an existing journal, compacted first. */
  static async resume(path: string, state: JournalState): Promise<StateJournal> {
    const records: StateRecord[] = [state.header];
    for (const submission of state.submissions.values()) {
      // Ended and abandoned submissions need no record: their jobs' result files (or their new submissions) say all.
      if (submission.ended || submission.abandoned) continue;
      records.push(submission.intent);
      if (submission.providerBatchId) {
        records.push({
          type: 'submitted',
          submissionId: submission.intent.submissionId,
          providerBatchId: submission.providerBatchId,
        });
      }
    }
    const temp = `${path}.${process.pid}.compact`;
    const handle = await open(temp, 'w');
    const text = records.map((record) => `${JSON.stringify(record)}\n`).join('');
    await handle.writeFile(text);
    await handle.sync();
    await handle.close();
    await rename(temp, path);
    const journal = new StateJournal(path, await open(path, 'a'), parseJournal(path, text));
    journal.bytesWritten += Buffer.byteLength(text);
    return journal;
  }

  async append(record: StateRecord): Promise<void> {
    const line = `${JSON.stringify(record)}\n`;
    await this.handle.appendFile(line);
    await this.handle.datasync();
    this.bytesWritten += Buffer.byteLength(line);
    applyRecord(this.state, record);
  }

  async size(): Promise<number> {
    return (await stat(this.path)).size;
  }

  async close(): Promise<void> {
    await this.handle.close();
  }
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

function applyRecord(state: JournalState, record: StateRecord): boolean {
  switch (record.type) {
    case 'header':
      state.header = record;
      return true;
    case 'intent':
      state.submissions.set(record.submissionId, {
        intent: record,
        providerBatchId: null,
        ended: false,
        abandoned: false,
      });
      return true;
    case 'submitted':
    case 'ended':
    case 'abandoned': {
      const submission = state.submissions.get(record.submissionId);
      if (!submission) return false;
      if (record.type === 'submitted') submission.providerBatchId = record.providerBatchId;
      else if (record.type === 'ended') submission.ended = true;
      else submission.abandoned = true;
      return true;
    }
    default:
      return false;
  }
}
