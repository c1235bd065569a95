import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'eventemitter3';
import { loadFile } from '../content/load-file.js';
import { BatchwiseError, type ErrorInfo, ProviderError, WaitTimeoutError } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { withRetryNote } from '../jobs/retry-note.js';
import type { Logger } from '../log/logger.js';
import type { ProviderName } from '../models/registry.js';
import { estimateJob } from '../pricing/estimate.js';
import { batchCost, hasPrice, type PriceTable } from '../pricing/prices.js';
import type {
  BatchProvider,
  JobOutcome,
  ProviderBatchRef,
  ProviderBatchState,
  ProviderRequest,
} from '../providers/provider.js';
import { crashPoint } from '../store/crash-point.js';
import type { ResultsWriter } from '../store/results-writer.js';
import type { SubmissionState } from '../store/state-records.js';
import type { JobResult, Progress } from '../types.js';
import { buildResult } from './build-result.js';
import { CostBudget } from './cost-budget.js';
import type { BatchRunEvents, ProviderBatchInfo, ProviderBatchStatus } from './events.js';
import { formatStatus } from './format-status.js';
import { type PlannedBatch, planBatches } from './plan-batches.js';
import type { RunJournal } from './run-journal.js';
import { Semaphore } from './semaphore.js';
import { failedResult } from './to-job-result.js';
import { WakeableSleep } from './wake-sleep.js';

/** How often a provider batch is polled: `initialMs`, growing by `factor` per poll up to `maxMs`. */
export interface PollOptions {
  /** @default 2000 */
  initialMs?: number;
  /** @default 60000 */
  maxMs?: number;
  /** @default 1.5 */
  factor?: number;
}

/** Retries of calls that failed in a transient way (on top of the SDKs' own retries). */
export interface RetryOptions {
  /** Attempts of a submit or a results download before its jobs fail. @default 4 */
  attempts?: number;
  /** @default 1000 */
  initialDelayMs?: number;
  /** @default 30000 */
  maxDelayMs?: number;
}

export interface RunConfig {
  runId: string;
  jobs: NormalizedJob[];
  planned: PlannedBatch[];
  providers: ReadonlyMap<ProviderName, BatchProvider>;
  maxConcurrent: number;
  itemsPerBatch: number;
  resultsWriter: ResultsWriter | undefined;
  logger: Logger;
  timeLimitMs: number | undefined;
  costLimitUsd: number | undefined;
  prices: PriceTable;
  poll: Required<PollOptions>;
  retry: Required<RetryOptions>;
  /** Resubmissions of jobs whose provider batch expired or was cancelled by someone else. */
  maxRetries: number;
  journal: RunJournal;
  resume?: ResumeState;
  /** Called once the run has ended (release the state lock). */
  onFinished?: () => Promise<void>;
}

/** What a resumed run starts from: results already on disk and submissions the state file knows. */
export interface ResumeState {
  stateId: string;
  results: JobResult[];
  submissions: SubmissionState[];
}

interface TrackedBatch {
  plan: PlannedBatch;
  status: ProviderBatchStatus;
  ref: ProviderBatchRef | null;
  rawStatus: string | null;
  requestsDone: number;
  cancelRequested: boolean;
  /** Set once the intent is recorded: the custom_id prefix and OpenAI metadata of the submission. */
  submissionId: string | null;
  /** A submission from the state file: its intent (and provider batch id, when it was recorded). */
  resumed: SubmissionState | null;
}

/** A job ready to send: its request and what it may cost at most. */
interface Candidate {
  job: NormalizedJob;
  request: ProviderRequest;
  estimateUsd: number | null;
}

type StopReason = { kind: 'shutdown' | 'time_limit'; cancelActive: boolean };

/** A report of a run: its progress and each provider batch. */
export interface StatusReport {
  progress: Progress;
  batches: ProviderBatchInfo[];
}

/**
 * A running batch: provider batches are submitted (at most `maxConcurrent` in flight), polled with backoff, and
 * their results streamed into exactly one {@link JobResult} per job. Get one from `Batch.run()`.
 */
export class BatchRun<T = unknown> extends EventEmitter<BatchRunEvents<T>> {
  /** This run's id (also `Progress.batchId`). */
  readonly id: string;
  private readonly config: RunConfig;
  private readonly jobsById: Map<string, NormalizedJob>;
  private readonly resultsById = new Map<string, JobResult>();
  private readonly activeJobs = new Set<string>();
  private readonly batches: TrackedBatch[];
  private readonly sleeper = new WakeableSleep();
  private readonly startedAt = Date.now();
  private stopReason: StopReason | null = null;
  private finished: Promise<void> | undefined;
  private timeLimitTimer: NodeJS.Timeout | undefined;
  private readonly retryQueue: NormalizedJob[] = [];
  private readonly budget: CostBudget;
  /** Jobs the cost limit held back until budget frees up. */
  private deferred: NormalizedJob[] = [];
  private costLimitNotified = false;
  /** The budget available when deferred jobs were last tried: trying again with no more budget cannot help. */
  private deferredTried = Number.NaN;
  /** Cost of every attempt of a job so far (a job resent after an invalid answer was paid for twice). */
  private readonly costByJob = new Map<string, number>();
  private unknownCost = false;
  private finishing: Promise<void> | undefined;

  /** Stable across resumes when there is a state file; tags submissions (OpenAI metadata). */
  private get stateId(): string {
    return this.config.resume?.stateId ?? this.id;
  }

  /** @internal Created by `Batch.run()`. */
  constructor(config: RunConfig) {
    super();
    this.config = config;
    this.id = config.runId;
    this.budget = new CostBudget(config.costLimitUsd);
    this.jobsById = new Map(config.jobs.map((job) => [job.id, job]));
    this.batches = [];
    for (const result of config.resume?.results ?? []) {
      this.resultsById.set(result.jobId, result);
      this.budget.settle(result.jobId, result.costUsd);
      if (result.costUsd === null) this.unknownCost = true;
      else this.costByJob.set(result.jobId, result.costUsd);
    }
    for (const submission of config.resume?.submissions ?? []) this.trackResumed(submission);
    for (const plan of config.planned) this.track({ ...plan, index: this.batches.length });
  }

  private track(plan: PlannedBatch, resumed: SubmissionState | null = null): TrackedBatch {
    const batch: TrackedBatch = {
      plan,
      status: 'pending',
      ref: null,
      rawStatus: null,
      requestsDone: 0,
      cancelRequested: false,
      submissionId: resumed?.intent.submissionId ?? null,
      resumed,
    };
    this.batches.push(batch);
    return batch;
  }

  /** A submission the state file knows: its jobs (as of then) are tracked again with their reservations. */
  private trackResumed(submission: SubmissionState): void {
    const { intent } = submission;
    const jobs: NormalizedJob[] = [];
    intent.jobIds.forEach((id, index) => {
      const job = this.jobsById.get(id);
      if (!job) return;
      const resent = {
        ...job,
        attempt: intent.attempts[index] ?? 1,
        resubmits: intent.resubmits?.[index] ?? 0,
      };
      this.jobsById.set(id, resent);
      jobs.push(resent);
      if (!this.resultsById.has(id)) this.budget.restore(id, intent.reservationsUsd[index] ?? null);
    });
    this.track(
      { index: this.batches.length, provider: intent.provider, model: intent.model, jobs },
      submission,
    );
  }

  /**
   * @internal Starts the scheduler on the next turn of the event loop, so that whoever awaits `run()` can attach
   * listeners before any event fires.
   */
  start(): void {
    if (this.finished) return;
    if (this.config.timeLimitMs !== undefined) {
      this.timeLimitTimer = setTimeout(
        () => this.stop({ kind: 'time_limit', cancelActive: true }),
        this.config.timeLimitMs,
      );
    }
    this.finished = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.schedule())
      .finally(async () => {
        clearTimeout(this.timeLimitTimer);
        await this.finish();
      });
  }

  /** Every result so far, by job id (partial while running). */
  results(): Record<string, JobResult<T>> {
    const results: Record<string, JobResult<T>> = {};
    for (const id of this.jobsById.keys()) {
      const result = this.resultsById.get(id);
      if (result) results[id] = result as JobResult<T>;
    }
    return results;
  }

  /** Resolves with every result once every job has one; rejects with {@link WaitTimeoutError} after `timeoutMs`. */
  async wait(options: { timeoutMs?: number } = {}): Promise<Record<string, JobResult<T>>> {
    const finished = this.finished ?? Promise.resolve();
    if (options.timeoutMs === undefined) {
      await finished;
      return this.results();
    }
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new WaitTimeoutError(options.timeoutMs!)), options.timeoutMs);
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      clearTimeout(timer);
    }
    return this.results();
  }

  /**
   * Stops submitting. Jobs not yet submitted end `cancelled`. With `waitForActive: true` (the default) provider
   * batches in flight run to the end; with `false` they are cancelled at the provider, and what they had already
   * finished is still collected (it was paid for) before this resolves.
   */
  async shutdown(options: { waitForActive?: boolean } = {}): Promise<Record<string, JobResult<T>>> {
    this.stop({ kind: 'shutdown', cancelActive: options.waitForActive === false });
    return this.wait();
  }

  /** Calls `callback` with the progress every `intervalMs`, and once more when the run completes. */
  onProgress(callback: (progress: Progress) => void, intervalMs = 1000): () => void {
    const timer = setInterval(() => callback(this.progress()), intervalMs);
    timer.unref();
    const final = () => {
      clearInterval(timer);
      callback(this.progress());
    };
    this.once('complete', final);
    return () => {
      clearInterval(timer);
      this.off('complete', final);
    };
  }

  progress(): Progress {
    let completed = 0;
    for (const result of this.resultsById.values()) if (result.isSuccess) completed++;
    const total = this.jobsById.size;
    const failed = this.resultsById.size - completed;
    const active = this.activeJobs.size;
    const count = (status: ProviderBatchStatus) => this.batches.filter((b) => b.status === status).length;
    const counted = this.batches.length - count('skipped');
    return {
      batchId: this.id,
      total,
      pending: total - completed - failed - active,
      active,
      completed,
      failed,
      costUsd: this.unknownCost ? null : this.budget.spentUsd + this.budget.reservedUsd,
      costSpentUsd: this.unknownCost ? null : this.budget.spentUsd,
      costReservedUsd: this.budget.reservedUsd,
      costLimitUsd: this.config.costLimitUsd ?? null,
      isComplete: this.resultsById.size === total,
      batchesTotal: counted,
      batchesCompleted: count('ended'),
      batchesPending: count('pending'),
      itemsPerBatch: this.config.itemsPerBatch,
      elapsedMs: Date.now() - this.startedAt,
    };
  }

  /** The progress and every provider batch; with `print: true` also written to stdout as a table. */
  status(options: { print?: boolean } = {}): StatusReport {
    const report = {
      progress: this.progress(),
      batches: this.batches.filter((b) => b.status !== 'skipped').map((batch) => this.info(batch)),
    };
    if (options.print) console.log(formatStatus(report));
    return report;
  }

  private stop(reason: StopReason): void {
    if (this.stopReason && !(reason.cancelActive && !this.stopReason.cancelActive)) return;
    this.config.logger.info(
      `run ${this.id}: stopping (${reason.kind}${reason.cancelActive ? ', cancelling in-flight batches' : ''})`,
    );
    this.stopReason = reason;
    this.sleeper.wake();
  }

  private info(batch: TrackedBatch): ProviderBatchInfo {
    return {
      index: batch.plan.index,
      provider: batch.plan.provider,
      model: batch.plan.model,
      providerBatchId: batch.ref?.id ?? null,
      status: batch.status,
      rawStatus: batch.rawStatus,
      jobIds: batch.plan.jobs.map((job) => job.id),
      requestsDone: batch.requestsDone,
      requestsTotal: batch.plan.jobs.length,
    };
  }

  private async schedule(): Promise<void> {
    const slots = new Semaphore(this.config.maxConcurrent);
    const running = new Set<Promise<void>>();
    // Batches can be added while others run (jobs resent after an invalid answer), so the list is re-read each turn.
    for (let next = 0; ; ) {
      if (next < this.batches.length) {
        const batch = this.batches[next++]!;
        await slots.acquire();
        if (this.stopReason) {
          slots.release();
          await this.endUnsubmitted(batch);
          continue;
        }
        const task: Promise<void> = this.runBatch(batch).finally(() => {
          slots.release();
          running.delete(task);
        });
        running.add(task);
        continue;
      }
      if (running.size === 0) {
        if (await this.releaseDeferred(true)) continue;
        break;
      }
      await Promise.race(running);
      await this.releaseDeferred(false);
    }
    await this.finish();
    this.emit('progress', this.progress());
    this.emit('complete', this.results());
  }

  /** Closes the state file and releases its lock, once, however the run ended. */
  private async finish(): Promise<void> {
    this.finishing ??= (async () => {
      await this.config.journal.close();
      await this.config.onFinished?.();
    })();
    await this.finishing;
  }

  private async endUnsubmitted(batch: TrackedBatch): Promise<void> {
    const error = this.stopError();
    for (const job of batch.plan.jobs) {
      await this.record(failedResult(job, error.code === 'time_limit' ? 'failed' : 'cancelled', error, null));
    }
    batch.status = 'ended';
  }

  private stopError(): ErrorInfo {
    return this.stopReason?.kind === 'time_limit'
      ? { code: 'time_limit', message: 'time limit exceeded before this job finished' }
      : { code: 'shutdown', message: 'the run was shut down before this job was submitted' };
  }

  private async runBatch(batch: TrackedBatch): Promise<void> {
    const provider = this.config.providers.get(batch.plan.provider)!;
    batch.status = 'submitting';
    const adopted = batch.resumed ? await this.adopt(batch, provider) : 'resubmit';
    if (adopted === 'failed') return;
    const submission = adopted === 'resubmit' ? await this.submit(batch, provider) : adopted;
    if (!submission) return;
    const { ref, requests } = submission;
    batch.ref = ref;
    batch.status = 'active';
    for (const request of requests)
      if (!this.resultsById.has(request.jobId)) this.activeJobs.add(request.jobId);
    this.emit('batchSubmitted', this.info(batch));
    this.emit('progress', this.progress());

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
          await this.record(failedResult(this.jobsById.get(request.jobId)!, 'failed', error, ref.id));
      }
      await this.failBatch(batch, requests, ended.state.failure, ref.id);
    } else {
      await this.collect(batch, provider, ref, requests);
    }
    crashPoint('before-ended-record');
    await this.config.journal.ended(batch.submissionId!);
    await provider.cleanup?.(ref).catch((error: unknown) => {
      this.config.logger.warn(`cleanup of ${ref.id} failed: ${messageOf(error)}`);
    });
  }

  /**
   * A fresh submission: build and admit the requests, record the intent (flushed), create the provider batch, record
   * its id. A crash between the create and the record is what {@link adopt} recovers from.
   */
  private async submit(
    batch: TrackedBatch,
    provider: BatchProvider,
  ): Promise<{ ref: ProviderBatchRef; requests: ProviderRequest[] } | undefined> {
    const candidates = await this.buildRequests(batch, provider);
    const { admitted, deferred } = this.budget.admit(candidates);
    if (deferred.length > 0) this.deferJobs(deferred.map((c) => c.job));
    batch.plan = { ...batch.plan, jobs: admitted.map((c) => c.job) };
    if (admitted.length === 0) {
      batch.status = 'skipped';
      return undefined;
    }
    const submissionId = newSubmissionId();
    batch.submissionId = submissionId;
    const requests = admitted.map((c) => ({ ...c.request, customId: `${submissionId}_${c.job.id}` }));
    for (const request of requests) {
      await this.config.resultsWriter?.writeRaw(request.jobId, 'request', {
        custom_id: request.customId,
        body: request.body,
      });
    }
    const intentAt = Date.now();
    crashPoint('before-intent');
    await this.config.journal.intent({
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
      ref = await this.withRetry(`submit of batch ${batch.plan.index}`, () =>
        provider.submit(requests, {
          runId: this.stateId,
          submissionId,
          requestCount: requests.length,
          intentAt,
        }),
      );
    } catch (error) {
      await this.config.journal.abandoned(submissionId);
      await this.failBatch(batch, requests, { code: 'submit_failed', message: messageOf(error) }, null);
      return undefined;
    }
    crashPoint('after-create');
    await this.config.journal.submitted(submissionId, ref.id);
    crashPoint('after-submitted-record');
    this.config.logger.info(`submitted ${batch.plan.provider} batch ${ref.id} (${requests.length} jobs)`);
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
  ): Promise<{ ref: ProviderBatchRef; requests: ProviderRequest[] } | 'resubmit' | 'failed'> {
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
      runId: this.stateId,
      submissionId: intent.submissionId,
      requestCount: intent.jobIds.length,
      intentAt: intent.intentAt,
    };
    let found: ProviderBatchRef | undefined;
    try {
      for (const candidate of await this.withRetry('look-up of an orphaned submission', () =>
        provider.findSubmitted(tag),
      )) {
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
      this.config.logger.info(
        `adopted ${intent.provider} batch ${found.id} of submission ${intent.submissionId} after a crash`,
      );
      await this.config.journal.submitted(intent.submissionId, found.id);
      return { ref: found, requests };
    }
    await this.config.journal.abandoned(intent.submissionId);
    for (const id of intent.jobIds) if (!this.resultsById.has(id)) this.budget.settle(id, 0);
    batch.resumed = null;
    batch.plan = { ...batch.plan, jobs: batch.plan.jobs.filter((job) => !this.resultsById.has(job.id)) };
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
        const estimateUsd = batchCost(job.model, job.provider, estimate, this.config.prices);
        candidates.push({ job, request, estimateUsd });
      } catch (error) {
        await this.record(
          failedResult(job, 'failed', { code: 'file_unreadable', message: messageOf(error) }, null),
        );
      }
    }
    return candidates;
  }

  private deferJobs(jobs: NormalizedJob[]): void {
    this.deferred.push(...jobs);
    this.deferredTried = this.budget.availableUsd;
    if (!this.costLimitNotified) {
      this.costLimitNotified = true;
      this.config.logger.warn(
        `cost limit of $${this.budget.limitUsd} reached: ${jobs.length} job(s) wait for budget to free up`,
      );
      this.emit('costLimitReached', {
        limitUsd: this.budget.limitUsd!,
        spentUsd: this.budget.spentUsd,
        reservedUsd: this.budget.reservedUsd,
      });
    }
  }

  /**
   * Sends jobs the cost limit held back once results have freed enough budget (reservations are worst cases; actual
   * costs are usually lower). When nothing is left in flight and still none fits, they end `failed` with
   * `cost_limit`. Returns whether new provider batches were planned.
   */
  private async releaseDeferred(nothingInFlight: boolean): Promise<boolean> {
    if (this.deferred.length === 0) return false;
    if (this.stopReason) {
      const jobs = this.deferred.splice(0);
      const error = this.stopError();
      for (const job of jobs)
        await this.record(
          failedResult(job, error.code === 'time_limit' ? 'failed' : 'cancelled', error, null),
        );
      return false;
    }
    // Trying again with no more budget than when they were held back cannot help.
    if (this.budget.availableUsd === this.deferredTried) {
      if (!nothingInFlight) return false;
      const jobs = this.deferred.splice(0);
      const message = `cost limit of $${this.budget.limitUsd} reached before this job could be sent`;
      for (const job of jobs)
        await this.record(failedResult(job, 'failed', { code: 'cost_limit', message }, null));
      return false;
    }
    this.appendBatches(this.deferred.splice(0));
    return true;
  }

  private async pollUntilEnded(
    batch: TrackedBatch,
    provider: BatchProvider,
    ref: ProviderBatchRef,
  ): Promise<{ state: ProviderBatchState | null; unreachable: ErrorInfo | null }> {
    const { initialMs, maxMs, factor } = this.config.poll;
    let delay = initialMs;
    let fatalErrors = 0;
    for (;;) {
      if (this.stopReason?.cancelActive && !batch.cancelRequested) await this.cancel(batch, provider, ref);
      try {
        crashPoint('poll');
        const state = await provider.poll(ref);
        fatalErrors = 0;
        batch.rawStatus = state.rawStatus;
        batch.requestsDone = state.requestsDone;
        if (state.phase === 'ended') return { state, unreachable: null };
      } catch (error) {
        const retryable = !(error instanceof ProviderError) || error.isRetryable;
        this.config.logger.warn(
          `poll of ${ref.id} failed (${retryable ? 'will retry' : 'not retryable'}): ${messageOf(error)}`,
        );
        // A transient error says nothing about the batch, which may still finish: keep polling. Only a batch the
        // provider keeps refusing to show us (404, 401, 403) is given up on, with its id in the reason.
        if (!retryable && ++fatalErrors >= 3) {
          const unreachable = {
            code: 'poll_failed',
            message: `could not read provider batch ${ref.id}: ${messageOf(error)}. Its results may still be at the provider.`,
          };
          this.emit('error', new BatchwiseError('poll_failed', unreachable.message));
          return { state: null, unreachable };
        }
      }
      await this.sleeper.sleep(delay);
      delay = Math.min(maxMs, delay * factor);
    }
  }

  private async cancel(batch: TrackedBatch, provider: BatchProvider, ref: ProviderBatchRef): Promise<void> {
    try {
      await this.withRetry(`cancel of ${ref.id}`, () => provider.cancel(ref));
      batch.cancelRequested = true;
    } catch (error) {
      // A batch that ended meanwhile cannot be cancelled; polling shows which it was.
      batch.cancelRequested = true;
      this.config.logger.warn(`cancel of ${ref.id} failed: ${messageOf(error)}`);
    }
  }

  /** Streams the results; a broken stream is read again, and each job takes only its first result. */
  private async collect(
    batch: TrackedBatch,
    provider: BatchProvider,
    ref: ProviderBatchRef,
    requests: ProviderRequest[],
  ): Promise<void> {
    const byCustomId = new Map(requests.map((r) => [r.customId, r.jobId]));
    const retried = new Set<string>();
    try {
      await this.withRetry(`results of ${ref.id}`, async () => {
        for await (const outcome of provider.results(ref)) {
          const jobId = byCustomId.get(outcome.customId);
          if (jobId === undefined) {
            this.config.logger.warn(
              `batch ${ref.id} returned a result for unknown custom_id ${outcome.customId}`,
            );
            continue;
          }
          if (this.resultsById.has(jobId) || retried.has(jobId)) continue;
          crashPoint('results-stream');
          await this.config.resultsWriter?.writeRaw(jobId, 'response', outcome.raw);
          const result = await this.resultFor(this.jobsById.get(jobId)!, outcome, ref.id);
          if (this.queueRetry(result)) {
            retried.add(jobId);
            continue;
          }
          await this.record(result);
        }
      });
    } catch (error) {
      this.emit(
        'error',
        new BatchwiseError('results_failed', `reading the results of ${ref.id} failed: ${messageOf(error)}`),
      );
    }
    await this.failBatch(
      batch,
      requests.filter((r) => !retried.has(r.jobId)),
      { code: 'missing_result', message: `provider batch ${ref.id} ended without a result for this job` },
      ref.id,
    );
    this.planRetries();
  }

  private async resultFor(
    job: NormalizedJob,
    outcome: JobOutcome,
    providerBatchId: string,
  ): Promise<JobResult> {
    const result = await buildResult(job, outcome, providerBatchId, this.config.prices);
    if (outcome.status === 'cancelled' && this.stopReason?.kind === 'time_limit') {
      return {
        ...result,
        status: 'failed',
        error: { code: 'time_limit', message: 'time limit exceeded before this job finished' },
      };
    }
    return result;
  }

  /**
   * A result that is not final yet: an invalid answer with `retryInvalid` left is sent again with what was wrong; a
   * job whose provider batch expired (or was cancelled by someone else) is sent again up to `maxRetries` times. The
   * job goes back to pending and out in a new provider batch once this one is collected.
   */
  private queueRetry(result: JobResult): boolean {
    const job = this.jobsById.get(result.jobId)!;
    if (this.stopReason) return false;
    let retry: NormalizedJob;
    if (result.status === 'invalid' && job.attempt <= job.retryInvalid) {
      retry = withRetryNote(job, result.error?.message ?? 'it did not match the schema');
    } else if (
      (result.status === 'expired' || result.status === 'cancelled') &&
      job.resubmits < this.config.maxRetries
    ) {
      retry = { ...job, resubmits: job.resubmits + 1 };
    } else {
      return false;
    }
    this.account(result);
    this.jobsById.set(job.id, retry);
    this.activeJobs.delete(job.id);
    this.retryQueue.push(retry);
    this.config.logger.info(`job ${job.id}: ${result.status}, sending it again`);
    return true;
  }

  /** Plans the queued retries into new provider batches at the end of the list. */
  private planRetries(): void {
    if (this.retryQueue.length > 0) this.appendBatches(this.retryQueue.splice(0));
  }

  private appendBatches(jobs: NormalizedJob[]): void {
    const limitsFor = (provider: ProviderName) => this.config.providers.get(provider)!.limits;
    for (const plan of planBatches(jobs, { itemsPerBatch: this.config.itemsPerBatch, limitsFor })) {
      this.track({ ...plan, index: this.batches.length });
    }
  }

  /** Ends every job of the batch that has no result yet with `error`, and marks the batch ended. */
  private async failBatch(
    batch: TrackedBatch,
    requests: ProviderRequest[],
    error: ErrorInfo,
    providerBatchId: string | null,
  ): Promise<void> {
    for (const request of requests) {
      if (this.resultsById.has(request.jobId)) continue;
      await this.record(failedResult(this.jobsById.get(request.jobId)!, 'failed', error, providerBatchId));
    }
    batch.status = 'ended';
    batch.requestsDone = batch.plan.jobs.length;
    this.emit('batchCompleted', this.info(batch));
  }

  /** Persists first, then tells: a listener never sees a result that a crash would lose. */
  private async record(attempt: JobResult): Promise<void> {
    if (this.resultsById.has(attempt.jobId)) return;
    const result = this.account(attempt);
    try {
      crashPoint('before-result-write');
      await this.config.resultsWriter?.writeResult(result);
      crashPoint('after-result-write');
    } catch (error) {
      this.emit(
        'error',
        new BatchwiseError(
          'write_failed',
          `writing the result of job "${result.jobId}" failed: ${messageOf(error)}`,
        ),
      );
    }
    this.resultsById.set(result.jobId, result);
    this.activeJobs.delete(result.jobId);
    this.emit(result.isSuccess ? 'jobCompleted' : 'jobFailed', result as JobResult<T>);
    this.emit('progress', this.progress());
  }

  /** Settles a job attempt's cost against the budget; returns the result with the job's cost over all attempts. */
  private account(attempt: JobResult): JobResult {
    // A job that ended without running was not billed: it cost 0 wherever the model's price is known.
    const costUsd =
      attempt.costUsd ?? (hasPrice(attempt.model, attempt.provider, this.config.prices) ? 0 : null);
    const result = { ...attempt, costUsd };
    this.budget.settle(result.jobId, result.costUsd);
    if (result.costUsd === null) {
      this.unknownCost = true;
      return result;
    }
    const total = (this.costByJob.get(result.jobId) ?? 0) + result.costUsd;
    this.costByJob.set(result.jobId, total);
    return { ...result, costUsd: total };
  }

  private async withRetry<T>(what: string, call: () => Promise<T>): Promise<T> {
    const { attempts, initialDelayMs, maxDelayMs } = this.config.retry;
    let delay = initialDelayMs;
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const retryable = !(error instanceof ProviderError) || error.isRetryable;
        if (!retryable || attempt >= attempts) throw error;
        this.config.logger.warn(
          `${what} failed (attempt ${attempt} of ${attempts}), retrying: ${messageOf(error)}`,
        );
        await new Promise((resolve) => setTimeout(resolve, delay));
        delay = Math.min(maxDelayMs, delay * 2);
      }
    }
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/** 8 characters, [a-z0-9]: with "_" it prefixes custom_ids (job ids are at most 48 characters, so they fit in 64). */
function newSubmissionId(): string {
  return BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString(36)
    .padStart(8, '0')
    .slice(-8);
}
