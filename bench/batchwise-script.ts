/**
 * The same jobs through batchwise, crash-safe: a state file and one result file per job, the same batch size,
 * concurrency and polling as the raw SDK script. Run by `bench/compare.ts` as its own process.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Batch } from '../src/index.js';
import { configFromEnv, MAX_TOKENS, MODEL, prompt, report } from './workload.js';

const config = configFromEnv();
const started = performance.now();
const stateFile = join(config.dir, 'state.jsonl');
const batch = new Batch({
  stateFile,
  resultsDir: join(config.dir, 'results'),
  saveRawResponses: false,
  itemsPerBatch: config.batchSize,
  maxConcurrent: config.concurrency,
  poll: { initialMs: config.pollMs, maxMs: config.pollMs },
  [config.provider]: { apiKey: 'bench', baseURL: config.baseURL },
}).setVerbosity('error');
for (let i = 0; i < config.jobs; i++) {
  batch.addJob({
    id: `job-${i}`,
    model: MODEL[config.provider],
    maxTokens: MAX_TOKENS,
    messages: [{ role: 'user', content: prompt(i) }],
  });
}
const run = await batch.run();
const results = await run.wait();
const count = Object.keys(results).length;
report({ wallMs: performance.now() - started, stateBytes: (await stat(stateFile)).size, results: count });
