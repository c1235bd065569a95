import type { JobResult } from '../types.js';

/**
 * Error codes of results that are not final: a resume does not take such a result as the job's answer. The
 * job is either sent again, or collected from the same provider batch — the latter only while its submission
 * is still open in the journal (no `ended` or `abandoned` record); otherwise it is sent again.
 */
export const RESUMABLE_CODES: ReadonlySet<string> = new Set([
  /** The run was shut down before the job was sent: a resume sends it again. */
  'shutdown',
  /** The run's time limit ended it before the job was sent: a resume sends it again. */
  'time_limit',
  /** Sending the job would have passed the cost limit: a resume sends it again. */
  'cost_limit',
  /** Creating the provider batch failed: a resume sends the job again. */
  'submit_failed',
  /** A batch created before a crash could not be looked up: a resume looks again and collects from it. */
  'adopt_failed',
  /** Polling the provider batch failed: a resume collects the job from the same batch. */
  'poll_failed',
  /** Fetching the batch's results failed: a resume collects the job from the same batch. */
  'results_failed',
  /** The job's result file could not be written: a resume collects it from the same batch. */
  'write_failed',
  /** The provider batch reported an error, not the job: a resume collects the job from the same batch. */
  'batch_error',
  /** The job was never part of a provider batch: a resume sends it again. */
  'not_submitted',
  /** An attempt ended invalid or expired and the job was being sent again: a resume sends it, counting what was paid. */
  'resending',
  /** The provider kept refusing its batch for capacity (enqueued-token or rate limit): a resume sends it again. */
  'capacity',
  /**
   * The provider batch expired before the job ran (not billed), and so did the run's resubmissions of it: a resume
   * sends it again.
   */
  'expired',
]);

/**
 * Whether a result on disk is the job's final answer. A result whose `error.code` is in
 * {@link RESUMABLE_CODES} is not: a resume sends the job again or collects it again from its provider batch.
 */
export function isFinalResult(result: Pick<JobResult, 'error'>): boolean {
  const code = result.error?.code;
  return code === undefined || !RESUMABLE_CODES.has(code);
}
