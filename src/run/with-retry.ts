import { messageOf, ProviderError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RetryOptions } from './run-config.js';

/**
 * Calls `call` until it succeeds, retrying what failed transiently (a retryable {@link ProviderError}, or anything
 * that is not a ProviderError) with doubling delays, up to `attempts` tries. Non-retryable errors throw at once.
 * Only for calls that are safe to repeat (reads, cancels, deletes): a create is never retried this way.
 */
export async function withRetry<T>(
  what: string,
  call: () => Promise<T>,
  options: Required<RetryOptions>,
  logger: Logger,
  sleep: (ms: number) => Promise<void> = (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
  giveUp: () => boolean = () => false,
): Promise<T> {
  let delay = options.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = !(error instanceof ProviderError) || error.isRetryable;
      if (!retryable || attempt >= options.attempts || giveUp()) throw error;
      logger.warn(
        `${what} failed (attempt ${attempt} of ${options.attempts}), retrying: ${messageOf(error)}`,
      );
      await sleep(delay);
      delay = Math.min(options.maxDelayMs, delay * 2);
    }
  }
}
