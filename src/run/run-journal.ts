import type { StateJournal } from '../store/state-journal.js';
import type { IntentRecord } from '../store/state-records.js';

/**
 * What the run tells the state file, when there is one: an intent before each submit, the provider's batch id
 * after it, and the end once every job of the batch has its result file. Without a state file, nothing.
 */
export class RunJournal {
  constructor(private readonly journal: StateJournal | undefined) {}

  get enabled(): boolean {
    return this.journal !== undefined;
  }

  intent(record: Omit<IntentRecord, 'type'>): Promise<void> {
    return this.journal?.append({ type: 'intent', ...record }) ?? Promise.resolve();
  }

  submitted(submissionId: string, providerBatchId: string): Promise<void> {
    return this.journal?.append({ type: 'submitted', submissionId, providerBatchId }) ?? Promise.resolve();
  }

  ended(submissionId: string): Promise<void> {
    return this.journal?.append({ type: 'ended', submissionId }) ?? Promise.resolve();
  }

  abandoned(submissionId: string): Promise<void> {
    return this.journal?.append({ type: 'abandoned', submissionId }) ?? Promise.resolve();
  }

  async close(): Promise<void> {
    await this.journal?.close();
  }
}
