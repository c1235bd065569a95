import { setMaxListeners } from 'node:events';
import { type LongTimer, setLongTimeout } from './long-timer.js';
import type { StopReason } from './run-config.js';

/**
 * Whether and how the run was told to stop, and a sleep that a stop cuts short. A stop that cancels in-flight
 * batches (a time limit, `shutdown({ waitForActive: false })`) starts a grace period: batches are cancelled and
 * collected within it, and once it has passed nothing waits on the provider any more, so the run ends within the
 * limit plus the grace period even when the provider does not answer.
 */
export class StopSignal {
  private current: { reason: StopReason; graceEndsAt: number | null } | null = null;
  private readonly wakers = new Set<() => void>();
  private graceTimer: LongTimer | undefined;
  private readonly aborter = new AbortController();

  constructor(private readonly graceMs: number) {
    // Every provider call in flight links its own signal to this one (see signalled-provider.ts) and unlinks when it
    // ends: with `maxConcurrent` above 10 that is more than Node's default of 10 listeners, which is no leak but
    // would print "MaxListenersExceededWarning: Possible EventTarget memory leak detected" in the user's console.
    setMaxListeners(0, this.aborter.signal);
  }

  get reason(): StopReason | null {
    return this.current?.reason ?? null;
  }

  /** A later stop may only make a stop stricter (start cancelling); it never relaxes one. */
  stop(reason: StopReason): boolean {
    if (this.current && !(reason.cancelActive && !this.current.reason.cancelActive)) return false;
    const graceEndsAt = reason.cancelActive ? Date.now() + this.graceMs : null;
    this.current = { reason, graceEndsAt };
    if (graceEndsAt !== null) {
      this.graceTimer?.clear();
      this.graceTimer = setLongTimeout(() => {
        this.aborter.abort(new Error('the stop grace period is over'));
        this.wake();
      }, this.graceMs);
      this.graceTimer.unref();
    }
    this.wake();
    return true;
  }

  /** Aborted when a cancelling stop's grace period runs out: provider calls still in flight end then. */
  get signal(): AbortSignal {
    return this.aborter.signal;
  }

  /** True once a cancelling stop's grace period has run out: give up waiting on the provider. */
  pastGrace(): boolean {
    const endsAt = this.current?.graceEndsAt;
    return endsAt !== null && endsAt !== undefined && Date.now() >= endsAt;
  }

  /** Sleeps `ms`, or until a stop, or until the grace period ends. */
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        timer.clear();
        this.wakers.delete(done);
        resolve();
      };
      const timer = setLongTimeout(done, ms);
      this.wakers.add(done);
    });
  }

  dispose(): void {
    this.graceTimer?.clear();
    this.wake();
  }

  private wake(): void {
    for (const waker of [...this.wakers]) waker();
  }
}
