import type { Logger } from '../log/logger.js';
import type { Secrets } from './redact.js';

/** The user's logger, given only scrubbed messages: a message may quote a provider's answer. */
export function redactingLogger(logger: Logger, secrets: Secrets): Logger {
  if (secrets.isEmpty) return logger;
  return {
    debug: (message) => logger.debug(secrets.text(message)),
    info: (message) => logger.info(secrets.text(message)),
    warn: (message) => logger.warn(secrets.text(message)),
    error: (message) => logger.error(secrets.text(message)),
  };
}
