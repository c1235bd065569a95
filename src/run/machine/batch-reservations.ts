/**
 * What each job of one provider batch reserved against the run's cost limit (its worst case), by the job's position
 * in the batch, and whether it still holds it: a job gives its reservation up once, when what it cost is known.
 * Two typed arrays per batch instead of an entry per job in a run-wide map, which at 100,000 jobs held about 5 MB
 * (issue 14).
 */
export class BatchReservations {
  /** USD by position; NaN where no price is known (reserved as 0, recorded as null in the intent). */
  private readonly usd: Float64Array;
  /** 1 while the job at that position holds its reservation. */
  private readonly held: Uint8Array;

  constructor(amounts: readonly (number | null)[]) {
    this.usd = Float64Array.from(amounts, (usd) => usd ?? Number.NaN);
    this.held = new Uint8Array(amounts.length);
  }

  /** A batch that reserved nothing (yet): planned, or never admitted. */
  static none(): BatchReservations {
    return new BatchReservations([]);
  }

  /** Every job holds its reservation: the cost budget has just admitted them all. */
  static held(amounts: readonly (number | null)[]): BatchReservations {
    const reservations = new BatchReservations(amounts);
    reservations.held.fill(1);
    return reservations;
  }

  /**
   * The job at `position` holds its reservation: the amount to add to the run's reserved total, or undefined when it
   * has none or already holds it.
   */
  hold(position: number): number | undefined {
    if (position < 0 || position >= this.usd.length || this.held[position] === 1) return undefined;
    this.held[position] = 1;
    return this.amountAt(position);
  }

  /** Gives up the reservation of the job at `position`: its amount, or undefined when it holds none (any more). */
  release(position: number): number | undefined {
    if (position < 0 || position >= this.usd.length || this.held[position] !== 1) return undefined;
    this.held[position] = 0;
    return this.amountAt(position);
  }

  /** Each job's reservation as the intent records it (null where no price is known). */
  amounts(): (number | null)[] {
    return Array.from(this.usd, (usd) => (Number.isNaN(usd) ? null : usd));
  }

  private amountAt(position: number): number {
    const usd = this.usd[position]!;
    return Number.isNaN(usd) ? 0 : usd;
  }
}
