import type { StateJournal } from '../store/state-journal.js';
import type { StateRecord } from '../store/state-records.js';

/**
 * The run's side of the state file, when there is one: records go through the journal's single writer, each
 * flushed before the step it protects. Without a state file, nothing is written.
 */
export class RunJournal {
  constructor(private readonly journal: StateJournal | undefined) {}

  get enabled(): boolean {
    return this.journal !== undefined;
  }

  append(record: StateRecord): Promise<void> {
    return this.journal?.append(record) ?? Promise.resolve();
  }

  uploaded(submissionId: string, inputFileId: string): Promise<void> {
    return this.append({ type: 'uploaded', submissionId, inputFileId });
  }

  async close(): Promise<void> {
    await this.journal?.close();
  }
}
