import { loadJobFiles } from '../content/load-file.js';
import { BatchwiseError, type ErrorInfo, messageOf } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import type { ProviderName } from '../models/registry.js';
import { estimateJob, type TextCounting, worstCaseUsage } from '../pricing/estimate.js';
import { batchCost } from '../pricing/prices.js';
import { RequestLines } from '../providers/request-lines.js';
import type { SubmissionState } from '../store/state-records.js';
import type { JobLedger } from './job-ledger.js';
import type { BatchPhase } from './machine/batch-phase.js';
import type { BatchPort } from './machine/batch-port.js';
import { stopError } from './machine/batch-steps.js';
import { driveBatch } from './machine/drive-batch.js';
import { type Candidate, customIdOf, ProviderBatch } from './machine/provider-batch.js';
import { estimateRequestBytes, planBatches } from './plan-batches.js';
import { ProgressTally } from './progress-tally.js';
import type { ResultSink } from './result-sink.js';
import type { RunSettings } from './run-config.js';
import { Semaphore } from './semaphore.js';
import type { StopSignal } from './stop-signal.js';
import { failedResult } from './to-job-result.js';

/** After this many capacity refusals in a row with nothing of the model in flight, held jobs end resumable. */
const MAX_CAPACITY_REFUSALS = 5;

interface CapacityHold {
  /** The model's enqueued-token limit: given as an option, or learned from the provider's refusal. */
  limitTokens: number | undefined;
  jobs: NormalizedJob[];
  refusals: number;
  retryAt: number;
}

function capacityKey(batch: ProviderBatch): string {
  return `${batch.provider}\u0000${batch.model}`;
}

/** A submission the state file knows, with those of its jobs the run still has and what each reserved. */
export interface ResumedSubmission {
  submission: SubmissionState;
  jobs: NormalizedJob[];
  /** By position in `jobs`. */
  reservationsUsd: (number | null)[];
}

export interface SchedulerHooks {
  /** Every phase change of every provider batch. */
  onPhase(batch: ProviderBatch, from: BatchPhase): void;
  /** A poll learned how many of a batch's requests the provider has processed. */
  onCounts(batch: ProviderBatch): void;
  /** The cost limit held jobs back for the first time. */
  onCostLimit(heldBack: number): void;
}

/**
 * Admits, starts and observes provider batches; it never reaches into one. Admission is where concurrency
 * (`maxConcurrent`) and money (each job's worst case reserved against the cost limit) are decided; jobs a batch
 * hands back (to send again, or never created) are planned anew; jobs the limit held back wait for budget to free.
 */
export class Scheduler {
  readonly batches: ProviderBatch[] = [];
  /** The batches summed up for progress, kept current by each batch. */
  readonly tally = new ProgressTally();
  /** Provider batch ids this run follows: never candidates for another submission's look-up. */
  private readonly known = new Set<string>();
  private queue: NormalizedJob[] = [];
  private deferred: NormalizedJob[] = [];
  /** The budget available when deferred jobs were last tried: trying again with no more budget cannot help. */
  private deferredTried = Number.NaN;
  private costLimitNotified = false;
  /** Jobs waiting for capacity at the provider, per provider and model. */
  private readonly holds = new Map<string, CapacityHold>();

  constructor(
    private readonly config: RunSettings,
    private readonly ledger: JobLedger,
    private readonly sink: ResultSink,
    private readonly stop: StopSignal,
    private readonly portFor: (provider: ProviderName) => BatchPort,
    private readonly hooks: SchedulerHooks,
  ) {}

  /** Submissions from the state file, followed first; then the jobs still to send. */
  load(resumed: ResumedSubmission[], toSend: NormalizedJob[]): void {
    for (const { submission, jobs, reservationsUsd } of resumed) {
      const { intent } = submission;
      const batch = new ProviderBatch(
        this.batches.length,
        intent.provider,
        intent.model,
        jobs,
        this.config.journal,
        submission,
        reservationsUsd,
      );
      // Its jobs without a result were admitted before the restart: they hold their reservations again.
      for (const [position, job] of jobs.entries()) {
        if (this.ledger.has(job.id)) continue;
        const held = batch.holdReservation(position);
        if (held !== undefined) this.ledger.budget.reserve(held);
      }
      this.track(batch);
    }
    this.plan(toSend);
  }

  async run(): Promise<void> {
    const slots = new Semaphore(this.config.maxConcurrent);
    const collectSlots = new Semaphore(this.config.maxConcurrent);
    const collecting = async (work: () => Promise<void>) => {
      await collectSlots.acquire();
      try {
        await work();
      } finally {
        collectSlots.release();
      }
    };
    const running = new Set<Promise<void>>();
    /** Resolves once the batch's submission is over: its requests are built and sent one batch at a time. */
    const start = (batch: ProviderBatch): Promise<void> => {
      let submitted!: () => void;
      const submission = new Promise<void>((resolve) => {
        submitted = resolve;
      });
      // A slot counts batches at the provider: it is free once the provider has ended the batch, so that the next
      // one is processed there while this one's results are written here.
      let holding = true;
      const providerDone = () => {
        if (holding) slots.release();
        holding = false;
      };
      const port = this.portFor(batch.provider);
      const turns = { providerDone, collecting, submitted };
      const task: Promise<void> = driveBatch(batch, port, this.known, turns).finally(() => {
        submitted();
        providerDone();
        running.delete(task);
        this.takeBack(batch);
        batch.forgetPositions();
      });
      running.add(task);
      return submission;
    };
    // Batches that exist (or may) at the provider are followed at once: they count against maxConcurrent, but
    // nothing holds them up.
    for (const batch of this.batches) {
      if (batch.phase === 'planned') continue;
      slots.take();
      void start(batch);
    }
    let next = 0;
    for (;;) {
      while (next < this.batches.length && this.batches[next]!.phase !== 'planned') next++;
      if (next < this.batches.length && !this.stop.reason) {
        const batch = this.batches[next++]!;
        await slots.acquire();
        // One batch is built and sent at a time: its request bodies (base64 files included) are held only until the
        // provider has them, and `maxConcurrent` batches in flight never means as many bodies in memory at once.
        if (!this.stop.reason && (await this.admit(batch))) await start(batch);
        else slots.release();
        continue;
      }
      if (running.size === 0) {
        if (!this.stop.reason && (await this.releaseDeferred(true))) continue;
        if (!this.stop.reason && (await this.retryHeld())) continue;
        break;
      }
      await Promise.race(running);
      if (!this.stop.reason) await this.releaseDeferred(false);
    }
    // Whatever never went out ends now, resumable.
    for (const batch of this.batches) {
      if (batch.phase !== 'planned') continue;
      await batch.moveTo('cancelled');
      this.queue.push(...batch.jobs);
    }
    const held = [...this.holds.values()].flatMap((hold) => hold.jobs.splice(0));
    await this.endUnsent([...this.queue.splice(0), ...this.deferred.splice(0), ...held]);
  }

  private track(batch: ProviderBatch): void {
    batch.observe((b, from) => {
      if (b.ref) this.known.add(b.ref.id);
      this.hooks.onPhase(b, from);
    });
    batch.observeCounts((b) => this.hooks.onCounts(b));
    if (batch.ref) this.known.add(batch.ref.id);
    // A batch counts its own results from here on (they reach the sink with it); these it starts with.
    for (const job of batch.jobs) {
      const final = this.ledger.isFinal(job.id);
      if (final !== undefined) batch.noteSettled(final);
    }
    batch.countInto(this.tally);
    this.batches.push(batch);
  }

  private plan(jobs: NormalizedJob[]): void {
    const limitsFor = (provider: ProviderName) => this.config.providers.get(provider)!.limits;
    for (const plan of planBatches(jobs, { itemsPerBatch: this.config.itemsPerBatch, limitsFor })) {
      this.track(
        new ProviderBatch(this.batches.length, plan.provider, plan.model, plan.jobs, this.config.journal),
      );
    }
  }

  /**
   * Jobs a batch gave back: planned again, held for capacity, or (once the run is stopping) left to end as not sent.
   * A batch of a model that ends normally frees capacity: that model's held jobs go out again.
   */
  private takeBack(batch: ProviderBatch): void {
    const hold = this.holds.get(capacityKey(batch));
    if (batch.capacityRefused) {
      const held = this.holdFor(batch);
      held.refusals++;
      held.retryAt =
        Date.now() + Math.min(this.config.poll.maxMs, this.config.poll.initialMs * 2 ** held.refusals);
      const { limitTokens } = batch.capacityRefused;
      if (limitTokens !== null) held.limitTokens = Math.min(held.limitTokens ?? limitTokens, limitTokens);
    } else if (hold && batch.phase === 'ended') {
      hold.refusals = 0;
      this.releaseHeld(hold);
    }
    const jobs = batch.handback.splice(0).filter((job) => !this.ledger.has(job.id));
    if (jobs.length === 0) return;
    // A batch that was never created (or was refused before it ran) cost nothing: its reservations go before its
    // jobs are admitted again.
    if (batch.phase === 'cancelled' || batch.capacityRefused) {
      for (const job of jobs) {
        const released = batch.releaseReservation(job.id);
        if (released !== undefined) this.ledger.budget.release(released);
      }
    }
    if (this.stop.reason) this.queue.push(...jobs);
    else if (batch.capacityRefused) this.holdFor(batch).jobs.push(...jobs);
    else this.plan(jobs);
  }

  private holdFor(batch: ProviderBatch): CapacityHold {
    const key = capacityKey(batch);
    let hold = this.holds.get(key);
    if (!hold) {
      hold = {
        limitTokens: this.config.enqueuedTokenLimit?.[batch.model],
        jobs: [],
        refusals: 0,
        retryAt: 0,
      };
      this.holds.set(key, hold);
    }
    return hold;
  }

  private releaseHeld(hold: CapacityHold): void {
    if (hold.jobs.length > 0 && !this.stop.reason) this.plan(hold.jobs.splice(0));
  }

  /**
   * The candidates whose requests, as built, fit the provider's byte limit for a batch; the rest are planned again,
   * into batches of their own. The planner packs by estimates, which a schema or a text file's JSON escapes can pass:
   * a batch over the limit would be refused whole (413), failing every job in it.
   */
  private withinBytes(batch: ProviderBatch, candidates: Candidate[], lines: RequestLines): Candidate[] {
    const { maxBytes } = this.config.providers.get(batch.provider)!.limits;
    let fit = candidates.length;
    // A single request over the limit still goes: the provider's refusal names it, and nothing smaller can be made.
    while (fit > 1 && lines.bodyBytesOf(candidates[fit - 1]!.line + 1) > maxBytes) fit--;
    if (fit < candidates.length) this.plan(candidates.slice(fit).map((c) => c.job));
    return candidates.slice(0, fit);
  }

  /**
   * Under a known enqueued-token limit, the candidates that fit beside the model's batches in flight (at least one
   * when none is in flight: the provider is the judge of a batch alone). The rest wait for capacity.
   */
  private withinCapacity(batch: ProviderBatch, candidates: Candidate[]): Candidate[] {
    const limit = this.capacityLimit(batch);
    if (limit === undefined) return candidates;
    let enqueued = 0;
    for (const other of this.batches) {
      // A batch being collected has ended at the provider: its tokens are no longer enqueued there.
      const enqueuedThere = other.isInFlight && other.phase !== 'collecting';
      if (other !== batch && enqueuedThere && capacityKey(other) === capacityKey(batch))
        enqueued += other.enqueuedTokens;
    }
    const fitting: Candidate[] = [];
    for (const [index, candidate] of candidates.entries()) {
      if (enqueued + candidate.inputTokens > limit && !(index === 0 && enqueued === 0)) {
        this.holdFor(batch).jobs.push(...candidates.slice(index).map((c) => c.job));
        break;
      }
      enqueued += candidate.inputTokens;
      fitting.push(candidate);
    }
    return fitting;
  }

  /**
   * Held jobs of a model with nothing of it in flight wait a backoff, then go out again (the limit is shared with
   * whatever else the organisation runs). After a few refusals in a row they end resumable (`capacity`). Returns
   * whether new provider batches were planned.
   */
  private async retryHeld(): Promise<boolean> {
    const waiting = [...this.holds.entries()].filter(
      ([key, hold]) => hold.jobs.length > 0 && !this.inFlight(key),
    );
    if (waiting.length === 0) return false;
    const next = Math.min(...waiting.map(([, hold]) => hold.retryAt));
    if (next > Date.now()) await this.stop.sleep(next - Date.now());
    if (this.stop.reason) return false;
    let planned = false;
    for (const [, hold] of waiting) {
      if (hold.retryAt > Date.now()) continue;
      if (hold.refusals >= MAX_CAPACITY_REFUSALS) {
        const message = `the provider refused this job's batch for capacity ${hold.refusals} times in a row (enqueued-token or rate limit); running the batch again sends it`;
        for (const job of hold.jobs.splice(0))
          await this.endJob(job, 'failed', { code: 'capacity', message });
        continue;
      }
      this.releaseHeld(hold);
      planned = true;
    }
    return planned || waiting.some(([, hold]) => hold.jobs.length > 0);
  }

  private inFlight(key: string): boolean {
    return this.batches.some((b) => (b.isInFlight || b.phase === 'planned') && capacityKey(b) === key);
  }

  /**
   * Builds the batch's requests (reading each job's file now, so that bytes are not held for every job at once),
   * estimates each job's worst case and reserves it while the cost limit allows. Returns false when no job was
   * admitted.
   */
  private async admit(batch: ProviderBatch): Promise<boolean> {
    const provider = this.config.providers.get(batch.provider)!;
    const counting = this.countingFor(batch);
    const candidates: Candidate[] = [];
    // Each request goes to its line as soon as it is estimated: no request object outlives its own building.
    const lines = new RequestLines(
      provider.wireFraming,
      batch.jobs.reduce((bytes, job) => bytes + estimateRequestBytes(job), 0),
    );
    for (const job of batch.jobs) {
      try {
        const files = await loadJobFiles(job);
        const request = provider.toRequest(job, files);
        const estimate = await estimateJob(job, request.body, files, counting);
        const customId = customIdOf(batch.submissionId, job.id);
        candidates.push({
          job,
          line: lines.add(job.id, provider.toWireLine({ ...request, customId })),
          estimateUsd: batchCost(job.model, job.provider, worstCaseUsage(estimate), this.config.prices),
          inputTokens: estimate.inputTokens,
        });
      } catch (error) {
        await this.endJob(job, 'failed', {
          code: error instanceof BatchwiseError ? error.code : 'file_unreadable',
          message: messageOf(error),
        });
      }
    }
    const fitting = this.withinBytes(batch, candidates, lines);
    const { admitted, deferred } = this.ledger.budget.admit(this.withinCapacity(batch, fitting));
    if (deferred.length > 0) this.defer(deferred.map((c) => c.job));
    if (admitted.length === 0) {
      batch.skipped = true;
      await batch.moveTo('cancelled');
      return false;
    }
    batch.fill(admitted, lines);
    return true;
  }

  /**
   * Estimates decide something only under a cost limit or against a known enqueued-token limit: there text is
   * counted with the tokenizer, as closely as it can be. Elsewhere they only fill `costReservedUsd`, and the free
   * byte bound does (see {@link TextCounting}). Batches of a model whose limit is learned only later from a refusal
   * then hold their byte bounds against it: more than they use, so the scheduler waits longer, never less.
   */
  private countingFor(batch: ProviderBatch): TextCounting {
    if (this.config.costLimitUsd !== undefined) return 'tokenizer';
    return this.capacityLimit(batch) === undefined ? 'bytes' : 'tokenizer';
  }

  /** The batch's model's enqueued-token limit: learned from the provider's refusal, or given as an option. */
  private capacityLimit(batch: ProviderBatch): number | undefined {
    return this.holds.get(capacityKey(batch))?.limitTokens ?? this.config.enqueuedTokenLimit?.[batch.model];
  }

  private defer(jobs: NormalizedJob[]): void {
    this.deferred.push(...jobs);
    this.deferredTried = this.ledger.budget.availableUsd;
    if (this.costLimitNotified) return;
    this.costLimitNotified = true;
    this.hooks.onCostLimit(jobs.length);
  }

  /**
   * Plans jobs the cost limit held back once results have freed enough budget (reservations are worst cases; actual
   * costs are usually lower). When nothing is left in flight and still none fits, they end `failed` with
   * `cost_limit`. Returns whether new provider batches were planned.
   */
  private async releaseDeferred(nothingInFlight: boolean): Promise<boolean> {
    if (this.deferred.length === 0) return false;
    if (this.ledger.budget.availableUsd === this.deferredTried) {
      if (!nothingInFlight) return false;
      const message = `cost limit of $${this.ledger.budget.limitUsd} reached before this job could be sent`;
      for (const job of this.deferred.splice(0))
        await this.endJob(job, 'failed', { code: 'cost_limit', message });
      return false;
    }
    this.plan(this.deferred.splice(0));
    return true;
  }

  /** Jobs that were not sent because the run stopped: resumable, a resume sends them. */
  private async endUnsent(jobs: NormalizedJob[]): Promise<void> {
    const { status, error } = stopError(this.stop.reason);
    const reason: ErrorInfo =
      error.code === 'shutdown'
        ? { code: 'shutdown', message: 'the run was shut down before this job was submitted' }
        : { code: 'time_limit', message: 'time limit exceeded before this job was submitted' };
    for (const job of jobs) await this.endJob(job, status, reason);
  }

  private async endJob(job: NormalizedJob, status: 'failed' | 'cancelled', error: ErrorInfo): Promise<void> {
    if (this.ledger.has(job.id)) return;
    const result = failedResult(job, status, error, null, { sent: false });
    if (!(await this.sink.record(result))) this.sink.keep(result);
  }
}
