/**
 * The main job, end to end with no API keys: starts the built-in emulator, sends a few hundred jobs through
 * Anthropic's Message Batches API and OpenAI's Batch API (emulated), shows a progress bar and prints a summary. The
 * bar follows what the providers report as processed (OpenAI counts while its batches run, so it moves before any
 * result is in) and shows the results collected and an ETA beside it.
 *
 *   npm run demo
 *
 * Against the real API: drop the emulator, set ANTHROPIC_API_KEY, and leave out `anthropic.baseURL`.
 */
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { startEmulator } from '../src/emulator/index.js';
import { Batch } from '../src/index.js';

const JOBS = 300;
const reviews = ['great product!', 'arrived broken', 'does what it says', 'would not buy again', 'love it'];

const emulator = await startEmulator({ processingMs: 3_000, erroredShare: 0.02 });
const resultsDir = await mkdtemp(join(tmpdir(), 'batchwise-demo-'));

const batch = new Batch({
  resultsDir,
  itemsPerBatch: 50,
  maxConcurrent: 3,
  anthropic: { apiKey: 'emulator-key', baseURL: emulator.anthropicBaseURL },
  openai: { apiKey: 'emulator-key', baseURL: emulator.openaiBaseURL },
  poll: { initialMs: 200, maxMs: 500 },
}).defaults({ maxTokens: 256 });

for (let i = 0; i < JOBS; i++) {
  batch.addJob({
    id: `review-${i}`,
    // Half through each provider. gpt-5.1 reasons unless told not to: a classification needs no reasoning tokens.
    ...(i % 2 === 0 ? { model: 'claude-haiku-4-5' } : { model: 'gpt-5.1', reasoningEffort: 'none' as const }),
    messages: [
      { role: 'system', content: 'Classify the sentiment of the review as positive, negative or neutral.' },
      { role: 'user', content: `Review: ${reviews[i % reviews.length]} (#${i})` },
    ],
  });
}

const bar = new SingleBar({
  format:
    'batchwise |{bar}| {value}/{total} processed | {results} results ({failed} failed) | batches {batches} | ETA {eta}',
  hideCursor: true,
});
bar.start(JOBS, 0, { results: 0, failed: 0, batches: '0/0', eta: '?' });

const run = await batch.run();
run.on('progress', (p) => {
  bar.update(p.processedByProvider, {
    results: p.completed + p.failed,
    failed: p.failed,
    batches: `${p.batchesCompleted}/${p.batchesTotal}`,
    eta: p.etaMs === null ? '?' : `${(p.etaMs / 1000).toFixed(1)} s`,
  });
});
const results = await run.wait();
bar.stop();

const all = Object.values(results);
const failed = all.filter((r) => !r.isSuccess);
const tokens = all.reduce((sum, r) => sum + r.totalTokens, 0);
console.log(
  `\n${all.length} results: ${all.length - failed.length} succeeded, ${failed.length} failed; ${tokens} tokens.`,
);
for (const result of failed.slice(0, 3))
  console.log(`  ${result.jobId}: ${result.error?.code} — ${result.error?.message}`);
console.log(`first answer: ${all[0]?.jobId} -> ${JSON.stringify(all[0]?.rawResponse)}`);
console.log(`result files in ${resultsDir}\n`);
run.status({ print: true });
await emulator.close();
