import type { BatchPort } from './batch-port.js';

/**
 * Looks for a call whose answer was lost until it shows up or `retry.maxDelayMs` (30 s by default) has passed since
 * `since`, with the retry backoff between looks. One look that finds nothing proves nothing: a gateway that gave up
 * (a 504) may have left the backend working on the call, which then takes effect seconds later, and a create sent
 * again after it pays for every job twice. The same holds for a resume that finds an intent whose batch is unknown:
 * the run before it may have stopped, or died, while a call was still under way.
 *
 * A stop that lets in-flight batches finish lets the window finish too; one that cancels them (or the end of a stop's
 * grace) leaves it unknown: the intent stays open, and a resume looks again.
 */
export async function lookUpSettled<T>(
  port: BatchPort,
  lookUp: () => Promise<T | 'absent' | 'unknown'>,
  options: { since: number; lookFirst: boolean },
): Promise<T | 'absent' | 'unknown'> {
  const { initialDelayMs, maxDelayMs } = port.retry;
  const deadline = options.since + maxDelayMs;
  for (let delay = initialDelayMs, first = true; ; delay = Math.min(maxDelayMs, delay * 2), first = false) {
    if (!first || !options.lookFirst) await port.stop.sleep(delay);
    const found = await lookUp();
    if (found !== 'absent') return found;
    if (port.stop.reason?.cancelActive || port.stop.pastGrace()) return 'unknown';
    if (Date.now() >= deadline) return 'absent';
  }
}
