import type { NormalizedJob } from '../jobs/normalized-job.js';

/**
 * Money for a run: what results have cost (`spentUsd`) and what in-flight jobs may still cost at their estimate
 * (`reservedUsd`). A job is admitted only while `spent + reserved + its estimate <= limit`; its reservation is
 * replaced by its actual cost when its result arrives. With worst-case estimates the limit can never be passed.
 */
export class CostBudget {
  spentUsd = 0;
  reservedUsd = 0;
  private readonly reservations = new Map<string, number>();

  constructor(readonly limitUsd: number | undefined) {}

  get availableUsd(): number {
    return this.limitUsd === undefined
      ? Number.POSITIVE_INFINITY
      : this.limitUsd - this.spentUsd - this.reservedUsd;
  }

  /** Admits jobs in order while they fit (a later, cheaper job may fit where an earlier one did not). */
  admit<J extends { job: NormalizedJob; estimateUsd: number | null }>(
    candidates: J[],
  ): { admitted: J[]; deferred: J[] } {
    const admitted: J[] = [];
    const deferred: J[] = [];
    for (const candidate of candidates) {
      const estimate = candidate.estimateUsd ?? 0;
      // A tiny epsilon keeps float sums from refusing a job that fits exactly.
      if (estimate <= this.availableUsd + 1e-12) {
        this.reservations.set(candidate.job.id, estimate);
        this.reservedUsd += estimate;
        admitted.push(candidate);
      } else {
        deferred.push(candidate);
      }
    }
    return { admitted, deferred };
  }

  fits(estimateUsd: number | null): boolean {
    return (estimateUsd ?? 0) <= this.availableUsd + 1e-12;
  }

  /** Reserves a job's estimate again after a restart (it was admitted before the crash). */
  restore(jobId: string, estimateUsd: number | null): void {
    const estimate = estimateUsd ?? 0;
    this.reservations.set(jobId, estimate);
    this.reservedUsd += estimate;
  }

  /** Replaces a job's reservation with what it actually cost. */
  settle(jobId: string, actualUsd: number | null): void {
    const reserved = this.reservations.get(jobId);
    if (reserved !== undefined) {
      this.reservations.delete(jobId);
      // Float sums drift: with nothing reserved, nothing is.
      this.reservedUsd = this.reservations.size === 0 ? 0 : Math.max(0, this.reservedUsd - reserved);
    }
    this.spentUsd += actualUsd ?? 0;
  }
}
