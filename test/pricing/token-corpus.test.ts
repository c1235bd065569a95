import { readFileSync } from 'node:fs';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import o200k from 'js-tiktoken/ranks/o200k_base';
import { describe, expect, it } from 'vitest';
import { textCounter } from '../../src/emulator/index.js';
import { normalizeJob } from '../../src/jobs/normalize-job.js';
import {
  claudeTextTokenBound,
  estimateJob,
  openaiTextTokens,
  textTokenEstimate,
} from '../../src/pricing/estimate.js';
import { countTokens, encodingForModel, loadEncoding } from '../../src/pricing/tokenizer.js';
import { toAnthropicRequest } from '../../src/providers/anthropic/to-request.js';
import { toOpenAIRequest } from '../../src/providers/openai/to-request.js';

/**
 * The corpus of docs/cost.md: English, code, JSON, spaced digits, numbers, hex, base64, CJK, emoji and a mix, with
 * counts measured once (measured.json says how).
 */
const dir = new URL('../fixtures/token-corpus/', import.meta.url);
const measured = JSON.parse(readFileSync(new URL('measured.json', dir), 'utf8')) as {
  samples: Record<string, { bytes: number; o200k: number; cl100k: number; claudeLegacy: number }>;
};
const corpus = Object.entries(measured.samples).map(([file, counts]) => ({
  file,
  text: readFileSync(new URL(file, dir), 'utf8'),
  ...counts,
}));
const encoders = { o200k_base: new Tiktoken(o200k), cl100k_base: new Tiktoken(cl100k) };

/** OpenAI's cookbook ("How to count tokens with tiktoken"), written out here on its own. */
function cookbookCount(encoder: Tiktoken, messages: Record<string, string>[]): number {
  let tokens = 3; // every reply is primed with <|start|>assistant<|message|>
  for (const message of messages) {
    tokens += 3;
    for (const [key, value] of Object.entries(message)) {
      tokens += encoder.encode(value).length;
      if (key === 'name') tokens += 1;
    }
  }
  return tokens;
}

const job = (model: string, text: string) =>
  normalizeJob(
    {
      id: 'j',
      messages: [
        { role: 'system', content: 'Answer briefly.' },
        { role: 'user', content: text },
      ],
      maxTokens: 10,
    },
    { model },
    0,
    new Set(),
  );

describe('token estimates on the corpus', () => {
  it('the measured counts are what js-tiktoken gives, and the old bytes / 3 undercounts the adversarial texts', () => {
    for (const sample of corpus) {
      expect(Buffer.byteLength(sample.text), sample.file).toBe(sample.bytes);
      expect(encoders.o200k_base.encode(sample.text).length, sample.file).toBe(sample.o200k);
      expect(encoders.cl100k_base.encode(sample.text).length, sample.file).toBe(sample.cl100k);
    }
    const under = corpus.filter((s) => s.o200k > textTokenEstimate(s.text)).map((s) => s.file);
    expect(under.sort()).toEqual(
      expect.arrayContaining(['base64.txt', 'emoji.txt', 'hex.txt', 'numbers.txt', 'spaced-digits.txt']),
    );
  });

  it('OpenAI: at least the cookbook count with the real tokenizer, and close to it', async () => {
    for (const model of ['gpt-4o-mini', 'gpt-5-mini', 'gpt-4-turbo', 'gpt-3.5-turbo']) {
      const encoder = encoders[encodingForModel(model)];
      for (const sample of corpus) {
        const messages: Record<string, string>[] = [
          { role: 'system', content: 'Answer briefly.' },
          { role: 'user', name: 'clerk', content: sample.text },
        ];
        const exact = cookbookCount(encoder, messages);
        const counted = await openaiTextTokens({ model, messages, max_tokens: 10 }, model);
        expect(counted, `${model} ${sample.file}`).toBeGreaterThanOrEqual(exact);
        // Within 10%: the body's parameters, and runs without whitespace over 64 characters counted in parts.
        expect(counted, `${model} ${sample.file}`).toBeLessThanOrEqual(exact * 1.1 + 10);
      }
    }
    expect(encodingForModel('gpt-4o-mini')).toBe('o200k_base');
    expect(encodingForModel('ft:gpt-4.1-mini:acme::x1')).toBe('o200k_base');
    expect(encodingForModel('gpt-4-turbo')).toBe('cl100k_base');
  });

  it('OpenAI: a job estimate is at least the exact count of its request body', async () => {
    for (const model of ['gpt-4o-mini', 'gpt-5-mini']) {
      const encoder = encoders[encodingForModel(model)];
      for (const sample of corpus) {
        const normalized = job(model, sample.text);
        const body = toOpenAIRequest(normalized, null).body as { messages: Record<string, string>[] };
        const estimate = await estimateJob(normalized, body, null);
        expect(estimate.inputTokens, `${model} ${sample.file}`).toBeGreaterThanOrEqual(
          cookbookCount(encoder, body.messages),
        );
      }
    }
  });

  it("Claude: above Anthropic's published tokenizer times its stated 1.35, and above the emulator's rule", async () => {
    const emulatorClaude = await textCounter('anthropic', 'claude-haiku-4-5');
    for (const sample of corpus) {
      const bound = await claudeTextTokenBound(sample.text);
      // The published tokenizer NFKC-normalises first, so on Armenian it counts more tokens than bytes; Claude 3 and
      // later are byte-level BPEs, which cannot: there the byte count is the bound.
      expect(bound, sample.file).toBeGreaterThanOrEqual(
        Math.min(sample.bytes, Math.ceil(1.35 * sample.claudeLegacy)),
      );
      expect(bound, sample.file).toBeGreaterThanOrEqual(emulatorClaude(sample.text));
      expect(bound, sample.file).toBeLessThanOrEqual(sample.bytes);
      const normalized = job('claude-haiku-4-5', sample.text);
      const estimate = await estimateJob(normalized, toAnthropicRequest(normalized, null).body, null);
      expect(estimate.inputTokens, sample.file).toBeGreaterThanOrEqual(bound);
    }
  });

  it('a text document that looks like base64 is counted as the text it is', async () => {
    const base64 = corpus.find((s) => s.file === 'base64.txt')!.text.replace(/\n/g, '');
    const document = { type: 'document', source: { type: 'text', media_type: 'text/plain', data: base64 } };
    const body = {
      model: 'claude-haiku-4-5',
      max_tokens: 10,
      messages: [{ role: 'user', content: [document] }],
    };
    const normalized = job('claude-haiku-4-5', 'x');
    expect((await estimateJob(normalized, body, null)).inputTokens).toBeGreaterThanOrEqual(base64.length);
  });

  it('long runs without whitespace are counted in parts, fast, and not below the real count', async () => {
    const sentence = '委员会在一个阴沉的星期二早上开会审查季度报告';
    const count = (text: string) =>
      openaiTextTokens({ messages: [{ role: 'user', content: text }] }, 'gpt-4o-mini');
    const short = sentence.repeat(30);
    expect(await count(short)).toBeGreaterThanOrEqual(encoders.o200k_base.encode(short).length + 7);
    // "Fast" as a property, not a stopwatch (timing goals belong in the bench): the encoder, quadratic in the length
    // of a piece, is never handed a run longer than the cut, so 24,000 characters cost as 375 short runs do.
    const encoder = await loadEncoding('o200k_base');
    const seen: number[] = [];
    const encode = encoder.encode.bind(encoder);
    encoder.encode = (text: string, ...rest: never[]) => {
      seen.push(text.length);
      return encode(text, ...rest);
    };
    const long = sentence.repeat(1_000);
    try {
      // Counted in parts, each an upper bound, so the whole at least as many as the sentences alone would give.
      expect(countTokens(encoder, long)).toBeGreaterThanOrEqual(1_000 * encode(sentence).length);
    } finally {
      encoder.encode = encode;
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(Math.max(...seen)).toBeLessThanOrEqual(65);
  });
});
