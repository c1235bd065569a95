import { hasPrice, type PriceTable } from '../pricing/prices.js';
import type { JobResult } from '../types.js';
import { CostBudget } from './cost-budget.js';

/**
 * Which jobs have their one result, which are in flight, and what they cost: the run's books. A job's cost is the
 * sum over its attempts (a job resent after an invalid answer was paid for twice).
 */
export class JobLedger {
  readonly results = new Map<string, JobResult>();
  readonly active = new Set<string>();
  readonly budget: CostBudget;
  private readonly costByJob = new Map<string, number>();
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

  /** A result found on disk when resuming: final, already paid. */
  preload(result: JobResult): void {
    this.results.set(result.jobId, result);
    this.budget.settle(result.jobId, result.costUsd);
    if (result.costUsd === null) this.unknownCost = true;
    else this.costByJob.set(result.jobId, result.costUsd);
  }

  /** Settles an attempt's cost against the budget; returns the result carrying the job's cost over all attempts. */
  account(attempt: JobResult): JobResult {
    // A job that ended without running was not billed: it cost 0 wherever the model's price is known.
    const costUsd = attempt.costUsd ?? (hasPrice(attempt.model, attempt.provider, this.prices) ? 0 : null);
    this.budget.settle(attempt.jobId, costUsd);
    if (costUsd === null) {
      this.unknownCost = true;
      return { ...attempt, costUsd };
    }
    const total = (this.costByJob.get(attempt.jobId) ?? 0) + costUsd;
    this.costByJob.set(attempt.jobId, total);
    return { ...attempt, costUsd: total };
  }

  /** The job's final result. */
  store(result: JobResult): void {
    this.results.set(result.jobId, result);
    this.active.delete(result.jobId);
  }

  cost(): { costUsd: number | null; costSpentUsd: number | null; costReservedUsd: number } {
    const { spentUsd, reservedUsd } = this.budget;
    return {
      costUsd: this.unknownCost ? null : spentUsd + reservedUsd,
      costSpentUsd: this.unknownCost ? null : spentUsd,
      costReservedUsd: reservedUsd,
    };
  }
}
