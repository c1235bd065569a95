import { randomBytes } from 'node:crypto';
import type { NormalizedJob } from '../../jobs/normalized-job.js';
import type { ProviderName } from '../../models/registry.js';
import type { ProviderBatchRef, SubmissionTag } from '../../providers/provider.js';
import { RequestLines } from '../../providers/request-lines.js';
import type { IntentRecord, StateRecord, SubmissionState } from '../../store/state-records.js';
import type { ProviderBatchInfo, ProviderBatchStatus } from '../events.js';
import { NO_SHARE, type ProgressTally, type TallyShare } from '../progress-tally.js';
import type { RunJournal } from '../run-journal.js';
import { type BatchPhase, canMove, isInFlight, TERMINAL_PHASES } from './batch-phase.js';
import { BatchReservations } from './batch-reservations.js';

/** A job ready to send: its request and what it may cost at most. */
export interface Candidate {
  job: NormalizedJob;
  /** Its request's index in the lines built for the batch. */
  line: number;
  estimateUsd: number | null;
  /** Estimated input tokens: what the batch holds against an enqueued-token limit. */
  inputTokens: number;
}

type PhaseRecord =
  | { type: 'intent'; endpoint: string }
  | { type: 'submitted' }
  | { type: 'ended' }
  | { type: 'abandoned' }
  | { type: 'none' };

/**
 * One provider batch's state machine. Only {@link moveTo} changes its phase, and a transition that carries a fact a
 * resume needs writes its journal record (flushed) before it takes effect. The run's scheduler reads it; only its
 * driver (`drive-batch.ts`) moves it.
 */
export class ProviderBatch {
  private currentPhase: BatchPhase;
  readonly index: number;
  readonly provider: ProviderName;
  readonly model: string;
  /** The jobs of this batch (shrunk to those the cost limit admitted). */
  jobs: NormalizedJob[];
  /** The requests to send, in order: empty once the provider has them (and for a resumed submission). */
  requests = RequestLines.none();
  /**
   * The job id of each request, in submitted order, as long as the batch is not over: per-request errors name an
   * index, results a custom_id (made from the submission id and the job id). Ids only, never a record per request.
   */
  private requestJobIds: readonly string[] = [];
  /** What each of its jobs reserved against the cost limit, by position in {@link jobs}, until its cost is known. */
  private reservations = BatchReservations.none();
  submissionId: string;
  intentAt = 0;
  /** Where the batch was (or is to be) created: recorded with its intent. */
  endpoint: string | undefined;
  inputFileId: string | null = null;
  ref: ProviderBatchRef | null = null;
  /** Ours for certain: created with an answer, or proven by metadata or custom_id prefix. Only such are cancelled. */
  confirmed = false;
  cancelRequested = false;
  rawStatus: string | null = null;
  private doneByProvider = 0;
  private isSkipped = false;
  /** Estimated input tokens of its requests, held against the model's enqueued-token limit while it runs. */
  enqueuedTokens = 0;
  /** The provider refused it for capacity (enqueued tokens, rate limit): its jobs wait and go out again. */
  capacityRefused: { limitTokens: number | null } | null = null;
  /** Jobs this batch gives back to the scheduler: to send again, or to end as not sent when the run stopped. */
  readonly handback: NormalizedJob[] = [];
  private readonly handedBack = new Set<string>();
  /** Jobs of this batch that have their result: kept as a count so that progress never walks every job. */
  private settledCount = 0;
  /** Of those, the final results (its `ended` record counts them, so a resume can tell if files went missing). */
  private finalCount = 0;
  /** Each job's position in {@link jobs}: built when results are read, dropped once the batch is over. */
  private positions: Map<string, number> | undefined;
  private tally: ProgressTally | undefined;
  private readonly observers: ((batch: ProviderBatch, from: BatchPhase) => void)[] = [];
  private readonly countObservers: ((batch: ProviderBatch) => void)[] = [];

  constructor(
    index: number,
    provider: ProviderName,
    model: string,
    jobs: NormalizedJob[],
    private readonly journal: RunJournal,
    resumed: SubmissionState | null = null,
    /** A resumed submission's reservations, by position in `jobs` (held again with {@link holdReservation}). */
    resumedReservationsUsd: readonly (number | null)[] = [],
  ) {
    this.index = index;
    this.provider = provider;
    this.model = model;
    this.jobs = jobs;
    this.submissionId = resumed?.intent.submissionId ?? newSubmissionId();
    this.currentPhase = 'planned';
    if (resumed) {
      const { intent } = resumed;
      this.currentPhase = resumed.providerBatchId ? 'submitted' : 'intent';
      this.intentAt = intent.intentAt;
      this.endpoint = intent.endpoint;
      this.inputFileId = resumed.inputFileId ?? null;
      this.reservations = new BatchReservations(resumedReservationsUsd);
      // Every request of the submission in its order, so that per-line errors and custom_ids map back to jobs.
      this.requestJobIds = intent.jobIds;
      if (resumed.providerBatchId) {
        this.ref = { provider: intent.provider, id: resumed.providerBatchId };
        // Recorded after its create answered: ours.
        this.confirmed = true;
      }
    }
  }

  get phase(): BatchPhase {
    return this.currentPhase;
  }

  /** Planned, but the cost limit held back every job: it never became a batch. */
  get skipped(): boolean {
    return this.isSkipped;
  }

  set skipped(value: boolean) {
    this.counted(() => {
      this.isSkipped = value;
    });
  }

  /** Requests the provider reports as processed (succeeded or failed), as of the last poll. */
  get requestsDone(): number {
    return this.doneByProvider;
  }

  set requestsDone(value: number) {
    if (value === this.doneByProvider) return;
    this.counted(() => {
      this.doneByProvider = value;
    });
    for (const observer of this.countObservers) observer(this);
  }

  /** Called when a poll learns a new count of processed requests. */
  observeCounts(observer: (batch: ProviderBatch) => void): void {
    this.countObservers.push(observer);
  }

  /** From now on this batch keeps its share of `tally` up to date. */
  countInto(tally: ProgressTally): void {
    this.tally = tally;
    tally.shift(NO_SHARE, this.share());
  }

  /** What this batch adds to the run's progress tally. */
  private share(): TallyShare {
    if (this.isSkipped) return NO_SHARE;
    const active = this.isInFlight ? this.outstanding : 0;
    const reported = this.doneByProvider - this.settledCount - this.handedBack.size;
    return {
      activeJobs: active,
      processedJobs: Math.max(0, Math.min(active, reported)),
      batchesTotal: 1,
      batchesCompleted: this.currentPhase === 'ended' ? 1 : 0,
      batchesPending: this.currentPhase === 'planned' ? 1 : 0,
    };
  }

  /** Runs a change and adds what it changed in this batch's share to the tally: O(1), whatever the run's size. */
  private counted(change: () => void): void {
    if (!this.tally) {
      change();
      return;
    }
    const before = this.share();
    change();
    this.tally.shift(before, this.share());
  }

  get isTerminal(): boolean {
    return TERMINAL_PHASES.has(this.currentPhase);
  }

  get isInFlight(): boolean {
    return isInFlight(this.currentPhase);
  }

  tag(runId: string): SubmissionTag {
    return {
      runId,
      submissionId: this.submissionId,
      requestCount: this.requestJobIds.length,
      intentAt: this.intentAt,
    };
  }

  job(id: string): NormalizedJob | undefined {
    const position = this.positionOf(id);
    return position === undefined ? undefined : this.jobs[position];
  }

  /**
   * Its driver and the scheduler are done with it: a position map built again after it ended (a cancelled batch's
   * jobs settle after its phase moved) is not kept to the end of the run.
   */
  forgetPositions(): void {
    this.positions = undefined;
  }

  private positionOf(id: string): number | undefined {
    this.positions ??= new Map(this.jobs.map((job, position) => [job.id, position]));
    return this.positions.get(id);
  }

  /** A resumed job was admitted before the restart: it holds its reservation again. Returns the amount, if any. */
  holdReservation(position: number): number | undefined {
    return this.reservations.hold(position);
  }

  /** Gives up the job's reservation, once: its amount, or undefined when it holds none (any more). */
  releaseReservation(jobId: string): number | undefined {
    const position = this.positionOf(jobId);
    return position === undefined ? undefined : this.reservations.release(position);
  }

  handBack(job: NormalizedJob): void {
    this.counted(() => {
      this.handback.push(job);
      this.handedBack.add(job.id);
    });
  }

  isHandedBack(jobId: string): boolean {
    return this.handedBack.has(jobId);
  }

  /** One of its jobs got its result (`final`: not one a resume would send or collect again). */
  noteSettled(final: boolean): void {
    if (final) this.finalCount++;
    this.counted(() => {
      this.settledCount++;
    });
  }

  /** Jobs of this batch still waiting for their result (neither settled nor handed back). */
  get outstanding(): number {
    return this.jobs.length - this.handedBack.size - this.settledCount;
  }

  observe(observer: (batch: ProviderBatch, from: BatchPhase) => void): void {
    this.observers.push(observer);
  }

  /**
   * Once the provider has the batch, its request bodies are only there: what stays is each request's job id, to map
   * results and per-request errors back. A run of 100,000 jobs does not hold 100,000 bodies.
   */
  releaseBodies(): void {
    this.requests = RequestLines.none();
  }

  /** How many requests the batch was submitted with. */
  get requestCount(): number {
    return this.requestJobIds.length;
  }

  /** The job of the request at `index` in submitted order (a per-request error names it so). */
  jobIdAt(index: number): string | undefined {
    return this.requestJobIds[index];
  }

  /**
   * The job of the request that carried `customId` (its submission id, "_", its job id), or undefined when no
   * request of this batch did. Read back from the custom_id itself: a map from custom_id to job id would be a
   * string and an entry per request, made again for every batch collected.
   */
  jobIdOf(customId: string): string | undefined {
    const prefix = `${this.submissionId}_`;
    if (!customId.startsWith(prefix)) return undefined;
    const jobId = customId.slice(prefix.length);
    if (this.positionOf(jobId) !== undefined) return jobId;
    // Not one of its jobs: one of its requests all the same? (A resumed submission lists every request it sent.)
    return this.requestJobIds.includes(jobId) ? jobId : undefined;
  }

  /**
   * Takes the admitted candidates as this batch's requests, from `lines` (built with custom_ids that carry the
   * submission id): all of them, or those the cost limit or the capacity admitted.
   */
  fill(admitted: Candidate[], lines: RequestLines): void {
    this.counted(() => this.takeCandidates(admitted, lines));
  }

  private takeCandidates(admitted: Candidate[], lines: RequestLines): void {
    this.jobs = admitted.map((c) => c.job);
    this.positions = undefined;
    // Admitted jobs have no result yet (those whose file could not be read were settled and left out).
    this.settledCount = 0;
    this.finalCount = 0;
    this.requests = admitted.length === lines.count ? lines : lines.pick(admitted.map((c) => c.line));
    this.requestJobIds = admitted.map((c) => c.job.id);
    // The cost budget reserved each of them as it admitted them.
    this.reservations = BatchReservations.held(admitted.map((c) => c.estimateUsd));
    this.enqueuedTokens = admitted.reduce((total, c) => total + c.inputTokens, 0);
  }

  /**
   * The one way the phase changes. The record a transition carries is journaled (and flushed) first: if that write
   * fails, the transition does not happen and the error reaches the caller.
   */
  async moveTo(to: BatchPhase, record: PhaseRecord = { type: 'none' }): Promise<void> {
    const from = this.currentPhase;
    if (!canMove(from, to)) throw new Error(`provider batch ${this.index}: no transition ${from} -> ${to}`);
    const entry = this.recordFor(record);
    if (entry) await this.journal.append(entry);
    this.counted(() => {
      this.currentPhase = to;
    });
    // A batch that is over needs its requests no more (custom_ids were for mapping its results): a run keeps every
    // batch for status(), and would otherwise hold a request per job to the end.
    if (this.isTerminal) {
      this.requests = RequestLines.none();
      this.requestJobIds = [];
      this.positions = undefined;
    }
    for (const observer of this.observers) observer(this, from);
  }

  private recordFor(record: PhaseRecord): StateRecord | undefined {
    switch (record.type) {
      case 'intent':
        this.intentAt = Date.now();
        this.endpoint = record.endpoint;
        return this.intent();
      case 'submitted':
        return { type: 'submitted', submissionId: this.submissionId, providerBatchId: this.ref!.id };
      case 'ended':
        return {
          type: 'ended',
          submissionId: this.submissionId,
          results: this.finalCount,
          ...(this.ref && { providerBatchId: this.ref.id }),
        };
      case 'abandoned':
        return { type: 'abandoned', submissionId: this.submissionId };
      case 'none':
        return undefined;
    }
  }

  /** The submission as its `intent` record states it: what a resume rebuilds the batch from. */
  private intent(): IntentRecord {
    return {
      type: 'intent',
      submissionId: this.submissionId,
      provider: this.provider,
      model: this.model,
      jobIds: this.jobs.map((job) => job.id),
      reservationsUsd: this.reservations.amounts(),
      attempts: this.jobs.map((job) => job.attempt),
      resubmits: this.jobs.map((job) => job.resubmits),
      intentAt: this.intentAt,
      ...(this.endpoint !== undefined && { endpoint: this.endpoint }),
    };
  }

  /**
   * A batch the provider ran whose results this run could not collect (`failed` after it was created): what a
   * later run needs to collect them from the provider instead of sending its jobs again. Null for any other batch.
   */
  uncollected(): SubmissionState | null {
    if (this.currentPhase !== 'failed' || !this.ref) return null;
    return {
      intent: this.intent(),
      inputFileId: this.inputFileId,
      providerBatchId: this.ref.id,
      ended: false,
      results: 0,
      abandoned: false,
    };
  }

  info(): ProviderBatchInfo {
    return {
      index: this.index,
      provider: this.provider,
      model: this.model,
      providerBatchId: this.ref?.id ?? null,
      status: publicStatus(this),
      phase: this.currentPhase,
      rawStatus: this.rawStatus,
      jobIds: this.jobs.map((job) => job.id),
      requestsDone: this.requestsDone,
      requestsTotal: this.jobs.length,
    };
  }
}

/** The coarse status events have always shown; `phase` carries the machine's own. */
function publicStatus(batch: ProviderBatch): ProviderBatchStatus {
  if (batch.skipped) return 'skipped';
  switch (batch.phase) {
    case 'planned':
      return 'pending';
    case 'intent':
      return 'submitting';
    case 'submitted':
    case 'processing':
    case 'collecting':
      return 'active';
    default:
      return 'ended';
  }
}

export function customIdOf(submissionId: string, jobId: string): string {
  return `${submissionId}_${jobId}`;
}

/** 8 characters, [a-z0-9]: with "_" it prefixes custom_ids (job ids are at most 48 characters, so they fit in 64). */
export function newSubmissionId(): string {
  return BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString(36)
    .padStart(8, '0')
    .slice(-8);
}
