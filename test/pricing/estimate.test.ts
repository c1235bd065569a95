import { describe, expect, it } from 'vitest';
import { normalizeJob } from '../../src/jobs/normalize-job.js';
import {
  cacheTtlOf,
  estimateJob,
  imageTokenEstimate,
  inferenceGeoOf,
  pdfTokenEstimate,
  textTokenEstimate,
  worstCaseUsage,
} from '../../src/pricing/estimate.js';
import { batchCost } from '../../src/pricing/prices.js';
import { toAnthropicRequest } from '../../src/providers/anthropic/to-request.js';
import { makePdf } from '../helpers/pdf.js';

/** The smallest PNG header image-size needs: signature and IHDR with the size. */
function png(width: number, height: number): Buffer {
  const header = Buffer.alloc(33);
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]).copy(header, 0);
  header.writeUInt32BE(13, 8);
  header.write('IHDR', 12, 'ascii');
  header.writeUInt32BE(width, 16);
  header.writeUInt32BE(height, 20);
  return header;
}

describe('estimates', () => {
  it('text: ceil(UTF-8 bytes / 3)', () => {
    expect(textTokenEstimate('abcdef')).toBe(2);
    expect(textTokenEstimate('日本')).toBe(2);
  });

  it('PDFs by page count, page size and text', async () => {
    const pdf = await makePdf([['page one'], ['page two'], ['page three']]);
    expect(await pdfTokenEstimate(pdf, 'anthropic', 'claude-haiku-4-5')).toBe(3 * 3_000);
    const dense = await makePdf([Array.from({ length: 40 }, (_, i) => `L${i} ${'wordy text '.repeat(8)}`)]);
    // A page's text adds to its image: 1,534 image tokens + about 3,600 text characters counted as one token each.
    const perCharacter = (text: string) => text.length;
    expect(await pdfTokenEstimate(dense, 'anthropic', 'claude-haiku-4-5', perCharacter)).toBeGreaterThan(
      5_000,
    );
    // A Letter page is at most 1,534 image tokens on Claude (1.15 MP), 4,784+ on Opus 4.7; on gpt-4o-mini its
    // image is 2 x 2 tiles after the shortest side is scaled to 768 px: 2,833 + 4 x 5,667.
    expect(await pdfTokenEstimate(pdf, 'anthropic', 'claude-opus-4-7')).toBeGreaterThan(3 * 4_784);
    expect(await pdfTokenEstimate(pdf, 'openai', 'gpt-4o-mini')).toBeGreaterThanOrEqual(
      3 * (2_833 + 4 * 5_667),
    );
  });

  it("images by each provider's documented rule", () => {
    expect(imageTokenEstimate(png(1000, 1000), 'anthropic', 'claude-haiku-4-5')).toBe(1334);
    // Larger images are scaled to 1.15 megapixels first.
    expect(imageTokenEstimate(png(4000, 3000), 'anthropic', 'claude-haiku-4-5')).toBe(1534);
    // Claude Opus 4.7 reads up to 4,784 patch tokens (2,576 px on the long edge): w × h / 750 of 3.75 MP is 5,001.
    expect(imageTokenEstimate(png(4000, 3000), 'anthropic', 'claude-opus-4-7')).toBe(5001);
    // Small images are padded to 28-px patches: 100 × 100 is 4 × 4 patches, more than 100² / 750.
    expect(imageTokenEstimate(png(100, 100), 'anthropic', 'claude-haiku-4-5')).toBe(16);
    // gpt-4o: 1024x1024 -> 768x768 -> 4 tiles: 85 + 4 x 170.
    expect(imageTokenEstimate(png(1024, 1024), 'openai', 'gpt-4o')).toBe(765);
    expect(imageTokenEstimate(png(1024, 1024), 'openai', 'gpt-4o-mini')).toBe(2_833 + 4 * 5_667);
    // gpt-4.1-mini: 32-px patches times 1.62.
    expect(imageTokenEstimate(png(1024, 1024), 'openai', 'gpt-4.1-mini')).toBe(Math.ceil(1024 * 1.62));
    // Unreadable: the largest.
    expect(imageTokenEstimate(Buffer.from('nope'), 'anthropic', 'claude-haiku-4-5')).toBe(1534);
  });

  it('output at maxTokens unless expectedOutputTokens is given; input from the exact request body', async () => {
    const job = normalizeJob(
      { id: 'j', messages: [{ role: 'user', content: 'x'.repeat(300) }], maxTokens: 700 },
      { model: 'claude-haiku-4-5' },
      0,
      new Set(),
    );
    const estimate = await estimateJob(job, toAnthropicRequest(job, null).body, null);
    expect(estimate.outputTokens).toBe(700);
    expect(estimate.inputTokens).toBeGreaterThanOrEqual(100);
    const expected = normalizeJob(
      { id: 'k', messages: [{ role: 'user', content: 'x' }], maxTokens: 700, expectedOutputTokens: 50 },
      { model: 'claude-haiku-4-5' },
      0,
      new Set(),
    );
    expect((await estimateJob(expected, {}, null)).outputTokens).toBe(50);
  });

  it('an image job adds its image estimate, not its base64 length', async () => {
    const image = png(1000, 1000);
    const job = normalizeJob(
      { id: 'i', file: { data: image, name: 'a.png' }, prompt: 'Describe' },
      { model: 'claude-haiku-4-5' },
      0,
      new Set(),
    );
    const estimate = await estimateJob(job, toAnthropicRequest(job, image).body, image);
    expect(estimate.inputTokens).toBeGreaterThan(1334);
    expect(estimate.inputTokens).toBeLessThan(1334 + 100);
  });
});

describe('cacheTtlOf', () => {
  it('finds the longest TTL of any cache_control in an Anthropic body, wherever it is', () => {
    expect(cacheTtlOf({ model: 'm', messages: [{ role: 'user', content: 'cache_control' }] })).toBeNull();
    expect(cacheTtlOf({ cache_control: null })).toBeNull();
    expect(cacheTtlOf({ cache_control: { type: 'ephemeral' } })).toBe('5m');
    // A 1-hour marker on a tool wins over a later 5-minute one at the top level.
    expect(
      cacheTtlOf({
        tools: [{ name: 't', input_schema: {}, cache_control: { type: 'ephemeral', ttl: '1h' } }],
        cache_control: { type: 'ephemeral' },
      }),
    ).toBe('1h');
  });

  it('turns every input token into a cache write in the worst case, and none without a marker', () => {
    expect(worstCaseUsage({ inputTokens: 10, outputTokens: 5, cacheTtl: null, inferenceGeo: null })).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      inferenceGeo: null,
    });
    expect(worstCaseUsage({ inputTokens: 10, outputTokens: 5, cacheTtl: '1h', inferenceGeo: 'us' })).toEqual({
      inputTokens: 10,
      outputTokens: 5,
      cacheWriteTokens: 10,
      cacheWrite1hTokens: 10,
      inferenceGeo: 'us',
    });
  });

  it("reads a Claude request's inference_geo, which US-only inference prices at 1.1 times", () => {
    expect(inferenceGeoOf({ model: 'claude-opus-4-6', inference_geo: 'us' })).toBe('us');
    expect(inferenceGeoOf({ model: 'claude-opus-4-6' })).toBeNull();
    const usage = { inputTokens: 1_000_000, outputTokens: 1_000_000, cacheReadTokens: 500_000 };
    const global = batchCost('claude-opus-4-6', 'anthropic', { ...usage, inferenceGeo: 'global' })!;
    expect(batchCost('claude-opus-4-6', 'anthropic', usage)).toBe(global);
    expect(batchCost('claude-opus-4-6', 'anthropic', { ...usage, inferenceGeo: 'us' })).toBeCloseTo(
      global * 1.1,
      12,
    );
    // A price the user gives is the standard one: the premium is on top of it too.
    const prices = { 'claude-acme': { inputPerMTok: 2, outputPerMTok: 10 } };
    const own = { inputTokens: 1_000_000, outputTokens: 1_000_000 };
    expect(batchCost('claude-acme', 'anthropic', { ...own, inferenceGeo: 'us' }, prices)).toBeCloseTo(
      6 * 1.1,
      12,
    );
  });
});

describe('cacheTtlOf in schemas', () => {
  it('takes a field named cache_control in a tool schema or the output format for a field, not a marker', () => {
    expect(
      cacheTtlOf({
        tools: [
          {
            name: 't',
            input_schema: { properties: { cache_control: { type: 'object' } } },
            input_examples: [{ cache_control: { type: 'ephemeral', ttl: '1h' } }],
          },
        ],
        output_config: { format: { schema: { properties: { cache_control: { type: 'object' } } } } },
      }),
    ).toBeNull();
  });
});
