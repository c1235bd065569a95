import Anthropic from '@anthropic-ai/sdk';
import OpenAI, { toFile } from 'openai';
import type { Emulator } from '../../src/emulator/index.js';

/** The official clients pointed at an emulator, with the SDKs' own retries on (as users run them). */
export function clientsFor(emulator: Emulator, apiKey = 'test-key') {
  return {
    openai: new OpenAI({ apiKey, baseURL: emulator.openaiBaseURL }),
    anthropic: new Anthropic({ apiKey, baseURL: emulator.anthropicBaseURL }),
  };
}

export function jsonlLine(customId: string, body: Record<string, unknown>): string {
  return JSON.stringify({ custom_id: customId, method: 'POST', url: '/v1/chat/completions', body });
}

export async function uploadJsonl(openai: OpenAI, lines: string[], name = 'input.jsonl') {
  const content = lines.map((line) => `${line}\n`).join('');
  return openai.files.create({ file: await toFile(Buffer.from(content), name), purpose: 'batch' });
}

export function chatBody(text: string, model = 'gpt-4o-mini'): Record<string, unknown> {
  return { model, messages: [{ role: 'user', content: text }], max_tokens: 100 };
}

/**
 * Polls until `done` holds. `timeoutMs` only turns a condition that never comes into a clear failure; it is not a
 * timing assumption, so it is as long as a test may take on a loaded machine.
 */
export async function until<T>(
  read: () => Promise<T>,
  done: (value: T) => boolean,
  timeoutMs = 25_000,
): Promise<T> {
  const started = Date.now();
  for (;;) {
    const value = await read();
    if (done(value)) return value;
    if (Date.now() - started > timeoutMs) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

export async function readLines(response: Response): Promise<Record<string, unknown>[]> {
  const text = await response.text();
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/**
 * Resolves once the clock has moved past the millisecond it was called in: batches created after it have a later
 * creation time than those before (lists sort by it), whatever a timer's precision on a loaded machine.
 */
export async function nextMillisecond(): Promise<void> {
  const now = Date.now();
  while (Date.now() <= now) await new Promise((resolve) => setTimeout(resolve, 1));
}
