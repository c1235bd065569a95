import type { NormalizedJob } from '../jobs/normalized-job.js';

/**
 * Money for a run: what results have cost (`spentUsd`) and what in-flight jobs may still cost at their estimate
 * (`reservedUsd`). A job is admitted only while `spent + reserved + its estimate <= limit`; its reservation is
 * replaced by its actual cost when its result arrives. With worst-case estimates the limit can never be passed.
 * Totals only: each job's own reservation is kept by its provider batch (`BatchReservations`).
 */
export class CostBudget {
  spentUsd = 0;
  reservedUsd = 0;
  /** How many jobs hold a reservation: with none, nothing is reserved (float sums drift). */
  private reservedJobs = 0;

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
      // A tiny epsilon keeps float sums from refusing a job that fits exactly.
      if (this.fits(candidate.estimateUsd)) {
        this.reserve(candidate.estimateUsd ?? 0);
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

  /** One more job holds a reservation of `usd` (admitted now, or before a restart). */
  reserve(usd: number): void {
    this.reservedJobs++;
    this.reservedUsd += usd;
  }

  /** A job gave up its reservation of `usd` (what it cost is known, or it was never sent). */
  release(usd: number): void {
    this.reservedJobs = Math.max(0, this.reservedJobs - 1);
    this.reservedUsd = this.reservedJobs === 0 ? 0 : Math.max(0, this.reservedUsd - usd);
  }

  /** What an attempt cost, once known. */
  spend(usd: number | null): void {
    this.spentUsd += usd ?? 0;
  }
}
