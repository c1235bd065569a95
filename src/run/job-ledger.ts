import { hasPrice, type PriceTable } from '../pricing/prices.js';
import type { JobResult } from '../types.js';
import { CostBudget } from './cost-budget.js';
import { ResultStore } from './result-store.js';

/**
 * Which jobs have their one result and what they cost: the run's books. A job's cost is the sum over its attempts
 * (a job resent after an invalid answer was paid for twice). A job's reservation stays until its actual cost is
 * known: a result whose billing is unknown (its provider batch ran, but its answer could not be read) keeps it.
 */
export class JobLedger {
  /** Every job's one result so far, kept compactly: a 100,000-job run holds them all to the end. */
  private readonly results = new ResultStore();
  /** How many results are successes, kept as a count: progress is read on every result. */
  succeeded = 0;
  readonly budget: CostBudget;
  /**
   * What the attempts of a job without its final result have cost so far (a final result carries its own cost):
   * a 100,000-job run does not keep an entry per job.
   */
  private readonly costByJob = new Map<string, number>();
  /**
   * The last answer paid for, of jobs sent again after it (an invalid one): a job whose retry brings no answer (held
   * back, stopped, cancelled, errored) keeps it as its `rawResponse`, so that nothing paid for is lost with the retry.
   */
  private readonly lastAnswer = new Map<string, string>();
  /**
   * The provider batch whose answer a job's paid attempts last counted, as a resume read it from the job's file: a
   * batch still open then is collected again, and that attempt is not booked twice.
   */
  private readonly chargedIn = new Map<string, string>();
  private unknownCost = false;

  constructor(
    costLimitUsd: number | undefined,
    private readonly prices: PriceTable,
  ) {
    this.budget = new CostBudget(costLimitUsd);
  }

  has(jobId: string): boolean {
    return this.results.has(jobId);
  }

  /** The job's result (a new object on every call), or undefined while it has none. */
  get(jobId: string): JobResult | undefined {
    return this.results.get(jobId);
  }

  /** Whether the job's result is final (a resume would not send or collect the job again); undefined without one. */
  isFinal(jobId: string): boolean | undefined {
    return this.results.isFinal(jobId);
  }

  /** How many jobs have their result. */
  get resultCount(): number {
    return this.results.size;
  }

  /** A final result found on disk (or kept from a sample run): already paid. */
  preload(result: JobResult): void {
    this.take(result);
    this.book(result.costUsd, undefined);
  }

  /** Earlier attempts of a job that goes out again: already billed, so they count against the limit. */
  preloadAttempts(
    jobId: string,
    usd: number,
    answer: string | null = null,
    providerBatchId: string | null = null,
  ): void {
    this.budget.spend(usd);
    this.costByJob.set(jobId, (this.costByJob.get(jobId) ?? 0) + usd);
    if (answer !== null) this.lastAnswer.set(jobId, answer);
    if (providerBatchId !== null) this.chargedIn.set(jobId, providerBatchId);
  }

  /**
   * Results paid for outside this run (a sampled dry run) and everything that spend committed, which may include
   * jobs whose cost is not known yet: all of it counts against the limit.
   */
  preloadPaid(results: JobResult[], committedUsd: number): void {
    for (const result of results) this.take(result);
    this.budget.spend(committedUsd);
  }

  /** Whether earlier attempts of the job were paid for (it was sent again after them). */
  hasPaidAttempts(jobId: string): boolean {
    return this.costByJob.has(jobId);
  }

  /** The attempt with `costUsd` as the job's cost over all its attempts (nothing is booked yet). */
  costed(attempt: JobResult, billingKnown = true): JobResult {
    const kept = this.keptAnswer(attempt);
    if (!billingKnown) return { ...kept, costUsd: null };
    const costUsd = this.attemptCost(attempt);
    if (costUsd === null) return { ...kept, costUsd };
    return { ...kept, costUsd: (this.costByJob.get(attempt.jobId) ?? 0) + costUsd };
  }

  /** A result without an answer of its own keeps the answer the job's last paid attempt gave. */
  private keptAnswer(attempt: JobResult): JobResult {
    const answer = this.lastAnswer.get(attempt.jobId);
    if (answer === undefined || attempt.rawResponse !== null) return attempt;
    return { ...attempt, rawResponse: answer };
  }

  /**
   * An attempt that was paid for although the job goes out again (an invalid answer, an expired batch).
   * `releasedUsd` is the reservation its batch gave up for it (undefined: none).
   */
  chargeAttempt(attempt: JobResult, releasedUsd: number | undefined): void {
    if (attempt.rawResponse !== null) this.lastAnswer.set(attempt.jobId, attempt.rawResponse);
    if (attempt.providerBatchId !== null && this.chargedIn.get(attempt.jobId) === attempt.providerBatchId) {
      // Counted by the run before the restart (its file says so): only the reservation held again is given up.
      this.chargedIn.delete(attempt.jobId);
      if (releasedUsd !== undefined) this.budget.release(releasedUsd);
      return;
    }
    const costUsd = this.attemptCost(attempt);
    this.book(costUsd, releasedUsd);
    if (costUsd !== null)
      this.costByJob.set(attempt.jobId, (this.costByJob.get(attempt.jobId) ?? 0) + costUsd);
  }

  /**
   * The job's final result, as {@link costed} returned it, and the reservation its batch gave up for it (undefined:
   * none). With `billingKnown: false` nothing is booked and the batch keeps the reservation: the provider may have
   * billed the job, and what it cost is learned only when a resume collects it.
   */
  store(result: JobResult, billingKnown = true, releasedUsd: number | undefined = undefined): void {
    if (billingKnown) {
      const before = this.costByJob.get(result.jobId) ?? 0;
      this.book(result.costUsd === null ? null : result.costUsd - before, releasedUsd);
    }
    // The result carries the job's cost (and its answer) from here on.
    this.costByJob.delete(result.jobId);
    this.lastAnswer.delete(result.jobId);
    this.take(result);
  }

  cost(): { costUsd: number | null; costSpentUsd: number | null; costReservedUsd: number } {
    const { spentUsd, reservedUsd } = this.budget;
    return {
      costUsd: this.unknownCost ? null : spentUsd + reservedUsd,
      costSpentUsd: this.unknownCost ? null : spentUsd,
      costReservedUsd: reservedUsd,
    };
  }

  private take(result: JobResult): void {
    if (this.results.isSuccess(result.jobId)) this.succeeded--;
    if (result.isSuccess) this.succeeded++;
    this.results.set(result);
  }

  private attemptCost(attempt: JobResult): number | null {
    // A job that ended without running was not billed: it cost 0 wherever the model's price is known.
    return attempt.costUsd ?? (hasPrice(attempt.model, attempt.provider, this.prices) ? 0 : null);
  }

  /** Replaces the job's reservation with what this attempt cost (unknown: the run's cost is unknown too). */
  private book(costUsd: number | null, releasedUsd: number | undefined): void {
    if (releasedUsd !== undefined) this.budget.release(releasedUsd);
    this.budget.spend(costUsd);
    if (costUsd === null) this.unknownCost = true;
  }
}
