import { closest, distance } from 'fastest-levenshtein';
import { ConfigurationError, JobValidationError } from '../errors.js';
import type { OptionKeys } from './option-keys.js';

/**
 * Refuses keys an options object does not have: a typo (`maxConcurent`, `temprature`) is otherwise silently
 * ignored, and a misspelt `stateFile` silently turns crash safety off. The message offers the nearest known key.
 */
export function refuseUnknownKeys(
  where: string,
  value: object,
  known: OptionKeys,
  job?: { id: string },
): void {
  const names = Object.keys(known);
  for (const key of Object.keys(value)) {
    if (Object.hasOwn(known, key)) continue;
    const message = `${job ? `Job "${job.id}": ` : ''}${where} has no option \`${key}\`${suggestion(key, names)} Known options: ${names.join(', ')}.`;
    if (job) throw new JobValidationError('unknown_option', message, { jobId: job.id });
    throw new ConfigurationError('unknown_option', message);
  }
}

/** " Did you mean `x`?" when a known key is a likely misspelling (two edits, or a third of its letters, at most). */
function suggestion(key: string, names: string[]): string {
  if (names.length === 0) return '.';
  const nearest = closest(
    key.toLowerCase(),
    names.map((name) => name.toLowerCase()),
  );
  const name = names.find((candidate) => candidate.toLowerCase() === nearest)!;
  const close = distance(key.toLowerCase(), nearest) <= Math.max(2, Math.floor(name.length / 3));
  return close ? `. Did you mean \`${name}\`?` : '.';
}
