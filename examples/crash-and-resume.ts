/**
 * Crash-safe resume: a run with a state file is killed with SIGKILL right after a provider batch was created but
 * before its id was recorded — the worst moment — and then simply run again. The second run finds the orphaned
 * batch at the provider and adopts it: nothing is paid twice, nothing is lost.
 *
 *   npm run example:resume
 *
 * (The kill uses batchwise's failpoint for tests, BATCHWISE_CRASH_AT, to hit that exact instant.)
 */
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmulator } from '../src/emulator/index.js';
import { Batch } from '../src/index.js';

const [url, dir] = process.argv.slice(2);

function batchFor(baseURL: string, stateDir: string) {
  const batch = new Batch({
    stateFile: join(stateDir, 'state.jsonl'),
    anthropic: { apiKey: 'emulator-key', baseURL },
    poll: { initialMs: 100, maxMs: 300 },
  }).setVerbosity('info');
  for (let i = 0; i < 10; i++)
    batch.addJob({
      id: `doc-${i}`,
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: `Classify document ${i}` }],
    });
  return batch;
}

if (url && dir) {
  // The child: the run that gets killed.
  await batchFor(url, dir).run({ wait: true });
} else {
  const emulator = await startEmulator({
    processingMs: 500,
    dataDir: await mkdtemp(join(tmpdir(), 'batchwise-emu-')),
  });
  const stateDir = await mkdtemp(join(tmpdir(), 'batchwise-resume-'));
  // Asynchronously: the emulator lives in this process and must keep answering the child.
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, emulator.url, stateDir], {
    env: { ...process.env, BATCHWISE_CRASH_AT: 'after-create:1' },
    stdio: 'inherit',
  });
  const signal = await new Promise<string | null>((resolve) => child.on('exit', (_, sig) => resolve(sig)));
  const created = emulator.stats().batchesCreated.anthropic;
  console.log(
    `first run: killed by ${signal} after creating ${created} provider batch, before recording its id`,
  );
  const run = await batchFor(emulator.anthropicBaseURL, stateDir).run({ wait: true });
  const results = Object.values(run.results());
  console.log(`second run: ${results.filter((r) => r.isSuccess).length}/${results.length} succeeded`);
  console.log(
    `provider batches created in all: ${emulator.stats().batchesCreated.anthropic} (adopted, not paid twice)`,
  );
  await emulator.close();
}
