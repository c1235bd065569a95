import { BatchwiseError, messageOf } from '../../errors.js';
import type { BatchPort } from './batch-port.js';
import { abandon, failInFlight, failUnresolved } from './batch-steps.js';
import { collectResults } from './collect-results.js';
import { findOwnBatch } from './find-own-batch.js';
import { followBatch, GONE } from './follow-batch.js';
import { lookUpSettled } from './look-up-settled.js';
import type { ProviderBatch } from './provider-batch.js';
import { submitBatch } from './submit-batch.js';

/**
 * How a batch's drive takes its turns in the run's limits: `maxConcurrent` batches at the provider, and as many being
 * collected here, so that the next batch is processed there while this one's results are written, and collecting
 * stays bounded when it is slower than processing.
 */
export interface DriveTurns {
  /** The provider has ended the batch: its slot there is free for the next one. */
  providerDone(): void;
  /** Runs the batch's collection once a collecting slot is free. */
  collecting(work: () => Promise<void>): Promise<void>;
  /** The batch's submission is over (created, or not): the next batch may be built and sent. */
  submitted(): void;
}

/**
 * Drives one provider batch from where it stands (planned, or resumed at intent or submitted) to a terminal phase.
 * It never rejects: a failure inside one batch (a disk error, a journal write, a bug) stays inside it — its jobs end
 * with the resumable reason `batch_error`, its submission stays open, and other batches go on.
 */
export async function driveBatch(
  batch: ProviderBatch,
  port: BatchPort,
  known: ReadonlySet<string>,
  turns: DriveTurns,
): Promise<void> {
  try {
    if (batch.phase === 'planned') {
      const created = await submitBatch(batch, port, known);
      turns.submitted();
      if (!created) return;
    }
    if (batch.phase === 'intent' && !(await adopt(batch, port, known))) return;
    const ended = await followBatch(batch, port);
    if (ended === null) return;
    // A batch refused for capacity keeps its slot until the scheduler has learned the limit from it: freed earlier,
    // the next batch would be sent without that knowledge and refused too.
    if (ended === GONE || !ended.capacity) turns.providerDone();
    // Ended at the provider, the batch is collecting from here on, also while it waits for its turn: status() shows
    // it so, not as still processing there.
    await batch.moveTo('collecting');
    await turns.collecting(() => collectResults(batch, port, ended));
  } catch (error) {
    const message = `provider batch ${batch.index} (${batch.ref?.id ?? 'not created'}) stopped on an unexpected error: ${messageOf(error)}. Its jobs are resumable: running the batch again picks them up.`;
    try {
      port.report(new BatchwiseError('batch_error', message, { cause: error }));
      await failInFlight(batch, port, { code: 'batch_error', message });
    } catch (inner) {
      port.logger.error(`provider batch ${batch.index}: could not record its failure: ${messageOf(inner)}`);
    }
  }
}

/**
 * A submission from the state file whose provider batch id was never recorded (the process died between create
 * and record): found at the provider, it is followed; certainly absent, its intent is abandoned (its input file
 * deleted) and its jobs go out again; unknown, its jobs end `adopt_failed` and the intent stays open.
 */
async function adopt(batch: ProviderBatch, port: BatchPort, known: ReadonlySet<string>): Promise<boolean> {
  // The run before may have sent a create just before it stopped or died, long after the intent (after retries, a
  // slow upload, an earlier window): nothing records when, so the window counts from now. An intent's own time would
  // also trust the clock of the machine that wrote it.
  const found = await lookUpSettled(port, () => findOwnBatch(batch, port, known), {
    since: Date.now(),
    lookFirst: true,
  });
  if (found === 'found') {
    port.logger.info(
      `adopted ${batch.provider} batch ${batch.ref!.id} of submission ${batch.submissionId} after a crash`,
    );
    try {
      await batch.moveTo('submitted', { type: 'submitted' });
    } catch (error) {
      port.logger.warn(`could not record provider batch ${batch.ref!.id}: ${messageOf(error)}`);
      await batch.moveTo('submitted');
    }
    return true;
  }
  if (found === 'absent') {
    const asked = await port.provider.endpoint();
    if (batch.endpoint !== undefined && batch.endpoint !== asked) {
      // Not found where this run asks is no proof: the batch may be where it was created. Sending the jobs again
      // could pay for them twice.
      const elsewhere = new Error(
        `it was sent, if at all, to ${batch.endpoint}, and this run asks ${asked}: run it again with that baseURL`,
      );
      await failUnresolved(batch, port, elsewhere);
      return false;
    }
    // An upload that happened before the crash but was never recorded is found by its name.
    batch.inputFileId ??=
      (await port.provider.findUpload?.(batch.tag(port.stateId)).catch(() => undefined)) ?? null;
    await abandon(batch, port, null);
    return false;
  }
  await failUnresolved(batch, port, null);
  return false;
}
