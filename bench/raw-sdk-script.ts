/**
 * The script a user writes instead of batchwise, on the official SDKs: split the jobs into batches, create a few at
 * once, poll, stream every result into one JSONL file. No state file, no per-job files, no cost limit: the baseline
 * the bench measures batchwise against. Run by `bench/compare.ts` as its own process.
 */

import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import { configFromEnv, MAX_TOKENS, MODEL, prompt, report } from './workload.js';

const config = configFromEnv();
const started = performance.now();
const out = createWriteStream(join(config.dir, 'results.jsonl'));
let written = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function write(line: string): Promise<void> {
  written++;
  if (!out.write(`${line}\n`)) await once(out, 'drain');
}

async function anthropicBatch(client: Anthropic, from: number, to: number): Promise<void> {
  const requests = [];
  for (let i = from; i < to; i++) {
    requests.push({
      custom_id: `job-${i}`,
      params: {
        model: MODEL.anthropic,
        max_tokens: MAX_TOKENS,
        messages: [{ role: 'user' as const, content: prompt(i) }],
      },
    });
  }
  let batch = await client.messages.batches.create({ requests });
  while (batch.processing_status !== 'ended') {
    await sleep(config.pollMs);
    batch = await client.messages.batches.retrieve(batch.id);
  }
  for await (const result of await client.messages.batches.results(batch.id))
    await write(JSON.stringify(result));
}

async function openaiBatch(client: OpenAI, from: number, to: number): Promise<void> {
  const lines: string[] = [];
  for (let i = from; i < to; i++) {
    lines.push(
      JSON.stringify({
        custom_id: `job-${i}`,
        method: 'POST',
        url: '/v1/chat/completions',
        body: {
          model: MODEL.openai,
          max_tokens: MAX_TOKENS,
          messages: [{ role: 'user', content: prompt(i) }],
        },
      }),
    );
  }
  const file = await client.files.create({
    file: await toFile(Buffer.from(`${lines.join('\n')}\n`), 'input.jsonl'),
    purpose: 'batch',
  });
  let batch = await client.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  while (!['completed', 'failed', 'expired', 'cancelled'].includes(batch.status)) {
    await sleep(config.pollMs);
    batch = await client.batches.retrieve(batch.id);
  }
  if (!batch.output_file_id) throw new Error(`batch ${batch.id} ended ${batch.status} without output`);
  const response = await client.files.content(batch.output_file_id);
  let rest = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    const lines = (rest + decoder.decode(chunk, { stream: true })).split('\n');
    rest = lines.pop() ?? '';
    for (const line of lines) if (line) await write(line);
  }
  if (rest) await write(rest);
}

const client =
  config.provider === 'anthropic'
    ? new Anthropic({ apiKey: 'bench', baseURL: config.baseURL })
    : new OpenAI({ apiKey: 'bench', baseURL: config.baseURL });
const ranges: [number, number][] = [];
for (let from = 0; from < config.jobs; from += config.batchSize)
  ranges.push([from, Math.min(config.jobs, from + config.batchSize)]);

// A few batches at once: each worker takes the next range until none is left.
await Promise.all(
  Array.from({ length: config.concurrency }, async () => {
    for (let range = ranges.shift(); range; range = ranges.shift()) {
      if (client instanceof Anthropic) await anthropicBatch(client, ...range);
      else await openaiBatch(client, ...range);
    }
  }),
);
out.end();
await once(out, 'finish');
report({ wallMs: performance.now() - started, stateBytes: 0, results: written });
