import { ConfigurationError } from '../errors.js';
import type { Logger } from '../log/logger.js';
import { describeValue } from './describe-value.js';

const METHODS = ['debug', 'info', 'warn', 'error'] as const;

/** A logger lacking a method would be found out only when that level is first used, maybe after a batch was paid for. */
export function checkLogger(value: unknown): Logger {
  const missing =
    typeof value === 'object' && value !== null
      ? METHODS.filter((method) => typeof (value as Record<string, unknown>)[method] !== 'function')
      : [...METHODS];
  if (missing.length > 0) {
    throw new ConfigurationError(
      'invalid_option',
      `setVerbosity() needs a level (debug, info, warn, error, silent) or a logger with debug, info, warn and error functions; got ${describeValue(value)}${typeof value === 'object' && value !== null ? ` without ${missing.join(', ')}` : ''}.`,
    );
  }
  return value as Logger;
}
