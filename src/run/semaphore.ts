/** At most `size` holders at once; the next waiter gets a slot the moment one is released. */
export class Semaphore {
  private free: number;
  private readonly waiters: (() => void)[] = [];

  constructor(size: number) {
    this.free = size;
  }

  acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return Promise.resolve();
    }
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Takes a slot without waiting, even past the size (a batch that already exists counts, but is never held up). */
  take(): void {
    this.free--;
  }

  release(): void {
    if (this.free >= 0) {
      const next = this.waiters.shift();
      if (next) {
        next();
        return;
      }
    }
    this.free++;
  }
}
