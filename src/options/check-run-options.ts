import type { RunOptions } from '../batch.js';
import { booleanOption, plainObject, positiveInteger, positiveNumber, refuse } from './check-values.js';
import {
  COUNT_TOKENS_KEYS,
  DRY_RUN_OPTION_KEYS,
  RUN_OPTION_KEYS,
  SHUTDOWN_OPTION_KEYS,
  STATUS_OPTION_KEYS,
  WAIT_OPTION_KEYS,
} from './option-keys.js';
import { refuseUnknownKeys } from './unknown-keys.js';

export function checkRunOptions(input: unknown): RunOptions {
  const options = plainObject('options of run()', input ?? {});
  refuseUnknownKeys('run()', options, RUN_OPTION_KEYS);
  if (options.onProgress !== undefined && typeof options.onProgress !== 'function') {
    refuse('invalid_option', 'onProgress', 'a function', options.onProgress);
  }
  if (options.progressIntervalMs !== undefined)
    positiveNumber('progressIntervalMs', options.progressIntervalMs);
  if (options.wait !== undefined) booleanOption('wait', options.wait);
  return options as RunOptions;
}

export function checkDryRunOptions(input: unknown): {
  sample?: number;
  countTokens?: boolean | { concurrency?: number };
} {
  const options = plainObject('options of dryRun()', input ?? {});
  refuseUnknownKeys('dryRun()', options, DRY_RUN_OPTION_KEYS);
  const { sample, countTokens } = options;
  if (sample !== undefined && !(typeof sample === 'number' && sample > 0 && sample <= 1)) {
    refuse('invalid_option', 'sample', 'a share above 0 and at most 1 (0.01 is 1%)', sample);
  }
  if (countTokens !== undefined && typeof countTokens !== 'boolean') {
    // `countTokens: 'false'` would count (and need the key): only an object stands in for `true`.
    if (typeof countTokens !== 'object' || countTokens === null || Array.isArray(countTokens))
      refuse('invalid_option', 'countTokens', 'true, false or { concurrency }', countTokens);
    const counting = countTokens as Record<string, unknown>;
    refuseUnknownKeys('countTokens', counting, COUNT_TOKENS_KEYS);
    if (counting.concurrency !== undefined) positiveInteger('countTokens.concurrency', counting.concurrency);
  }
  return options as { sample?: number; countTokens?: boolean | { concurrency?: number } };
}

/** `timeoutMs: Infinity` means no timeout; NaN or a negative number is refused rather than firing at once. */
/** `run.onProgress(callback, intervalMs)`: a function, and a positive interval (0 or NaN would fire without pause). */
export function checkProgressListener(callback: unknown, intervalMs: unknown): void {
  if (typeof callback !== 'function')
    refuse('invalid_option', 'callback of onProgress()', 'a function', callback);
  positiveNumber('intervalMs of onProgress()', intervalMs);
}

/** `waitForActive: 'false'` would wait for in-flight batches, the opposite of what it says. */
export function checkShutdownOptions(input: unknown): { waitForActive?: boolean } {
  const options = plainObject('options of shutdown()', input ?? {});
  refuseUnknownKeys('shutdown()', options, SHUTDOWN_OPTION_KEYS);
  if (options.waitForActive !== undefined) booleanOption('waitForActive', options.waitForActive);
  return options as { waitForActive?: boolean };
}

export function checkStatusOptions(input: unknown): { print?: boolean } {
  const options = plainObject('options of status()', input ?? {});
  refuseUnknownKeys('status()', options, STATUS_OPTION_KEYS);
  if (options.print !== undefined) booleanOption('print', options.print);
  return options as { print?: boolean };
}

export function checkWaitOptions(input: unknown): { timeoutMs?: number } {
  const options = plainObject('options of wait()', input ?? {});
  refuseUnknownKeys('wait()', options, WAIT_OPTION_KEYS);
  const { timeoutMs } = options;
  if (
    timeoutMs !== undefined &&
    (typeof timeoutMs !== 'number' || Number.isNaN(timeoutMs) || timeoutMs < 0)
  ) {
    refuse(
      'invalid_option',
      'timeoutMs',
      'a number of milliseconds from 0 up (Infinity: no timeout)',
      timeoutMs,
    );
  }
  return options as { timeoutMs?: number };
}
