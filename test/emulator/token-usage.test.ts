import { readFileSync } from 'node:fs';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import type OpenAI from 'openai';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { clientsFor, jsonlLine, readLines, until, uploadJsonl } from '../helpers/clients.js';

let emulator: Emulator;
let openai: OpenAI;

beforeEach(async () => {
  // gpt-4-turbo (cl100k_base) shut down on 2026-10-23: served here as an organisation's own model would be, so that
  // the older encoding stays covered.
  emulator = await startEmulator({ processingMs: 100, models: { openai: ['gpt-4-turbo'] } });
  ({ openai } = clientsFor(emulator));
});
afterEach(() => emulator.close());

const dir = new URL('../fixtures/token-corpus/', import.meta.url);
const files = [
  'english.txt',
  'code.txt',
  'spaced-digits.txt',
  'hex.txt',
  'base64.txt',
  'cjk.txt',
  'emoji.txt',
];
const texts = files.map((file) => readFileSync(new URL(file, dir), 'utf8'));

/** OpenAI's cookbook count ("How to count tokens with tiktoken"): 3 a message, its fields, 1 a name, 3 the reply. */
function cookbookCount(encoder: Tiktoken, messages: Record<string, string>[]): number {
  let tokens = 3;
  for (const message of messages) {
    tokens += 3;
    for (const [key, value] of Object.entries(message)) {
      tokens += encoder.encode(value).length;
      if (key === 'name') tokens += 1;
    }
  }
  return tokens;
}

async function promptTokens(model: string, bodies: Record<string, unknown>[]) {
  const file = await uploadJsonl(
    openai,
    bodies.map((body, i) => jsonlLine(`r${i}`, { model, max_tokens: 5, ...body })),
  );
  const created = await openai.batches.create({
    input_file_id: file.id,
    endpoint: '/v1/chat/completions',
    completion_window: '24h',
  });
  const batch = await until(
    () => openai.batches.retrieve(created.id),
    (b) => b.status === 'completed',
  );
  const rows = (await readLines(await openai.files.content(batch.output_file_id!))) as {
    custom_id: string;
    response: { body: { usage: { prompt_tokens: number } } };
  }[];
  return Object.fromEntries(rows.map((row) => [row.custom_id, row.response.body.usage.prompt_tokens]));
}

describe('emulator token usage', () => {
  for (const [model, ranks] of [
    ['gpt-4o-mini', o200k],
    ['gpt-4-turbo', cl100k],
  ] as const) {
    it(`OpenAI prompt_tokens is the real tiktoken count plus the chat format's tokens (${model})`, async () => {
      const encoder = new Tiktoken(ranks);
      const conversations = texts.map((text): Record<string, string>[] => [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', name: 'clerk', content: text },
      ]);
      const usage = await promptTokens(
        model,
        conversations.map((messages) => ({ messages })),
      );
      conversations.forEach((messages, i) => {
        expect(usage[`r${i}`], `${model} ${files[i]}`).toBe(cookbookCount(encoder, messages));
      });
    });
  }
});
