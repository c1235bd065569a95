import { BatchwiseError, type ErrorInfo, messageOf } from '../../errors.js';
import type { NormalizedJob } from '../../jobs/normalized-job.js';
import { withRetryNote } from '../../jobs/retry-note.js';
import type { JobOutcome, ProviderBatchState } from '../../providers/provider.js';
import { crashPoint } from '../../store/crash-point.js';
import type { JobResult } from '../../types.js';
import { buildResult } from '../build-result.js';
import { failedResult } from '../to-job-result.js';
import { WorkWindow } from '../work-window.js';
import type { BatchPort } from './batch-port.js';
import { retrying, settle, stopError } from './batch-steps.js';
import type { GONE } from './follow-batch.js';
import type { ProviderBatch } from './provider-batch.js';

/**
 * collecting -> ended: streams the results (matched by custom_id, never by position) into one durable result per
 * job. The batch is `ended` (and journaled so) only when every result is on disk; a result that could not be
 * written, or a stream that broke, is collected again from the provider (results are kept there for 29 days), never
 * sent again. When that keeps failing the batch ends `failed` and stays open in the state file for a resume.
 */
export async function collectResults(
  batch: ProviderBatch,
  port: BatchPort,
  ended: ProviderBatchState | typeof GONE,
): Promise<void> {
  const ref = batch.ref!;
  if (ended === 'gone') {
    const message = `provider batch ${ref.id} no longer exists at ${batch.provider} (HTTP 404, and past the 29 days the provider keeps batches); its results cannot be collected`;
    port.report(new BatchwiseError('batch_not_found', message));
    const durable = await endRest(batch, port, { code: 'batch_not_found', message });
    return durable ? finish(batch, port) : batch.moveTo('failed');
  }
  if (ended.capacity) {
    // Refused for capacity: nothing ran or was billed. The jobs go back to wait for batches in progress to end.
    batch.capacityRefused = ended.capacity;
    port.logger.warn(
      `provider batch ${ref.id} was refused for capacity (${ended.failure?.message ?? 'enqueued-token limit'}); its jobs wait and go out again`,
    );
    for (const job of batch.jobs) if (!port.sink.has(job.id)) batch.handBack(job);
    return finish(batch, port);
  }
  if (ended.failure) {
    // Each request the provider blamed gets its own reason; the others get the batch's.
    let durable = true;
    for (const { index, error } of ended.requestErrors ?? []) {
      const jobId = batch.jobIdAt(index);
      const job = jobId === undefined ? undefined : batch.job(jobId);
      if (job && !port.sink.has(job.id))
        durable &&= await settle(port, batch, failedResult(job, 'failed', error, ref.id));
    }
    durable = (await endRest(batch, port, ended.failure)) && durable;
    // A result that is not on disk keeps the batch open: a resume reads the provider's verdict again.
    return durable ? finish(batch, port) : batch.moveTo('failed');
  }

  let delay = port.retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    const unwritten = new Map<string, JobResult>();
    let broken: unknown = null;
    let unaskedUsOnly = 0;
    // Results are written a few at a time: a file write waits on the thread pool, not on the one before it.
    const window = new WorkWindow();
    try {
      for await (const outcome of port.provider.results(ref)) {
        const jobId = batch.jobIdOf(outcome.customId);
        if (jobId === undefined) {
          port.logger.warn(`batch ${ref.id} returned a result for unknown custom_id ${outcome.customId}`);
          continue;
        }
        const job = batch.job(jobId);
        if (!job || port.sink.has(jobId) || batch.isHandedBack(jobId)) continue;
        if (ranUsOnlyUnasked(job, outcome)) unaskedUsOnly++;
        crashPoint('results-stream');
        await window.add(async () => {
          await port.rawWriter?.writeRaw(jobId, 'response', outcome.raw).catch((error: unknown) => {
            port.logger.warn(`could not keep the raw response of job ${jobId}: ${messageOf(error)}`);
          });
          const result = await resend(batch, port, job, await resultFor(batch, port, job, outcome));
          if (result && !(await port.sink.record(result, { batch }))) unwritten.set(jobId, result);
        });
      }
      await window.drain();
    } catch (error) {
      await window.drain().catch(() => {});
      broken = error;
    }
    if (broken === null) {
      if (unaskedUsOnly > 0) warnUsOnly(port, ref.id, unaskedUsOnly);
      for (const job of batch.jobs) {
        if (port.sink.has(job.id) || batch.isHandedBack(job.id) || unwritten.has(job.id)) continue;
        const result = await resend(batch, port, job, missingResult(batch, port, job));
        if (result && !(await port.sink.record(result, { batch }))) unwritten.set(job.id, result);
      }
      if (unwritten.size === 0) return finish(batch, port);
    }
    if (attempt >= port.retry.attempts || port.stop.pastGrace()) {
      return giveUp(batch, port, unwritten, broken);
    }
    port.logger.warn(
      broken === null
        ? `batch ${ref.id}: ${unwritten.size} result(s) could not be written; collecting them again`
        : `reading the results of ${ref.id} failed (attempt ${attempt} of ${port.retry.attempts}), reading again: ${messageOf(broken)}`,
    );
    await port.stop.sleep(delay);
    delay = Math.min(port.retry.maxDelayMs, delay * 2);
    await batch.moveTo('collecting');
  }
}

/**
 * Anthropic ran the request US-only (`usage.inference_geo: "us"`, 1.1 times the price) though the job did not ask:
 * the workspace's default inference geo says so, and the job's estimate, which reads the request, was 10% short.
 */
function ranUsOnlyUnasked(job: NormalizedJob, outcome: JobOutcome): boolean {
  const ran = outcome.status === 'succeeded' ? outcome.inferenceGeo : outcome.billed?.inferenceGeo;
  return ran === 'us' && job.providerOptions?.inference_geo !== 'us';
}

function warnUsOnly(port: BatchPort, batchId: string, count: number): void {
  port.logger.warn(
    `batch ${batchId}: Anthropic ran ${count} request(s) US-only (usage.inference_geo "us", the workspace's default ` +
      'inference geo) that did not ask for it: they cost 1.1 times the price, more than was reserved for them. Set ' +
      "providerOptions.anthropic.inference_geo: 'us' on these jobs so that estimates and the cost limit count it.",
  );
}

/** Every result is durable: the batch ends, journaled, and what it left at the provider is freed. */
async function finish(batch: ProviderBatch, port: BatchPort): Promise<void> {
  crashPoint('before-ended-record');
  try {
    await batch.moveTo('ended', { type: 'ended' });
  } catch (error) {
    // The results are on disk: a resume follows the batch again and finds nothing left to collect.
    port.logger.warn(`could not record the end of submission ${batch.submissionId}: ${messageOf(error)}`);
    await batch.moveTo('ended');
  }
  batch.requestsDone = batch.jobs.length;
  const ref = batch.ref!;
  const { cleanup } = port.provider;
  if (!cleanup) return;
  // Storage, not money: retried like any safe call, then left with a warning naming what stays behind.
  await retrying(port, `cleanup of ${ref.id}`, () => cleanup(ref)).catch((error: unknown) => {
    port.logger.warn(
      `cleanup of ${ref.id} failed; its input file stays at the provider: ${messageOf(error)}`,
    );
  });
}

/** Results could not all be read or written: they stay at the provider, the submission open for a resume. */
async function giveUp(
  batch: ProviderBatch,
  port: BatchPort,
  unwritten: Map<string, JobResult>,
  broken: unknown,
): Promise<void> {
  const ref = batch.ref!;
  for (const result of unwritten.values()) {
    const message = `the result of job "${result.jobId}" could not be written; it is still at the provider in batch ${ref.id}, and running the batch again collects it`;
    port.sink.keep(
      { ...result, status: 'failed', isSuccess: false, error: { code: 'write_failed', message } },
      { batch },
    );
  }
  if (broken !== null) {
    // Cut off by a stop's grace period, the jobs carry the stop's reason; either way a resume collects them.
    const stop = port.stop.pastGrace() ? stopError(port.stop.reason) : null;
    const message = `reading the results of ${ref.id} ${stop ? 'was cut off by the end of the grace period' : `failed: ${messageOf(broken)}`}. They are still at the provider; running the batch again (with a stateFile) collects them.`;
    if (!stop) port.report(new BatchwiseError('results_failed', message, { cause: broken }));
    const error = { code: stop ? stop.error.code : 'results_failed', message };
    for (const job of batch.jobs) {
      if (port.sink.has(job.id) || batch.isHandedBack(job.id)) continue;
      // Billed or not, nobody knows yet: the reservation stays.
      await settle(port, batch, failedResult(job, stop?.status ?? 'failed', error, ref.id), false);
    }
  }
  await batch.moveTo('failed');
}

/** Every job without a result ends with `error` (final: the batch has no more to give). Returns whether all are on disk. */
async function endRest(batch: ProviderBatch, port: BatchPort, error: ErrorInfo): Promise<boolean> {
  let durable = true;
  for (const job of batch.jobs) {
    if (port.sink.has(job.id) || batch.isHandedBack(job.id)) continue;
    durable = (await settle(port, batch, failedResult(job, 'failed', error, batch.ref!.id))) && durable;
  }
  return durable;
}

async function resultFor(
  batch: ProviderBatch,
  port: BatchPort,
  job: NormalizedJob,
  outcome: JobOutcome,
): Promise<JobResult> {
  const ref = batch.ref!;
  // What the run's own stop cancelled is not lost work: it ends resumable, and a resume sends it again.
  if (outcome.status === 'cancelled' && batch.cancelRequested) {
    const { status, error } = stopError(port.stop.reason);
    return failedResult(job, status, error, ref.id);
  }
  return buildResult(job, outcome, ref.id, port.prices, port.logger);
}

/** A job the provider returned nothing for ends with the batch's own fate when it expired or was cancelled. */
function missingResult(batch: ProviderBatch, port: BatchPort, job: NormalizedJob): JobResult {
  const ref = batch.ref!;
  if (batch.rawStatus === 'expired') {
    return failedResult(
      job,
      'expired',
      { code: 'expired', message: `provider batch ${ref.id} expired before this request ran` },
      ref.id,
    );
  }
  if (batch.rawStatus === 'cancelled' || batch.rawStatus === 'canceled' || batch.cancelRequested) {
    if (batch.cancelRequested) {
      const { status, error } = stopError(port.stop.reason);
      return failedResult(job, status, error, ref.id);
    }
    return failedResult(
      job,
      'cancelled',
      { code: 'cancelled', message: `provider batch ${ref.id} was cancelled before this request ran` },
      ref.id,
    );
  }
  return failedResult(
    job,
    'failed',
    { code: 'missing_result', message: `provider batch ${ref.id} ended without a result for this job` },
    ref.id,
  );
}

/**
 * A result that is not the job's last word: an invalid answer with `retryInvalid` left goes out again with what was
 * wrong; a job whose batch expired or was cancelled by someone else goes out again up to `maxRetries` times. Its
 * attempt's cost is booked and the job goes back to the scheduler (undefined is returned). Once the run is stopping
 * nothing is sent again: the job ends with the stop's resumable reason instead, so that a resume sends it — a stop
 * never turns a retryable outcome into a final one.
 */
async function resend(
  batch: ProviderBatch,
  port: BatchPort,
  job: NormalizedJob,
  result: JobResult,
): Promise<JobResult | undefined> {
  let again: NormalizedJob;
  if (result.status === 'invalid' && job.attempt <= job.retryInvalid) {
    again = withRetryNote(job, result.error?.message ?? 'it did not match the schema');
  } else if (
    (result.status === 'expired' || (result.status === 'cancelled' && !batch.cancelRequested)) &&
    job.resubmits < port.maxRetries
  ) {
    again = job.with({ resubmits: job.resubmits + 1 });
  } else {
    return result;
  }
  await port.sink.chargeAttempt(result, batch);
  const stop = port.stop.reason;
  if (stop) {
    const { status, error } = stopError(stop);
    // The answer was paid for: the result keeps it, and a resume's retry says what was wrong with it.
    return { ...failedResult(job, status, error, result.providerBatchId), rawResponse: result.rawResponse };
  }
  batch.handBack(again);
  return undefined;
}
