import { BatchwiseError, messageOf } from '../../errors.js';
import type { BatchPort } from './batch-port.js';
import { abandon, failInFlight, failUnresolved } from './batch-steps.js';
import { collectResults } from './collect-results.js';
import { findOwnBatch } from './find-own-batch.js';
import { followBatch } from './follow-batch.js';
import type { ProviderBatch } from './provider-batch.js';
import { submitBatch } from './submit-batch.js';

/**
 * Drives one provider batch from where it stands (planned, or resumed at intent or submitted) to a terminal phase.
 * It never rejects: a failure inside one batch (a disk error, a journal write, a bug) stays inside it — its jobs end
 * with the resumable reason `batch_error`, its submission stays open, and other batches go on. `providerDone` is
 * called when the provider has ended the batch, before its results are collected.
 */
export async function driveBatch(
  batch: ProviderBatch,
  port: BatchPort,
  known: ReadonlySet<string>,
  providerDone: () => void = () => {},
): Promise<void> {
  try {
    if (batch.phase === 'planned' && !(await submitBatch(batch, port, known))) return;
    if (batch.phase === 'intent' && !(await adopt(batch, port, known))) return;
    const ended = await followBatch(batch, port);
    if (ended === null) return;
    providerDone();
    await collectResults(batch, port, ended);
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
  const found = await findOwnBatch(batch, port, known);
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
    // An upload that happened before the crash but was never recorded is found by its name.
    batch.inputFileId ??=
      (await port.provider.findUpload?.(batch.tag(port.stateId)).catch(() => undefined)) ?? null;
    await abandon(batch, port, null);
    return false;
  }
  await failUnresolved(batch, port, null);
  return false;
}
