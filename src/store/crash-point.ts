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
  if (!target || target.name !== name) return;
  const count = (reached.get(name) ?? 0) + 1;
  reached.set(name, count);
  if (count === target.count) process.kill(process.pid, 'SIGKILL');
}
