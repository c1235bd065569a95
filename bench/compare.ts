/**
 * batchwise against the script a user would write on the official SDKs (bench/raw-sdk-script.ts), side by side and
 * alternating, through the same emulator (its own process), at growing job counts for both providers. Each run is a
 * process of its own, plain `node` on a bundle built first (as a user runs built code: no TypeScript loader, whose
 * worker thread alone adds about 100 MB of RSS); it reports its wall time and its peak RSS (getrusage's maxRSS).
 * Prints the figures and the ratios batchwise / script. Timing goals live here, never in tests.
 *
 *   npm run bench                      10,000, 50,000 and 100,000 jobs, both providers, 2 rounds
 *   npm run bench -- --quick           10,000 jobs, one round
 *   BENCH_SIZES=20000 BENCH_ROUNDS=3 BENCH_PROVIDERS=openai npm run bench
 */
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { build } from 'tsup';
import type { BenchProvider, ChildConfig, ChildReport } from './workload.js';

const quick = process.argv.includes('--quick');
const sizes = (process.env.BENCH_SIZES ?? (quick ? '10000' : '10000,50000,100000')).split(',').map(Number);
const rounds = Number(process.env.BENCH_ROUNDS ?? (quick ? 1 : 2));
const providers = (process.env.BENCH_PROVIDERS ?? 'anthropic,openai').split(',') as BenchProvider[];
const here = import.meta.dirname;
const built = join(here, '.build');

// Bundled beside the sources (gitignored), so that the SDKs resolve from the project's node_modules.
await build({
  entry: ['raw-sdk-script.ts', 'batchwise-script.ts', 'emulator-process.ts'].map((file) => join(here, file)),
  outDir: built,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  skipNodeModulesBundle: true,
  config: false,
  silent: true,
});

/** Starts a bundled child and resolves with the line it prints after `tag`. */
function child(script: string, env: Record<string, string>, tag: string, stdin = false) {
  const proc = spawn(process.execPath, [join(built, script.replace(/\.ts$/, '.js'))], {
    env: { ...process.env, ...env },
    stdio: [stdin ? 'pipe' : 'ignore', 'pipe', 'inherit'],
  });
  const line = new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: proc.stdout! });
    lines.on('line', (text) => {
      if (text.startsWith(`${tag} `)) resolve(text.slice(tag.length + 1));
    });
    proc.on('exit', (code) => reject(new Error(`${script} exited with ${code} before reporting`)));
  });
  return { proc, line };
}

async function measure(script: string, config: ChildConfig): Promise<ChildReport> {
  const { line } = child(script, { BENCH_CONFIG: JSON.stringify(config) }, 'BENCH');
  const report = JSON.parse(await line) as ChildReport;
  if (report.results !== config.jobs)
    throw new Error(`${script}: ${report.results} results for ${config.jobs} jobs`);
  return report;
}

/** The smallest and largest value, rounded: `248-336`. */
function rangeOf(values: number[]): string {
  return `${Math.min(...values).toFixed(0)}-${Math.max(...values).toFixed(0)}`;
}

/** The middle value; of an even count, the mean of the two middle ones (of two rounds, their mean, not the larger). */
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

interface Row {
  provider: BenchProvider;
  jobs: number;
  raw: ChildReport[];
  ours: ChildReport[];
}
const rows: Row[] = [];
/**
 * Each run's directory is removed only when the bench ends: right after a directory of 50,000 files is deleted, ext4
 * takes up to 20 times as long to create files (measured here: 50,000 small files in 1.3 s, and in 27 s after two
 * such deletions), which would bill batchwise's one file per result for the script's cleanup.
 */
const runDirs: string[] = [];

for (const jobs of sizes) {
  for (const provider of providers) {
    // A fresh emulator per size and provider: what earlier runs left in its memory does not slow the next.
    const emulator = child('emulator-process.ts', {}, 'EMULATOR', true);
    const urls = JSON.parse(await emulator.line) as Record<BenchProvider, string>;
    const row: Row = { provider, jobs, raw: [], ours: [] };
    for (let round = 0; round < rounds; round++) {
      // Alternating, and the order flips each round: neither side always runs on a warmer machine.
      const order = round % 2 === 0 ? (['raw', 'ours'] as const) : (['ours', 'raw'] as const);
      for (const side of order) {
        const dir = await mkdtemp(join(tmpdir(), `batchwise-bench-${side}-`));
        const config: ChildConfig = {
          provider,
          jobs,
          batchSize: 10_000,
          concurrency: 4,
          pollMs: 100,
          baseURL: urls[provider],
          dir,
        };
        const report = await measure(side === 'raw' ? 'raw-sdk-script.ts' : 'batchwise-script.ts', config);
        row[side].push(report);
        runDirs.push(dir);
        console.error(
          `  ${provider} ${jobs} ${side}: ${(report.wallMs / 1000).toFixed(1)} s, ${report.peakRssMb.toFixed(0)} MB`,
        );
      }
    }
    emulator.proc.stdin!.end();
    rows.push(row);
  }
}

console.log(
  '\nprovider    jobs     script s  batchwise s  wall ratio  script MB  batchwise MB (range)  RSS ratio  state bytes  bytes/job',
);
for (const { provider, jobs, raw, ours } of rows) {
  const rawWall = median(raw.map((r) => r.wallMs)) / 1000;
  const ourWall = median(ours.map((r) => r.wallMs)) / 1000;
  const rawRss = median(raw.map((r) => r.peakRssMb));
  const ourRss = median(ours.map((r) => r.peakRssMb));
  const state = median(ours.map((r) => r.stateBytes));
  console.log(
    [
      provider.padEnd(10),
      String(jobs).padStart(6),
      rawWall.toFixed(1).padStart(10),
      ourWall.toFixed(1).padStart(12),
      `${(ourWall / rawWall).toFixed(2)}x`.padStart(11),
      rawRss.toFixed(0).padStart(10),
      // V8 sizes its heap from what is live at each full collection, and when those fall varies from run to run:
      // the range shows how far apart the rounds' peaks were.
      `${ourRss.toFixed(0)} (${rangeOf(ours.map((r) => r.peakRssMb))})`.padStart(21),
      `${(ourRss / rawRss).toFixed(2)}x`.padStart(10),
      String(state).padStart(12),
      (state / jobs).toFixed(1).padStart(10),
    ].join(' '),
  );
}

for (const dir of runDirs) await rm(dir, { recursive: true, force: true });
