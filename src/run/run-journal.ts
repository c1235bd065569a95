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
    await this.results?.sync();
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
