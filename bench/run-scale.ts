/**
 * How a run scales with the job count, against the in-process emulator: wall time, heap after the run, and bytes
 * written to the state file, for growing job sets. Numbers only, no assertions (timing goals live here, not in
 * tests).
 *
 *   npm run bench
 */
import { mkdtemp, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { Batch } from '../src/index.js';

const sizes = (process.env.BENCH_SIZES ?? '2000,10000,20000').split(',').map(Number);
const emulator = await startEmulator({ processingMs: 50 });

console.log('jobs     wall ms   jobs/s   heap MB   state bytes   bytes/job');
for (const size of sizes) {
  const dir = await mkdtemp(join(tmpdir(), 'batchwise-bench-'));
  const batch = new Batch({
    stateFile: join(dir, 'state.jsonl'),
    itemsPerBatch: 2_000,
    maxConcurrent: 4,
    saveRawResponses: false,
    anthropic: { apiKey: 'bench', baseURL: emulator.anthropicBaseURL },
    poll: { initialMs: 20, maxMs: 100 },
  }).setVerbosity('error');
  for (let i = 0; i < size; i++) {
    batch.addJob({
      id: `j${i}`,
      model: 'claude-haiku-4-5',
      maxTokens: 64,
      messages: [{ role: 'user', content: `Question ${i}` }],
    });
  }
  global.gc?.();
  const started = performance.now();
  const run = await batch.run({ wait: true });
  const wall = performance.now() - started;
  global.gc?.();
  const heap = process.memoryUsage().heapUsed / 1024 / 1024;
  const done = Object.keys(run.results()).length;
  if (done !== size) throw new Error(`expected ${size} results, got ${done}`);
  const bytes = (await stat(join(dir, 'state.jsonl'))).size;
  console.log(
    `${String(size).padEnd(8)} ${wall.toFixed(0).padStart(7)} ${((size / wall) * 1000).toFixed(0).padStart(8)} ${heap
      .toFixed(1)
      .padStart(9)} ${String(bytes).padStart(13)} ${(bytes / size).toFixed(1).padStart(11)}`,
  );
}
await emulator.close();
