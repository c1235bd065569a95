import type { Emulator } from '../../src/emulator/index.js';
import { Batch, type BatchOptions, type Logger } from '../../src/index.js';

/** A Batch pointed at the emulator, polling fast and quiet unless a test asks otherwise. */
export function batchFor(emulator: Emulator, options: BatchOptions = {}): Batch {
  return new Batch({
    ...options,
    anthropic: { apiKey: 'test-key', baseURL: emulator.anthropicBaseURL, ...options.anthropic },
    openai: { apiKey: 'test-key', baseURL: emulator.openaiBaseURL, ...options.openai },
    poll: { initialMs: 20, maxMs: 60, ...options.poll },
    retry: { initialDelayMs: 10, maxDelayMs: 50, ...options.retry },
  }).setVerbosity('silent');
}

export function userMessage(text: string) {
  return [{ role: 'user' as const, content: text }];
}

/** A logger that keeps the warnings it is given and drops the rest: pass `logger` to `setVerbosity`. */
export function warningsLogger(): { warnings: string[]; logger: Logger } {
  const warnings: string[] = [];
  const drop = () => {};
  return {
    warnings,
    logger: { debug: drop, info: drop, warn: (message) => warnings.push(message), error: drop },
  };
}
