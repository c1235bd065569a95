/** A command line that cannot be run as given: printed with the usage hint, exit code 1. */
export class UsageError extends Error {}

/**
 * A numeric flag as cac hands it over: a number when it parsed, else the text as typed (`--processing-ms abc`). Both
 * are checked here, so that a typo is refused instead of becoming NaN (and an emulator that ends batches at once).
 */
export function numberFlag(
  flag: string,
  value: unknown,
  rule: { min: number; max?: number; integer?: boolean; what: string },
): number {
  const number =
    typeof value === 'number'
      ? value
      : typeof value === 'string' && value.trim() !== ''
        ? Number(value)
        : Number.NaN;
  const fits =
    Number.isFinite(number) &&
    number >= rule.min &&
    (rule.max === undefined || number <= rule.max) &&
    (!rule.integer || Number.isInteger(number));
  if (!fits) {
    const shown = Array.isArray(value) ? `${value.length} values (give it once)` : `'${String(value)}'`;
    throw new UsageError(`--${flag} must be ${rule.what}, got ${shown}.`);
  }
  return number;
}

/** A text flag given once, not empty. */
export function textFlag(flag: string, value: unknown): string {
  if (typeof value !== 'string' && typeof value !== 'number') {
    throw new UsageError(`--${flag} needs a value${Array.isArray(value) ? ', given once' : ''}.`);
  }
  const text = String(value);
  if (text.trim() === '') throw new UsageError(`--${flag} needs a value.`);
  return text;
}

/**
 * A flag given an empty value (`--host ""`, `--port=`). cac's parser turns an empty value into `0` before anything
 * sees it, so `--host ""` would listen on every interface and `--port ""` on any port: the raw arguments are read
 * for it first.
 */
export function refuseEmptyValues(argv: readonly string[]): void {
  for (const [index, arg] of argv.entries()) {
    const flag = /^(--[a-z][a-z-]*)(=?)(.*)$/.exec(arg);
    if (!flag) continue;
    const [, name, equals, value] = flag;
    const empty = equals ? value === '' : argv[index + 1] === '';
    if (empty) throw new UsageError(`${name} needs a value, got an empty one.`);
    // `--port -1`: the parser takes `-1` for a flag of its own ("Unknown option `-1`"); say what is wrong instead.
    const next = argv[index + 1];
    if (!equals && next !== undefined && /^-\d/.test(next))
      throw new UsageError(`${name} must be from 0 up, got '${next}'.`);
  }
}
