import { BatchwiseError, type ErrorInfo, messageOf } from '../../errors.js';
import type { JobResult } from '../../types.js';
import type { StopReason } from '../run-config.js';
import { failedResult } from '../to-job-result.js';
import { withRetry } from '../with-retry.js';
import type { BatchPort } from './batch-port.js';
import type { ProviderBatch } from './provider-batch.js';

/** A call that is safe to repeat, retried with the run's backoff; a stop's grace period ends the retrying. */
export function retrying<T>(port: BatchPort, what: string, call: () => Promise<T>): Promise<T> {
  return withRetry(
    what,
    call,
    port.retry,
    port.logger,
    (ms) => port.stop.sleep(ms),
    () => port.stop.pastGrace(),
  );
}

/** The reason a job ends with when the run's own stop kept it from finishing: a resume sends it again. */
export function stopError(reason: StopReason | null): { status: 'failed' | 'cancelled'; error: ErrorInfo } {
  return reason?.kind === 'time_limit'
    ? {
        status: 'failed',
        error: { code: 'time_limit', message: 'time limit exceeded before this job finished' },
      }
    : {
        status: 'cancelled',
        error: { code: 'shutdown', message: 'the run was shut down before this job finished' },
      };
}

/**
 * Records a result; one that cannot be written is still the job's result in memory (the log says why). Returns
 * whether it is on disk.
 */
export async function settle(
  port: BatchPort,
  batch: ProviderBatch,
  result: JobResult,
  billingKnown = true,
): Promise<boolean> {
  if (await port.sink.record(result, { billingKnown, batch })) return true;
  port.sink.keep(result, { billingKnown, batch });
  return false;
}

/**
 * The batch gives up in this run while it may exist at the provider: every job without a result ends with
 * `error` (a resumable reason, its reservation kept), and the submission stays open in the state file, so that a
 * resume follows the same provider batch.
 */
export async function failInFlight(
  batch: ProviderBatch,
  port: BatchPort,
  error: ErrorInfo,
  status: 'failed' | 'cancelled' = 'failed',
): Promise<void> {
  const providerBatchId = batch.ref?.id ?? null;
  const mayBeBilled = batch.phase !== 'planned';
  for (const job of batch.jobs) {
    if (port.sink.has(job.id) || batch.isHandedBack(job.id)) continue;
    await settle(
      port,
      batch,
      failedResult(job, status, error, providerBatchId, { sent: mayBeBilled }),
      !mayBeBilled,
    );
  }
  if (!batch.isTerminal) await batch.moveTo('failed');
}

/**
 * The batch is known not to exist: its uploaded input file is deleted, its intent marked abandoned, and its jobs
 * either end with `failure` or (with none) go back to the scheduler.
 */
export async function abandon(
  batch: ProviderBatch,
  port: BatchPort,
  failure: ErrorInfo | null,
): Promise<void> {
  if (batch.inputFileId && port.provider.deleteUpload) {
    const fileId = batch.inputFileId;
    await retrying(port, `delete of input file ${fileId}`, () => port.provider.deleteUpload!(fileId)).catch(
      (error: unknown) => port.logger.warn(`could not delete input file ${fileId}: ${messageOf(error)}`),
    );
  }
  if (batch.phase === 'intent') {
    try {
      await batch.moveTo('cancelled', { type: 'abandoned' });
    } catch (error) {
      // Not recorded: a resume looks for the batch again, finds none, and abandons it then.
      port.logger.warn(`could not record submission ${batch.submissionId} as abandoned: ${messageOf(error)}`);
      await batch.moveTo('cancelled');
    }
  } else {
    await batch.moveTo('cancelled');
  }
  for (const job of batch.jobs) {
    if (port.sink.has(job.id)) continue;
    // The batch does not exist: this attempt never went out.
    if (failure) await settle(port, batch, failedResult(job, 'failed', failure, null, { sent: false }));
    else batch.handBack(job);
  }
}

/**
 * Whether the submission's batch exists could not be learned (the look-up failed, or the run stopped while only
 * unconfirmed candidates were known). Nothing is created again: the jobs end resumable — `adopt_failed`, or the
 * stop's own reason — and the intent stays open, so that a resume looks again.
 */
export async function failUnresolved(batch: ProviderBatch, port: BatchPort, cause: unknown): Promise<void> {
  const stop = port.stop.reason;
  const detail = cause ? ` (${messageOf(cause)})` : '';
  if (stop?.cancelActive) {
    const { status, error } = stopError(stop);
    const message = `${error.message}, while it was not yet known whether submission ${batch.submissionId} reached ${batch.provider}${detail}; ${port.journal.enabled ? 'running the batch again looks for it' : 'without a stateFile nothing remembers it: look for it at the provider before running these jobs again, or they may be paid twice'}`;
    await failInFlight(batch, port, { code: error.code, message }, status);
    return;
  }
  // Without a state file nothing remembers the submission: running the jobs again would send them again.
  const then = port.journal.enabled
    ? 'running the batch again looks for it and collects it'
    : 'without a stateFile nothing remembers it, so look for it at the provider before running these jobs again, or they may be paid twice';
  const message = `could not tell whether submission ${batch.submissionId} reached ${batch.provider}${detail}. Nothing was sent again; ${then}.`;
  port.report(new BatchwiseError('adopt_failed', message, { cause }));
  await failInFlight(batch, port, { code: 'adopt_failed', message });
}
