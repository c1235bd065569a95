import { messageOf, ProviderError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import type { RetryOptions } from './run-config.js';

/**
 * Calls `call` until it succeeds, retrying what failed transiently (a retryable {@link ProviderError}, or anything
 * that is not a ProviderError) with doubling delays, up to `attempts` tries. Non-retryable errors throw at once.
 */
export async function withRetry<T>(
  what: string,
  call: () => Promise<T>,
  options: Required<RetryOptions>,
  logger: Logger,
): Promise<T> {
  let delay = options.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      const retryable = !(error instanceof ProviderError) || error.isRetryable;
      if (!retryable || attempt >= options.attempts) throw error;
      logger.warn(
        `${what} failed (attempt ${attempt} of ${options.attempts}), retrying: ${messageOf(error)}`,
      );
      await new Promise((resolve) => setTimeout(resolve, delay));
      delay = Math.min(options.maxDelayMs, delay * 2);
    }
  }
}
