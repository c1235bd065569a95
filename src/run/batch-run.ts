import { BatchwiseError, WaitTimeoutError } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import type { ProviderName } from '../models/registry.js';
import {
  checkProgressListener,
  checkShutdownOptions,
  checkStatusOptions,
  checkWaitOptions,
} from '../options/check-run-options.js';
import type { SubmissionState } from '../store/state-records.js';
import type { JobResult, Progress } from '../types.js';
import type { BatchRunEvents, ProviderBatchInfo } from './events.js';
import { formatStatus } from './format-status.js';
import { JobLedger } from './job-ledger.js';
import { type LongTimer, setLongTimeout } from './long-timer.js';
import type { BatchPhase } from './machine/batch-phase.js';
import type { BatchPort } from './machine/batch-port.js';
import type { ProviderBatch } from './machine/provider-batch.js';
import { withSignal } from './machine/signalled-provider.js';
import { ResultSink } from './result-sink.js';
import type { RunConfig, RunSettings, StopReason } from './run-config.js';
import { SafeEmitter } from './safe-emitter.js';
import { type ResumedSubmission, Scheduler } from './scheduler.js';
import { StopSignal } from './stop-signal.js';

export type { PollOptions, ResumeState, RetryOptions, RunConfig } from './run-config.js';

/** A report of a run: its progress and each provider batch. */
export interface StatusReport {
  progress: Progress;
  batches: ProviderBatchInfo[];
}

/**
 * A running batch: provider batches are submitted (at most `maxConcurrent` in flight), polled with backoff, and
 * their results streamed into exactly one {@link JobResult} per job. Get one from `Batch.run()`.
 *
 * Listeners cannot hurt it: one that throws is logged and changes nothing; `'error'` events also reach the logger.
 */
export class BatchRun<T = unknown> extends SafeEmitter<BatchRunEvents<T>> {
  /** This run's id (also `Progress.batchId`). */
  readonly id: string;
  private readonly config: RunSettings;
  private readonly ledger: JobLedger;
  private readonly stopSignal: StopSignal;
  private readonly scheduler: Scheduler;
  private readonly startedAt = Date.now();
  /** Results this run started with (a resume's, a sample's): not part of the rate the ETA is taken from. */
  private doneAtStart = 0;
  /** The most `processedByProvider` has been: a job sent again (after an invalid answer) does not move a bar back. */
  private processedHigh = 0;
  private finished: Promise<void> | undefined;
  private finishing: Promise<void> | undefined;
  /** Set once the final `progress` event is out: an `onProgress` after it gets the final progress, once. */
  private completed = false;
  private timeLimitTimer: LongTimer | undefined;

  /** @internal Created by `Batch.run()`. */
  constructor({ toSend, ...config }: RunConfig) {
    super(() => config.logger);
    this.config = config;
    this.id = config.runId;
    this.ledger = new JobLedger(config.costLimitUsd, config.prices);
    this.stopSignal = new StopSignal(config.graceMs);
    const sink = new ResultSink(
      this.ledger,
      config.resultsWriter,
      config.logger,
      (result) => {
        this.emit(result.isSuccess ? 'jobCompleted' : 'jobFailed', result as JobResult<T>);
        if (this.listenerCount('progress') > 0) this.emit('progress', this.progress());
      },
      (error) => this.report(error),
    );
    const ports = new Map<ProviderName, BatchPort>();
    const portFor = (provider: ProviderName): BatchPort => {
      let port = ports.get(provider);
      if (!port) {
        port = {
          provider: withSignal(config.providers.get(provider)!, this.stopSignal.signal),
          journal: config.journal,
          sink,
          stop: this.stopSignal,
          logger: config.logger,
          stateId: config.resume?.stateId ?? this.id,
          poll: config.poll,
          retry: config.retry,
          prices: config.prices,
          maxRetries: config.maxRetries,
          rawWriter: config.resultsWriter,
          report: (error) => this.report(error),
        };
        ports.set(provider, port);
      }
      return port;
    };
    this.scheduler = new Scheduler(config, this.ledger, sink, this.stopSignal, portFor, {
      onPhase: (batch, from) => this.observe(batch, from),
      // A provider's count moved while its batch runs (OpenAI): the bar moves too.
      onCounts: () => {
        if (this.listenerCount('progress') > 0) this.emit('progress', this.progress());
      },
      onCostLimit: (heldBack) => {
        const { budget } = this.ledger;
        config.logger.warn(
          `cost limit of $${budget.limitUsd} reached: ${heldBack} job(s) wait for budget to free up`,
        );
        this.emit('costLimitReached', {
          limitUsd: budget.limitUsd!,
          spentUsd: budget.spentUsd,
          reservedUsd: budget.reservedUsd,
        });
      },
    });
    for (const result of config.resume?.results ?? []) this.ledger.preload(result);
    for (const [jobId, { usd, answer, providerBatchId }] of config.resume?.paid ?? [])
      this.ledger.preloadAttempts(jobId, usd, answer, providerBatchId);
    if (config.prior) this.ledger.preloadPaid(config.prior.results, config.prior.committedUsd);
    this.scheduler.load(this.resumedSubmissions(), toSend);
    this.doneAtStart = this.ledger.resultCount;
  }

  /**
   * Submissions the state file knows: their jobs (as of then) are tracked again with their reservations. A job in
   * two of them was handed back by the older one (an invalid answer, paid for and retried; an expired request) and
   * sent again in the newer one: it belongs to the newer one only. Collected from the older one again, its answer
   * would be retried once more (paid a third time) and its reservation held twice.
   */
  private resumedSubmissions() {
    const submissions = this.config.resume?.submissions ?? [];
    const jobsById = new Map(submissions.length > 0 ? this.config.jobs.map((job) => [job.id, job]) : []);
    // Submissions are in the journal's order: the last one a job is in is its latest send.
    const latest = new Map<string, number>();
    for (const [index, { intent }] of submissions.entries())
      for (const id of intent.jobIds) latest.set(id, index);
    return submissions.map((submission, submissionIndex): ResumedSubmission => {
      const { intent } = submission;
      const jobs: NormalizedJob[] = [];
      const reservationsUsd: (number | null)[] = [];
      for (const [index, id] of intent.jobIds.entries()) {
        const job = jobsById.get(id);
        if (!job || latest.get(id) !== submissionIndex) continue;
        const resent = job.with({
          attempt: intent.attempts[index] ?? 1,
          resubmits: intent.resubmits[index] ?? 0,
        });
        jobs.push(resent);
        reservationsUsd.push(intent.reservationsUsd[index] ?? null);
      }
      return { submission, jobs, reservationsUsd };
    });
  }

  private observe(batch: ProviderBatch, from: BatchPhase): void {
    if (batch.phase === 'submitted') {
      this.emit('batchSubmitted', batch.info());
      this.emit('progress', this.progress());
    } else if ((batch.phase === 'ended' || batch.phase === 'failed') && from !== 'planned') {
      this.emit('batchCompleted', batch.info());
    }
  }

  /**
   * @internal Starts the scheduler on the next turn of the event loop, so that whoever awaits `run()` can attach
   * listeners before any event fires.
   */
  start(): void {
    if (this.finished) return;
    if (this.config.timeLimitMs !== undefined) this.armTimeLimit(this.config.timeLimitMs);
    this.finished = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.scheduler.run())
      .catch((error: unknown) => {
        // The scheduler itself failing is a bug; it must not become an unhandled rejection.
        this.report(
          new BatchwiseError('run_failed', `the run stopped on an unexpected error: ${String(error)}`, {
            cause: error,
          }),
        );
      })
      .finally(async () => {
        this.timeLimitTimer?.clear();
        this.stopSignal.dispose();
        try {
          await this.finish();
        } catch (error) {
          this.report(
            new BatchwiseError('state_close_failed', `closing the state file failed: ${String(error)}`, {
              cause: error,
            }),
          );
        }
        this.completed = true;
        this.emit('progress', this.progress());
        // Built only for listeners: at 100,000 jobs the record alone is megabytes, and wait() builds its own.
        if (this.listenerCount('complete') > 0) this.emit('complete', this.results());
      });
  }

  /** A limit of weeks is waited out in steps (a plain timer would fire at once past about 24.8 days). */
  private armTimeLimit(remainingMs: number): void {
    this.timeLimitTimer = setLongTimeout(
      () => this.stop({ kind: 'time_limit', cancelActive: true }),
      remainingMs,
    );
  }

  /** Every error the run reports (logged and emitted) is scrubbed of the batch's API keys first. */
  protected override report(error: BatchwiseError): void {
    super.report(this.config.secrets?.error(error) ?? error);
  }

  /** Every result so far, by job id, in the order the jobs were added (partial while running). */
  results(): Record<string, JobResult<T>> {
    const results: Record<string, JobResult<T>> = {};
    for (const { id } of this.config.jobs) {
      const result = this.ledger.get(id);
      if (!result) continue;
      // Assigned, a job id `__proto__` would set the record's prototype, not a key: it is defined as its own key.
      if (id === '__proto__')
        Object.defineProperty(results, id, {
          value: result,
          enumerable: true,
          writable: true,
          configurable: true,
        });
      else results[id] = result as JobResult<T>;
    }
    return results;
  }

  /** Resolves with every result once every job has one; rejects with {@link WaitTimeoutError} after `timeoutMs`. */
  async wait(options: { timeoutMs?: number } = {}): Promise<Record<string, JobResult<T>>> {
    const { timeoutMs } = checkWaitOptions(options);
    const finished = this.finished ?? Promise.resolve();
    if (timeoutMs === undefined || timeoutMs === Number.POSITIVE_INFINITY) {
      await finished;
      return this.results();
    }
    let timer: LongTimer | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setLongTimeout(() => reject(new WaitTimeoutError(timeoutMs)), timeoutMs);
    });
    try {
      await Promise.race([finished, timeout]);
    } finally {
      timer?.clear();
    }
    return this.results();
  }

  /**
   * Stops submitting: from this moment nothing new is sent. Jobs not yet submitted end `cancelled` (code
   * `shutdown`: a resume sends them). With `waitForActive: true` (the default) provider batches in flight run to
   * the end; with `false` they are cancelled at the provider, and what they had already finished is still collected
   * (it was paid for) before this resolves — within the grace period (`addTimeLimit`'s `graceSeconds`, default 60).
   * `waitForActive` is `true` or `false` only: anything else rejects (`invalid_option`) and stops nothing.
   */
  async shutdown(options: { waitForActive?: boolean } = {}): Promise<Record<string, JobResult<T>>> {
    const { waitForActive = true } = checkShutdownOptions(options);
    this.stop({ kind: 'shutdown', cancelActive: !waitForActive });
    return this.wait();
  }

  /**
   * Calls `callback` with the progress every `intervalMs`, and once more when the run completes; on a run that has
   * completed, once, with its final progress. A callback that throws (or rejects) is logged; it never stops the run
   * or the process.
   */
  onProgress(callback: (progress: Progress) => void, intervalMs = 1000): () => void {
    checkProgressListener(callback, intervalMs);
    const call = () => {
      try {
        const returned: unknown = callback(this.progress());
        if (returned instanceof Promise) returned.catch((error: unknown) => this.complain(error));
      } catch (error) {
        this.complain(error);
      }
    };
    if (this.completed) {
      // No 'complete' event is coming to stop a timer: it would call back every interval for as long as the process lives.
      call();
      return () => {};
    }
    // Re-armed after each call rather than `setInterval`, which fires every millisecond past about 24.8 days.
    let timer: LongTimer;
    const arm = () => {
      timer = setLongTimeout(() => {
        call();
        arm();
      }, intervalMs).unref();
    };
    arm();
    const final = () => {
      timer.clear();
      call();
    };
    this.once('complete', final);
    return () => {
      timer.clear();
      this.off('complete', final);
    };
  }

  /**
   * The run's progress. Costs the same however many results and batches there are (counts kept as they change), so
   * it may be read on every `progress` event.
   */
  progress(): Progress {
    const completed = this.ledger.succeeded;
    const total = this.config.jobs.length;
    const done = this.ledger.resultCount;
    const failed = done - completed;
    const { tally } = this.scheduler;
    const active = tally.activeJobs;
    const processedNow = done + tally.processedJobs;
    this.processedHigh = Math.min(total, Math.max(this.processedHigh, processedNow));
    const processedByProvider = this.processedHigh;
    const elapsedMs = Date.now() - this.startedAt;
    const gained = processedByProvider - this.doneAtStart;
    const isComplete = done === total;
    return {
      batchId: this.id,
      total,
      pending: total - completed - failed - active,
      active,
      completed,
      failed,
      ...this.ledger.cost(),
      costLimitUsd: this.config.costLimitUsd ?? null,
      isComplete,
      batchesTotal: tally.batchesTotal,
      batchesCompleted: tally.batchesCompleted,
      batchesPending: tally.batchesPending,
      itemsPerBatch: this.config.itemsPerBatch,
      elapsedMs,
      processedByProvider,
      etaMs: isComplete
        ? 0
        : // Every job processed once, but some are out again (a retry round): no rate says how long that takes.
          processedByProvider >= total && processedNow < total
          ? null
          : gained > 0
            ? Math.round((elapsedMs * (total - processedByProvider)) / gained)
            : null,
    };
  }

  /** The progress and every provider batch; with `print: true` also written to stdout as a table. */
  status(options: { print?: boolean } | null = {}): StatusReport {
    const { print = false } = checkStatusOptions(options);
    const report = {
      progress: this.progress(),
      batches: this.scheduler.batches.filter((b) => !b.skipped).map((b) => b.info()),
    };
    if (print) console.log(formatStatus(report));
    return report;
  }

  /**
   * @internal Provider batches that ran but whose results could not be collected (`results_failed`, `poll_failed`):
   * a sampled dry run without a state file hands them to the real run, which collects them instead of paying twice.
   */
  uncollected(): SubmissionState[] {
    return this.scheduler.batches.flatMap((batch) => batch.uncollected() ?? []);
  }

  private complain(error: unknown): void {
    this.config.logger.error(`the onProgress callback threw; the run goes on: ${String(error)}`);
  }

  private stop(reason: StopReason): void {
    if (!this.stopSignal.stop(reason)) return;
    this.config.logger.info(
      `run ${this.id}: stopping (${reason.kind}${reason.cancelActive ? ', cancelling in-flight batches' : ''})`,
    );
  }

  /** Closes the state file and releases its lock, once, however the run ended. */
  private async finish(): Promise<void> {
    this.finishing ??= (async () => {
      try {
        await this.config.journal.close();
      } finally {
        // The last result files failing to sync must not keep the lock: the run is over either way, and a lock kept
        // by a live process refuses every later run of this state file (`state_locked`) until the process exits.
        await this.config.onFinished?.();
      }
    })();
    await this.finishing;
  }
}
