import { EventEmitter } from 'eventemitter3';
import { BatchwiseError, type ErrorInfo, messageOf, WaitTimeoutError } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { withRetryNote } from '../jobs/retry-note.js';
import type { ProviderName } from '../models/registry.js';
import { crashPoint } from '../store/crash-point.js';
import type { SubmissionState } from '../store/state-records.js';
import type { JobResult, Progress } from '../types.js';
import { BatchLifecycle, type RunContext } from './batch-lifecycle.js';
import type { BatchRunEvents, ProviderBatchInfo, ProviderBatchStatus } from './events.js';
import { formatStatus } from './format-status.js';
import { JobLedger } from './job-ledger.js';
import { type PlannedBatch, planBatches } from './plan-batches.js';
import type { RunConfig, StopReason } from './run-config.js';
import { Semaphore } from './semaphore.js';
import { failedResult } from './to-job-result.js';
import { batchInfo, type TrackedBatch, trackedBatch } from './tracked-batch.js';
import { WakeableSleep } from './wake-sleep.js';

export type { PollOptions, ResumeState, RetryOptions, RunConfig } from './run-config.js';

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
  private readonly ledger: JobLedger;
  private readonly batches: TrackedBatch[] = [];
  private readonly lifecycle: BatchLifecycle;
  private readonly sleeper = new WakeableSleep();
  private readonly startedAt = Date.now();
  private stopReason: StopReason | null = null;
  private finished: Promise<void> | undefined;
  private finishing: Promise<void> | undefined;
  private timeLimitTimer: NodeJS.Timeout | undefined;
  /** Jobs to send again (invalid answers, expired batches), planned once their batch is collected. */
  private readonly retryQueue: NormalizedJob[] = [];
  /** Jobs the cost limit held back until budget frees up. */
  private deferred: NormalizedJob[] = [];
  private costLimitNotified = false;
  /** The budget available when deferred jobs were last tried: trying again with no more budget cannot help. */
  private deferredTried = Number.NaN;

  /** @internal Created by `Batch.run()`. */
  constructor(config: RunConfig) {
    super();
    this.config = config;
    this.id = config.runId;
    this.ledger = new JobLedger(config.costLimitUsd, config.prices);
    this.jobsById = new Map(config.jobs.map((job) => [job.id, job]));
    this.lifecycle = new BatchLifecycle(this.context());
    for (const result of config.resume?.results ?? []) this.ledger.preload(result);
    for (const submission of config.resume?.submissions ?? []) this.trackResumed(submission);
    for (const plan of config.planned) this.track({ ...plan, index: this.batches.length });
  }

  /** What a provider batch's lifecycle may do to its run. */
  private context(): RunContext {
    return {
      config: this.config,
      ledger: this.ledger,
      stateId: this.config.resume?.stateId ?? this.id,
      stopReason: () => this.stopReason,
      job: (id) => this.jobsById.get(id)!,
      sleep: (ms) => this.sleeper.sleep(ms),
      record: (result) => this.record(result),
      defer: (jobs) => this.defer(jobs),
      queueRetry: (result) => this.queueRetry(result),
      planRetries: () => {
        if (this.retryQueue.length > 0) this.appendBatches(this.retryQueue.splice(0));
      },
      announce: (event, batch) => {
        this.emit(event, batchInfo(batch));
        if (event === 'batchSubmitted') this.emit('progress', this.progress());
      },
      reportError: (error: BatchwiseError) => this.emit('error', error),
    };
  }

  private track(plan: PlannedBatch, resumed: SubmissionState | null = null): void {
    this.batches.push(trackedBatch(plan, resumed));
  }

  /** A submission the state file knows: its jobs (as of then) are tracked again with their reservations. */
  private trackResumed(submission: SubmissionState): void {
    const { intent } = submission;
    const jobs: NormalizedJob[] = [];
    for (const [index, id] of intent.jobIds.entries()) {
      const job = this.jobsById.get(id);
      if (!job) continue;
      const resent = {
        ...job,
        attempt: intent.attempts[index] ?? 1,
        resubmits: intent.resubmits[index] ?? 0,
      };
      this.jobsById.set(id, resent);
      jobs.push(resent);
      if (!this.ledger.has(id)) this.ledger.budget.restore(id, intent.reservationsUsd[index] ?? null);
    }
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

  /** Every result so far, by job id, in the order the jobs were added (partial while running). */
  results(): Record<string, JobResult<T>> {
    const results: Record<string, JobResult<T>> = {};
    for (const id of this.jobsById.keys()) {
      const result = this.ledger.results.get(id);
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
    for (const result of this.ledger.results.values()) if (result.isSuccess) completed++;
    const total = this.jobsById.size;
    const failed = this.ledger.results.size - completed;
    const active = this.ledger.active.size;
    const count = (status: ProviderBatchStatus) => this.batches.filter((b) => b.status === status).length;
    return {
      batchId: this.id,
      total,
      pending: total - completed - failed - active,
      active,
      completed,
      failed,
      ...this.ledger.cost(),
      costLimitUsd: this.config.costLimitUsd ?? null,
      isComplete: this.ledger.results.size === total,
      batchesTotal: this.batches.length - count('skipped'),
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
      batches: this.batches.filter((b) => b.status !== 'skipped').map(batchInfo),
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

  private async schedule(): Promise<void> {
    const slots = new Semaphore(this.config.maxConcurrent);
    const running = new Set<Promise<void>>();
    // Batches are added while others run (retries, jobs the cost limit held back), so the list is re-read each turn.
    for (let next = 0; ; ) {
      if (next < this.batches.length) {
        const batch = this.batches[next++]!;
        await slots.acquire();
        if (this.stopReason) {
          slots.release();
          await this.endUnsubmitted(batch.plan.jobs);
          batch.status = 'ended';
          continue;
        }
        const task: Promise<void> = this.lifecycle.follow(batch).finally(() => {
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

  /** Jobs that will not be sent because the run stopped. */
  private async endUnsubmitted(jobs: NormalizedJob[]): Promise<void> {
    const error: ErrorInfo =
      this.stopReason?.kind === 'time_limit'
        ? { code: 'time_limit', message: 'time limit exceeded before this job finished' }
        : { code: 'shutdown', message: 'the run was shut down before this job was submitted' };
    for (const job of jobs) {
      await this.record(failedResult(job, error.code === 'time_limit' ? 'failed' : 'cancelled', error, null));
    }
  }

  private defer(jobs: NormalizedJob[]): void {
    const { budget } = this.ledger;
    this.deferred.push(...jobs);
    this.deferredTried = budget.availableUsd;
    if (this.costLimitNotified) return;
    this.costLimitNotified = true;
    this.config.logger.warn(
      `cost limit of $${budget.limitUsd} reached: ${jobs.length} job(s) wait for budget to free up`,
    );
    this.emit('costLimitReached', {
      limitUsd: budget.limitUsd!,
      spentUsd: budget.spentUsd,
      reservedUsd: budget.reservedUsd,
    });
  }

  /**
   * Sends jobs the cost limit held back once results have freed enough budget (reservations are worst cases; actual
   * costs are usually lower). When nothing is left in flight and still none fits, they end `failed` with
   * `cost_limit`. Returns whether new provider batches were planned.
   */
  private async releaseDeferred(nothingInFlight: boolean): Promise<boolean> {
    if (this.deferred.length === 0) return false;
    if (this.stopReason) {
      await this.endUnsubmitted(this.deferred.splice(0));
      return false;
    }
    // Trying again with no more budget than when they were held back cannot help.
    if (this.ledger.budget.availableUsd === this.deferredTried) {
      if (!nothingInFlight) return false;
      const message = `cost limit of $${this.ledger.budget.limitUsd} reached before this job could be sent`;
      for (const job of this.deferred.splice(0)) {
        await this.record(failedResult(job, 'failed', { code: 'cost_limit', message }, null));
      }
      return false;
    }
    this.appendBatches(this.deferred.splice(0));
    return true;
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
    this.ledger.account(result);
    this.jobsById.set(job.id, retry);
    this.ledger.active.delete(job.id);
    this.retryQueue.push(retry);
    this.config.logger.info(`job ${job.id}: ${result.status}, sending it again`);
    return true;
  }

  private appendBatches(jobs: NormalizedJob[]): void {
    const limitsFor = (provider: ProviderName) => this.config.providers.get(provider)!.limits;
    for (const plan of planBatches(jobs, { itemsPerBatch: this.config.itemsPerBatch, limitsFor })) {
      this.track({ ...plan, index: this.batches.length });
    }
  }

  /** Persists first, then tells: a listener never sees a result that a crash would lose. */
  private async record(attempt: JobResult): Promise<void> {
    if (this.ledger.has(attempt.jobId)) return;
    const result = this.ledger.account(attempt);
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
    this.ledger.store(result);
    this.emit(result.isSuccess ? 'jobCompleted' : 'jobFailed', result as JobResult<T>);
    this.emit('progress', this.progress());
  }
}
