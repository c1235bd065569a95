import { execFile, spawn } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '../..');
let scratch: string;

beforeAll(async () => {
  await run(process.execPath, [join(root, 'node_modules/tsup/dist/cli-default.js')], { cwd: root });
  // Inside the package root, so that `batchwise` resolves to this package through its own `exports` map.
  await mkdir(join(root, '.tmp'), { recursive: true });
  scratch = await mkdtemp(join(root, '.tmp', 'import-'));
}, 120_000);
afterAll(() => rm(scratch, { recursive: true, force: true }));

describe('the built package', () => {
  it('imports from ESM', async () => {
    const file = join(scratch, 'probe.mjs');
    await writeFile(
      file,
      `import { BatchwiseError } from 'batchwise';
import { startEmulator } from 'batchwise/emulator';
const emulator = await startEmulator();
const error = new BatchwiseError('demo', 'x');
console.log(JSON.stringify({ code: error.code, isError: BatchwiseError.isInstance(error), url: emulator.url.startsWith('http://127.0.0.1:') }));
await emulator.close();`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ code: 'demo', isError: true, url: true });
  });

  it('requires from CommonJS', async () => {
    const file = join(scratch, 'probe.cjs');
    await writeFile(
      file,
      `const { BatchwiseError } = require('batchwise');
const { startEmulator } = require('batchwise/emulator');
startEmulator().then(async (emulator) => {
  console.log(JSON.stringify({ name: new BatchwiseError('c', 'm').name, port: emulator.port > 0 }));
  await emulator.close();
});`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: scratch });
    expect(JSON.parse(stdout)).toEqual({ name: 'BatchwiseError', port: true });
  });

  it('runs `batchwise emulator --port 0` as a server the SDK can reach', async () => {
    const child = spawn(process.execPath, [
      join(root, 'dist/cli/main.js'),
      'emulator',
      '--port',
      '0',
      '--processing-ms',
      '50',
    ]);
    try {
      const url = await new Promise<string>((resolvePromise, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) resolvePromise(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${output}`)));
      });
      const client = new Anthropic({ apiKey: 'k', baseURL: url });
      const batch = await client.messages.batches.create({
        requests: [
          {
            custom_id: 'a',
            params: {
              model: 'claude-haiku-4-5',
              max_tokens: 10,
              messages: [{ role: 'user', content: 'hi' }],
            },
          },
        ],
      });
      expect(batch.processing_status).toBe('in_progress');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
