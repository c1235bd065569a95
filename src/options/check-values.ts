import { ConfigurationError } from '../errors.js';
import { describeValue } from './describe-value.js';

/**
 * Runtime checks of option values, each throwing a {@link ConfigurationError} that names the option, what it needs
 * and what it got (value and type). `NaN`, `Infinity` and numbers given as strings are refused everywhere: a `NaN`
 * retry count retries forever, a negative price turns a cost limit off.
 */
export function refuse(
  code: string,
  name: string,
  needs: string,
  value: unknown,
  describe: (value: unknown) => string = describeValue,
): never {
  throw new ConfigurationError(code, `Expected \`${name}\` to be ${needs}, got ${describe(value)}.`);
}

export function positiveInteger(name: string, value: unknown, code = 'invalid_option'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    refuse(code, name, 'a positive integer', value);
  }
  return value;
}

export function wholeNumber(name: string, value: unknown, code = 'invalid_option'): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0) {
    refuse(code, name, 'a whole number from 0 up', value);
  }
  return value;
}

/** A finite number above 0. */
export function positiveNumber(name: string, value: unknown, code = 'invalid_option'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    refuse(code, name, 'a positive finite number', value);
  }
  return value;
}

/** A finite number from 0 up. */
export function nonNegativeNumber(name: string, value: unknown, code = 'invalid_option'): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    refuse(code, name, 'a finite number from 0 up', value);
  }
  return value;
}

/**
 * `true` or `false` and nothing else: a truthy stand-in would flip the option the wrong way (`'false'` is truthy, so
 * `enableCitations: 'false'` would send citations, changing the request and its cost).
 */
export function booleanOption(name: string, value: unknown): boolean {
  if (typeof value !== 'boolean') refuse('invalid_option', name, 'true or false', value);
  return value;
}

/** A non-empty string: an empty path would silently mean "no file" (and no crash safety). */
export function nonEmptyString(name: string, value: unknown): string {
  if (typeof value !== 'string' || value.trim() === '')
    refuse('invalid_option', name, 'a non-empty string', value);
  return value;
}

/** A file system path: non-empty, and without the NUL byte that every file system call refuses with a TypeError. */
export function pathOption(name: string, value: unknown): string {
  const path = nonEmptyString(name, value);
  if (path.includes('\0'))
    refuse(
      'invalid_option',
      name,
      'a path without a NUL byte',
      path,
      () => `the string ${JSON.stringify(path)}`,
    );
  return path;
}

export function plainObject(
  name: string,
  value: unknown,
  describe: (value: unknown) => string = describeValue,
): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse('invalid_option', name, 'an object', value, describe);
  }
  return value as Record<string, unknown>;
}
