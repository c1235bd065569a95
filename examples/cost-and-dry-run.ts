/**
 * What a batch will cost before it runs, and a limit it never passes: a dry run (no network), one with exact token
 * counts, a sampled dry run, then the real run under the limit — against the built-in emulator.
 *
 *   npm run example:cost
 */

import { startEmulator } from '../src/emulator/index.js';
import { Batch } from '../src/index.js';

const emulator = await startEmulator({ processingMs: 200 });
const makeBatch = () => {
  const batch = new Batch({
    anthropic: { apiKey: 'emulator-key', baseURL: emulator.anthropicBaseURL },
    openai: { apiKey: 'emulator-key', baseURL: emulator.openaiBaseURL },
    itemsPerBatch: 20,
    poll: { initialMs: 100, maxMs: 300 },
  })
    .setVerbosity('error')
    .addCostLimit({ usd: 0.05 });
  for (let i = 0; i < 40; i++) {
    const model = i % 2 === 0 ? 'claude-haiku-4-5' : 'gpt-4o-mini';
    batch.addJob({
      id: `q${i}`,
      model,
      maxTokens: 2_000,
      messages: [{ role: 'user', content: `Summarise ticket #${i}: ${'details '.repeat(50)}` }],
    });
  }
  return batch;
};

const usd = (value: number | null) => (value === null ? 'unknown' : `$${value.toFixed(5)}`);

const estimate = await makeBatch().dryRun();
console.log(
  `dry run: ${estimate.totals.jobs} jobs in ${estimate.batches.length} provider batches, worst case ${usd(estimate.totals.estimatedCostUsd)}`,
);
console.log(
  `  a $0.05 limit would hold back ${estimate.stoppedByCostLimit.length} job(s) if every job cost its worst case`,
);
console.log(
  `  first request as it would be sent: ${JSON.stringify(estimate.jobs[0]!.request).slice(0, 120)}…`,
);

// Exact Claude input counts from Anthropic's token-counting endpoint (free, needs the key; OpenAI stays offline).
const counted = await makeBatch().dryRun({ countTokens: true });
const claudeInput = (report: typeof estimate) =>
  report.jobs
    .filter((job) => job.provider === 'anthropic')
    .reduce((sum, job) => sum + job.estimatedInputTokens, 0);
console.log(
  `counted dry run: Claude input ${claudeInput(counted)} tokens counted exactly, against an offline bound of ${claudeInput(estimate)}`,
);

const sampled = await makeBatch().dryRun({ sample: 0.1 });
console.log(
  `sampled dry run: ${sampled.sample!.jobIds.length} jobs run for real, cost ${usd(sampled.sample!.actualCostUsd)}; extrapolated total ${usd(sampled.sample!.extrapolatedCostUsd)}`,
);

const run = await makeBatch().run();
run.on('costLimitReached', ({ limitUsd }) =>
  console.log(`  costLimitReached: $${limitUsd} — waiting for results to free budget`),
);
const results = Object.values(await run.wait());
const spent = results.reduce((sum, r) => sum + (r.costUsd ?? 0), 0);
console.log(
  `run: ${results.filter((r) => r.isSuccess).length} succeeded, ${results.filter((r) => r.error?.code === 'cost_limit').length} stopped by the limit; spent ${usd(spent)} of $0.05`,
);
await emulator.close();
