import { BatchwiseError, messageOf } from '../errors.js';
import type { ResultsWriter } from '../store/results-writer.js';
import type { StateJournal } from '../store/state-journal.js';
import type { StateRecord } from '../store/state-records.js';

/**
 * The run's side of the state file, when there is one: records go through the journal's single writer, each
 * flushed before the step it protects. Without a state file, nothing is written.
 *
 * Result files are made durable in groups, here: before a record is appended, every result file written so far is
 * synced, so that a record (a batch `ended`, the next attempt's `intent`) never refers to a result that a power loss
 * could take back. That is one fsync per file per provider batch, not a temp file, fsync and rename per result.
 * When the sync fails, only the records that rely on result files are refused (see {@link reliesOnResults}).
 */
export class RunJournal {
  constructor(
    private readonly journal: StateJournal | undefined,
    private readonly results?: ResultsWriter,
  ) {}

  get enabled(): boolean {
    return this.journal !== undefined;
  }

  async append(record: StateRecord): Promise<void> {
    if (!this.journal) return;
    try {
      await this.results?.sync();
    } catch (error) {
      // The writer keeps a file that cannot be synced (deleted under the run, a failing disk) for every later sync:
      // refusing every record for it would leave each later batch unsent. Only a record that relies on result files
      // is refused; its batch stays open in the journal, and a resume collects its results again.
      if (reliesOnResults(record)) {
        throw new BatchwiseError(
          'write_failed',
          `result files could not be made durable (${messageOf(error)}), so the ${record.type} record of submission ` +
            `${record.submissionId} was not written: it stays open in the state file, and a resume collects its ` +
            'results again from the provider instead of sending them again.',
          { cause: error },
        );
      }
    }
    await this.journal.append(record);
  }

  uploaded(submissionId: string, inputFileId: string): Promise<void> {
    return this.append({ type: 'uploaded', submissionId, inputFileId });
  }

  /** Makes the last result files durable, then closes the state file. */
  async close(): Promise<void> {
    try {
      await this.results?.sync();
    } finally {
      await this.journal?.close();
    }
  }
}

/**
 * Whether a record may be written only once the result files before it are durable: a batch's `ended` (its jobs'
 * results), and the intent of a job sent again, whose file is the marker of what its earlier attempts cost. A first
 * send's intent, an upload and a create refer to no result file.
 */
function reliesOnResults(record: StateRecord): record is Extract<StateRecord, { submissionId: string }> {
  if (record.type === 'ended') return true;
  if (record.type !== 'intent') return false;
  return record.attempts.some((attempt) => attempt > 1) || record.resubmits.some((count) => count > 0);
}
