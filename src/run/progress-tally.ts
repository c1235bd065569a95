/**
 * The run's provider batches summed up for progress, kept as counts: each batch adds what changed in its own share
 * on every change (a phase, a result, a poll's count), so that reading progress costs the same after 10 results
 * and after 100,000, however many batches there are.
 */
export class ProgressTally {
  /** Jobs in provider batches in flight that have no result yet. */
  activeJobs = 0;
  /**
   * Of those, how many the provider already reports as processed (OpenAI counts them while a batch runs; Anthropic
   * only once it ended): answers waiting to be collected.
   */
  processedJobs = 0;
  batchesTotal = 0;
  batchesCompleted = 0;
  batchesPending = 0;

  /** Adds the difference between a batch's share after a change and before it. */
  shift(before: TallyShare, after: TallyShare): void {
    this.activeJobs += after.activeJobs - before.activeJobs;
    this.processedJobs += after.processedJobs - before.processedJobs;
    this.batchesTotal += after.batchesTotal - before.batchesTotal;
    this.batchesCompleted += after.batchesCompleted - before.batchesCompleted;
    this.batchesPending += after.batchesPending - before.batchesPending;
  }
}

/** One batch's share of the tally. */
export type TallyShare = Pick<
  ProgressTally,
  'activeJobs' | 'processedJobs' | 'batchesTotal' | 'batchesCompleted' | 'batchesPending'
>;

export const NO_SHARE: TallyShare = {
  activeJobs: 0,
  processedJobs: 0,
  batchesTotal: 0,
  batchesCompleted: 0,
  batchesPending: 0,
};
