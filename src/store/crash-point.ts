/**
 * Failpoints for the crash tests: with `BATCHWISE_CRASH_AT=<name>:<n>` in the environment, the process kills itself
 * with SIGKILL the n-th time it reaches the named point. Without the variable this is a no-op.
 */
const target = parse(process.env.BATCHWISE_CRASH_AT);
const reached = new Map<string, number>();

function parse(value: string | undefined): { name: string; count: number } | undefined {
  if (!value) return undefined;
  const [name, count] = value.split(':');
  return name ? { name, count: Number(count ?? 1) } : undefined;
}

export function crashPoint(name: string): void {
  if (isCrashPoint(name)) process.kill(process.pid, 'SIGKILL');
}

/**
 * Whether this is the reach of `name` at which the process is to die: the caller then leaves what a kill at that
 * moment leaves (half a file) and calls `crashPoint`'s kill itself through {@link crashNow}.
 */
export function isCrashPoint(name: string): boolean {
  if (!target || target.name !== name) return false;
  const count = (reached.get(name) ?? 0) + 1;
  reached.set(name, count);
  return count === target.count;
}

export function crashNow(): never {
  process.kill(process.pid, 'SIGKILL');
  throw new Error('unreachable: killed');
}
