/**
 * What both sides of the bench send: small message jobs, the same for the raw SDK script and for batchwise, and the
 * one line each child prints for the driver (wall time, peak RSS, state-file bytes).
 */
export type BenchProvider = 'anthropic' | 'openai';

export const MODEL: Record<BenchProvider, string> = {
  anthropic: 'claude-haiku-4-5',
  openai: 'gpt-4o-mini',
};

export const MAX_TOKENS = 64;

/** The prompt of job `i`: a short question, as a classification or extraction job would send. */
export function prompt(i: number): string {
  return `Question ${i}: in one word, is the number ${i} even or odd?`;
}

export interface ChildConfig {
  provider: BenchProvider;
  jobs: number;
  batchSize: number;
  concurrency: number;
  pollMs: number;
  baseURL: string;
  /** An empty directory of its own for the child's files. */
  dir: string;
}

export function configFromEnv(): ChildConfig {
  const config = JSON.parse(process.env.BENCH_CONFIG ?? 'null') as ChildConfig | null;
  if (!config) throw new Error('BENCH_CONFIG is not set: run `npm run bench`');
  return config;
}

export interface ChildReport {
  wallMs: number;
  /** getrusage's ru_maxrss of the child process, in MB. */
  peakRssMb: number;
  stateBytes: number;
  results: number;
}

/** The one line the driver reads: peak RSS from getrusage, as /usr/bin/time reports it. */
export function report(values: Omit<ChildReport, 'peakRssMb'>): void {
  const peakRssMb = process.resourceUsage().maxRSS / 1024;
  console.log(`BENCH ${JSON.stringify({ ...values, peakRssMb })}`);
}
