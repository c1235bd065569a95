import { BatchwiseError, messageOf } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { crashPoint } from '../store/crash-point.js';
import { isFinalResult } from '../store/final-result.js';
import type { ResultsWriter } from '../store/results-writer.js';
import type { JobResult } from '../types.js';
import type { JobLedger } from './job-ledger.js';

export interface RecordOptions {
  /** False when the provider may have billed the job but what it cost is not known: its reservation stays. */
  billingKnown?: boolean;
  /**
   * The provider batch the result comes from: it counts its own results (for progress and its `ended` record) and
   * keeps its jobs' reservations, so that the run keeps no map from each job to its batch or its reservation.
   */
  batch?: ResultSource;
}

/** The provider batch a result comes from, as the sink sees it (a `ProviderBatch`). */
export interface ResultSource {
  /** One of its jobs got its result (`final`: not one a resume would send or collect again). */
  noteSettled(final: boolean): void;
  /** Gives up the job's reservation against the cost limit, once: its amount, or undefined when it holds none. */
  releaseReservation(jobId: string): number | undefined;
}

/**
 * Where every job's one result goes: persisted first, then booked and told, so that a listener never sees a result
 * that a crash would lose. A result that could not be written is not taken: its provider batch collects it again.
 */
export class ResultSink {
  constructor(
    private readonly ledger: JobLedger,
    private readonly writer: ResultsWriter | undefined,
    private readonly logger: Logger,
    private readonly tell: (result: JobResult) => void,
    private readonly report: (error: BatchwiseError) => void,
  ) {}

  has(jobId: string): boolean {
    return this.ledger.has(jobId);
  }

  /**
   * Writes the job's result and then takes it. Returns false when it could not be written (true when it need not be:
   * a result of unknown cost never replaces the record of what the job's earlier attempts cost).
   */
  async record(attempt: JobResult, options: RecordOptions = {}): Promise<boolean> {
    if (this.ledger.has(attempt.jobId)) return true;
    const billingKnown = options.billingKnown ?? true;
    if (!billingKnown && this.ledger.hasPaidAttempts(attempt.jobId)) {
      // The job's file is the marker of what its earlier attempts cost; a result whose cost is unknown written over
      // it would make a resume forget that cost. The marker and the open submission are all a resume needs.
      this.keep(attempt, options);
      return true;
    }
    const result = this.ledger.costed(attempt, billingKnown);
    try {
      crashPoint('before-result-write');
      await this.writer?.writeResult(result);
      crashPoint('after-result-write');
    } catch (error) {
      this.report(
        new BatchwiseError(
          'write_failed',
          `writing the result of job "${result.jobId}" to ${this.writer?.resultPath(result.jobId)} failed: ${messageOf(error)}. ` +
            'Its answer stays at the provider and is collected again.',
          { jobId: result.jobId, cause: error },
        ),
      );
      return false;
    }
    this.take(result, billingKnown, options.batch);
    return true;
  }

  /** Takes a result without writing it: the last word for a job whose result file could not be written. */
  keep(attempt: JobResult, options: RecordOptions = {}): void {
    if (this.ledger.has(attempt.jobId)) return;
    const billingKnown = options.billingKnown ?? true;
    this.take(this.ledger.costed(attempt, billingKnown), billingKnown, options.batch);
  }

  /**
   * Books the cost of an attempt whose job is sent again, and leaves it on disk as a resumable marker (code
   * `resending`, the cost of every attempt so far): a crash before the next attempt's intent then neither forgets
   * what was paid nor restarts the job's attempts.
   */
  async chargeAttempt(attempt: JobResult, batch: ResultSource): Promise<void> {
    this.ledger.chargeAttempt(attempt, batch.releaseReservation(attempt.jobId));
    this.logger.info(`job ${attempt.jobId}: ${attempt.status}, sending it again`);
    const marker = this.ledger.costed({
      ...attempt,
      // Already booked above: costed() adds this attempt's cost (0 here) to what the job has cost so far.
      costUsd: 0,
      status: 'failed',
      isSuccess: false,
      error: {
        code: 'resending',
        message: `attempt ${attempt.attempts} ended ${attempt.status}; the job is sent again`,
      },
    });
    try {
      await this.writer?.writeResult(marker, { final: false });
    } catch (error) {
      this.logger.warn(`could not record the paid attempt of job ${attempt.jobId}: ${messageOf(error)}`);
    }
  }

  private take(result: JobResult, billingKnown: boolean, batch: ResultSource | undefined): void {
    // A result of unknown billing keeps its reservation: what it cost is learned only when a resume collects it.
    this.ledger.store(
      result,
      billingKnown,
      billingKnown ? batch?.releaseReservation(result.jobId) : undefined,
    );
    batch?.noteSettled(isFinalResult(result));
    this.tell(result);
  }
}
