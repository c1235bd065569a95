/**
 * Runs async tasks a few at a time, in the order given: file writes overlap instead of waiting on each other's
 * round trip through the thread pool, and no more than `size` are in flight, so that memory stays flat however long
 * the stream. The first task that throws is rethrown by {@link drain}; the others still run to their end.
 */
export class WorkWindow {
  private readonly running = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly size = 16) {}

  /** Starts `task`, waiting first while the window is full. */
  async add(task: () => Promise<void>): Promise<void> {
    while (this.running.size >= this.size) await Promise.race(this.running);
    const running: Promise<void> = task()
      .catch((error: unknown) => {
        this.failure ??= { error };
      })
      .finally(() => this.running.delete(running));
    this.running.add(running);
  }

  /** Waits for every task started; throws the first error one of them threw. */
  async drain(): Promise<void> {
    while (this.running.size > 0) await Promise.all(this.running);
    if (this.failure) {
      const { error } = this.failure;
      this.failure = undefined;
      throw error;
    }
  }
}
