import { loadFile } from '../content/load-file.js';
import { BatchwiseError, type ErrorInfo, messageOf, ProviderError } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { estimateJob } from '../pricing/estimate.js';
import { batchCost } from '../pricing/prices.js';
import type {
  BatchProvider,
  JobOutcome,
  ProviderBatchRef,
  ProviderBatchState,
  ProviderRequest,
} from '../providers/provider.js';
import { crashPoint } from '../store/crash-point.js';
import type { JobResult } from '../types.js';
import { buildResult } from './build-result.js';
import type { JobLedger } from './job-ledger.js';
import type { RunConfig, StopReason } from './run-config.js';
import { failedResult } from './to-job-result.js';
import { type Candidate, newSubmissionId, type TrackedBatch } from './tracked-batch.js';
import { withRetry } from './with-retry.js';

/** What the lifecycle of one provider batch needs from its run. */
export interface RunContext {
  readonly config: RunConfig;
  readonly ledger: JobLedger;
  /** Stable across resumes; tags submissions. */
  readonly stateId: string;
  stopReason(): StopReason | null;
  job(id: string): NormalizedJob;
  /** A sleep that a shutdown or time limit cuts short. */
  sleep(ms: number): Promise<void>;
  /** Persists a job's final result, then tells listeners. */
  record(result: JobResult): Promise<void>;
  /** Jobs the cost limit held back. */
  defer(jobs: NormalizedJob[]): void;
  /** A result that is not final (invalid with retries left, expired): true when the job was queued again. */
  queueRetry(result: JobResult): boolean;
  planRetries(): void;
  announce(event: 'batchSubmitted' | 'batchCompleted', batch: TrackedBatch): void;
  reportError(error: BatchwiseError): void;
}

type Submission = { ref: ProviderBatchRef; requests: ProviderRequest[] };

/**
 * One provider batch from plan to end: submit (with its intent recorded first) or adopt (after a crash), poll with
 * backoff, cancel when the run stops, collect results by custom_id, and record the end.
 */
export class BatchLifecycle {
  constructor(private readonly run: RunContext) {}

  private retry<T>(what: string, call: () => Promise<T>): Promise<T> {
    return withRetry(what, call, this.run.config.retry, this.run.config.logger);
  }

  async follow(batch: TrackedBatch): Promise<void> {
    const { config, ledger } = this.run;
    const provider = config.providers.get(batch.plan.provider)!;
    batch.status = 'submitting';
    const adopted = batch.resumed ? await this.adopt(batch, provider) : 'resubmit';
    if (adopted === 'failed') return;
    const submission = adopted === 'resubmit' ? await this.submit(batch, provider) : adopted;
    if (!submission) return;
    const { ref, requests } = submission;
    batch.ref = ref;
    batch.status = 'active';
    for (const request of requests) if (!ledger.has(request.jobId)) ledger.active.add(request.jobId);
    this.run.announce('batchSubmitted', batch);

    const ended = await this.pollUntilEnded(batch, provider, ref);
    if (ended.unreachable) {
      await this.failBatch(batch, requests, ended.unreachable, ref.id);
      return;
    }
    if (ended.state?.failure) {
      // Each request the provider blamed gets its own reason; the others get the batch's.
      for (const { index, error } of ended.state.requestErrors ?? []) {
        const request = requests[index];
        if (request)
          await this.run.record(failedResult(this.run.job(request.jobId), 'failed', error, ref.id));
      }
      await this.failBatch(batch, requests, ended.state.failure, ref.id);
    } else if (!(await this.collect(batch, provider, ref, requests))) {
      // The results are still at the provider: the submission stays open in the state file, so that running the
      // batch again collects them instead of losing what was paid for.
      return;
    }
    crashPoint('before-ended-record');
    await config.journal.ended(batch.submissionId!);
    await provider.cleanup?.(ref).catch((error: unknown) => {
      config.logger.warn(`cleanup of ${ref.id} failed: ${messageOf(error)}`);
    });
  }

  /**
   * A fresh submission: build and admit the requests, record the intent (flushed), create the provider batch, record
   * its id. A crash between the create and the record is what {@link adopt} recovers from.
   */
  private async submit(batch: TrackedBatch, provider: BatchProvider): Promise<Submission | undefined> {
    const { config, ledger } = this.run;
    const candidates = await this.buildRequests(batch, provider);
    const { admitted, deferred } = ledger.budget.admit(candidates);
    if (deferred.length > 0) this.run.defer(deferred.map((c) => c.job));
    batch.plan = { ...batch.plan, jobs: admitted.map((c) => c.job) };
    if (admitted.length === 0) {
      batch.status = 'skipped';
      return undefined;
    }
    const submissionId = newSubmissionId();
    batch.submissionId = submissionId;
    const requests = admitted.map((c) => ({ ...c.request, customId: `${submissionId}_${c.job.id}` }));
    for (const request of requests) {
      await config.resultsWriter?.writeRaw(request.jobId, 'request', {
        custom_id: request.customId,
        body: request.body,
      });
    }
    const intentAt = Date.now();
    crashPoint('before-intent');
    await config.journal.intent({
      submissionId,
      provider: batch.plan.provider,
      model: batch.plan.model,
      jobIds: admitted.map((c) => c.job.id),
      reservationsUsd: admitted.map((c) => c.estimateUsd),
      attempts: admitted.map((c) => c.job.attempt),
      resubmits: admitted.map((c) => c.job.resubmits),
      intentAt,
    });
    crashPoint('after-intent');
    let ref: ProviderBatchRef;
    try {
      const tag = { runId: this.run.stateId, submissionId, requestCount: requests.length, intentAt };
      ref = await this.retry(`submit of batch ${batch.plan.index}`, () => provider.submit(requests, tag));
    } catch (error) {
      await config.journal.abandoned(submissionId);
      await this.failBatch(batch, requests, { code: 'submit_failed', message: messageOf(error) }, null);
      return undefined;
    }
    crashPoint('after-create');
    await config.journal.submitted(submissionId, ref.id);
    crashPoint('after-submitted-record');
    config.logger.info(`submitted ${batch.plan.provider} batch ${ref.id} (${requests.length} jobs)`);
    return { ref, requests };
  }

  /**
   * A submission from the state file. With its provider batch id, it is simply followed again. Without one (the
   * process died between create and record), the provider is asked for a batch carrying the submission's tag; one
   * found is adopted, so nothing is paid twice. None found: the intent is marked abandoned and the jobs go out anew.
   */
  private async adopt(
    batch: TrackedBatch,
    provider: BatchProvider,
  ): Promise<Submission | 'resubmit' | 'failed'> {
    const { config, ledger } = this.run;
    const submission = batch.resumed!;
    const { intent } = submission;
    // Every request of the submission, in its order, so that per-line errors and custom_ids map back to jobs.
    const requests = intent.jobIds.map((jobId) => ({
      customId: `${intent.submissionId}_${jobId}`,
      jobId,
      body: {},
    }));
    if (submission.providerBatchId) {
      return { ref: { provider: intent.provider, id: submission.providerBatchId }, requests };
    }
    const tag = {
      runId: this.run.stateId,
      submissionId: intent.submissionId,
      requestCount: intent.jobIds.length,
      intentAt: intent.intentAt,
    };
    let found: ProviderBatchRef | undefined;
    try {
      const candidates = await this.retry('look-up of an orphaned submission', () =>
        provider.findSubmitted(tag),
      );
      for (const candidate of candidates) {
        if (
          candidate.confirmed ||
          (await this.confirm(batch, provider, candidate.ref, intent.submissionId))
        ) {
          found = candidate.ref;
          break;
        }
      }
    } catch (error) {
      // Not knowing is not "not found": resubmitting could pay twice. The jobs fail with the reason instead.
      const message = `could not check whether submission ${intent.submissionId} reached ${intent.provider}: ${messageOf(error)}. Run again to retry.`;
      await this.failBatch(batch, requests, { code: 'adopt_failed', message }, null);
      return 'failed';
    }
    if (found) {
      config.logger.info(
        `adopted ${intent.provider} batch ${found.id} of submission ${intent.submissionId} after a crash`,
      );
      await config.journal.submitted(intent.submissionId, found.id);
      return { ref: found, requests };
    }
    await config.journal.abandoned(intent.submissionId);
    for (const id of intent.jobIds) if (!ledger.has(id)) ledger.budget.settle(id, 0);
    batch.resumed = null;
    batch.plan = { ...batch.plan, jobs: batch.plan.jobs.filter((job) => !ledger.has(job.id)) };
    return 'resubmit';
  }

  /** Whether a candidate batch is this submission's: once it has ended, its custom_ids carry the prefix. */
  private async confirm(
    batch: TrackedBatch,
    provider: BatchProvider,
    ref: ProviderBatchRef,
    submissionId: string,
  ): Promise<boolean> {
    const ended = await this.pollUntilEnded(batch, provider, ref);
    if (!ended.state) return false;
    for await (const outcome of provider.results(ref)) return outcome.customId.startsWith(`${submissionId}_`);
    return false;
  }

  /** Reads each job's file, maps it and estimates its cost; a job whose file can no longer be read fails alone. */
  private async buildRequests(batch: TrackedBatch, provider: BatchProvider): Promise<Candidate[]> {
    const candidates: Candidate[] = [];
    for (const job of batch.plan.jobs) {
      try {
        const file = job.content.kind === 'file' ? await loadFile(job.content.file) : null;
        const request = provider.toRequest(job, file);
        const estimate = await estimateJob(job, request.body, file);
        const estimateUsd = batchCost(job.model, job.provider, estimate, this.run.config.prices);
        candidates.push({ job, request, estimateUsd });
      } catch (error) {
        await this.run.record(
          failedResult(job, 'failed', { code: 'file_unreadable', message: messageOf(error) }, null),
        );
      }
    }
    return candidates;
  }

  private async pollUntilEnded(
    batch: TrackedBatch,
    provider: BatchProvider,
    ref: ProviderBatchRef,
  ): Promise<{ state: ProviderBatchState | null; unreachable: ErrorInfo | null }> {
    const { initialMs, maxMs, factor } = this.run.config.poll;
    let delay = initialMs;
    let fatalErrors = 0;
    for (;;) {
      if (this.run.stopReason()?.cancelActive && !batch.cancelRequested)
        await this.cancel(batch, provider, ref);
      try {
        crashPoint('poll');
        const state = await provider.poll(ref);
        fatalErrors = 0;
        batch.rawStatus = state.rawStatus;
        batch.requestsDone = state.requestsDone;
        if (state.phase === 'ended') return { state, unreachable: null };
      } catch (error) {
        const retryable = !(error instanceof ProviderError) || error.isRetryable;
        this.run.config.logger.warn(
          `poll of ${ref.id} failed (${retryable ? 'will retry' : 'not retryable'}): ${messageOf(error)}`,
        );
        // A transient error says nothing about the batch, which may still finish: keep polling. Only a batch the
        // provider keeps refusing to show us (404, 401, 403) is given up on, with its id in the reason.
        if (!retryable && ++fatalErrors >= 3) {
          const unreachable = {
            code: 'poll_failed',
            message: `could not read provider batch ${ref.id}: ${messageOf(error)}. Its results may still be at the provider.`,
          };
          this.run.reportError(new BatchwiseError('poll_failed', unreachable.message));
          return { state: null, unreachable };
        }
      }
      await this.run.sleep(delay);
      delay = Math.min(maxMs, delay * factor);
    }
  }

  private async cancel(batch: TrackedBatch, provider: BatchProvider, ref: ProviderBatchRef): Promise<void> {
    // Marked first: a batch that ended meanwhile cannot be cancelled, and polling shows which it was.
    batch.cancelRequested = true;
    try {
      await this.retry(`cancel of ${ref.id}`, () => provider.cancel(ref));
    } catch (error) {
      this.run.config.logger.warn(`cancel of ${ref.id} failed: ${messageOf(error)}`);
    }
  }

  /**
   * Streams the results; a broken stream is read again, and each job takes only its first result. Returns false
   * when the results could not be read (after retries): their jobs end `results_failed`, to be collected by a resume.
   */
  private async collect(
    batch: TrackedBatch,
    provider: BatchProvider,
    ref: ProviderBatchRef,
    requests: ProviderRequest[],
  ): Promise<boolean> {
    const { config, ledger } = this.run;
    const byCustomId = new Map(requests.map((r) => [r.customId, r.jobId]));
    const retried = new Set<string>();
    try {
      await this.retry(`results of ${ref.id}`, async () => {
        for await (const outcome of provider.results(ref)) {
          const jobId = byCustomId.get(outcome.customId);
          if (jobId === undefined) {
            config.logger.warn(`batch ${ref.id} returned a result for unknown custom_id ${outcome.customId}`);
            continue;
          }
          if (ledger.has(jobId) || retried.has(jobId)) continue;
          crashPoint('results-stream');
          await config.resultsWriter?.writeRaw(jobId, 'response', outcome.raw);
          const result = await this.resultFor(this.run.job(jobId), outcome, ref.id);
          if (this.run.queueRetry(result)) {
            retried.add(jobId);
            continue;
          }
          await this.run.record(result);
        }
      });
    } catch (error) {
      const message = `reading the results of ${ref.id} failed: ${messageOf(error)}. They are still at the provider; with a stateFile, running the batch again collects them.`;
      this.run.reportError(new BatchwiseError('results_failed', message));
      await this.failBatch(
        batch,
        requests.filter((r) => !retried.has(r.jobId)),
        { code: 'results_failed', message },
        ref.id,
      );
      this.run.planRetries();
      return false;
    }
    // A job the provider returned nothing for ends with the batch's own fate when it expired or was cancelled.
    const fate =
      batch.rawStatus === 'expired' ? 'expired' : batch.rawStatus === 'cancelled' ? 'cancelled' : null;
    await this.failBatch(
      batch,
      requests.filter((r) => !retried.has(r.jobId)),
      fate
        ? { code: fate, message: `provider batch ${ref.id} ${fate} before this request ran` }
        : { code: 'missing_result', message: `provider batch ${ref.id} ended without a result for this job` },
      ref.id,
      fate ?? 'failed',
    );
    this.run.planRetries();
    return true;
  }

  private async resultFor(
    job: NormalizedJob,
    outcome: JobOutcome,
    providerBatchId: string,
  ): Promise<JobResult> {
    const result = await buildResult(job, outcome, providerBatchId, this.run.config.prices);
    if (outcome.status === 'cancelled' && this.run.stopReason()?.kind === 'time_limit') {
      return {
        ...result,
        status: 'failed',
        error: { code: 'time_limit', message: 'time limit exceeded before this job finished' },
      };
    }
    return result;
  }

  /** Ends every job of the batch that has no result yet with `error`, and marks the batch ended. */
  private async failBatch(
    batch: TrackedBatch,
    requests: ProviderRequest[],
    error: ErrorInfo,
    providerBatchId: string | null,
    status: 'failed' | 'expired' | 'cancelled' = 'failed',
  ): Promise<void> {
    for (const request of requests) {
      if (this.run.ledger.has(request.jobId)) continue;
      await this.run.record(failedResult(this.run.job(request.jobId), status, error, providerBatchId));
    }
    batch.status = 'ended';
    batch.requestsDone = batch.plan.jobs.length;
    this.run.announce('batchCompleted', batch);
  }
}
