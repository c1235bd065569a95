import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { clientsFor, jsonlLine, readLines, until, uploadJsonl } from '../helpers/clients.js';
import { makePng } from '../helpers/image.js';
import { makePagesPdf } from '../helpers/pdf.js';

let emulator: Emulator;
let clients: ReturnType<typeof clientsFor>;
beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 60 });
  clients = clientsFor(emulator);
});
afterAll(() => emulator.close());

const b64 = (data: Buffer) => data.toString('base64');

/** Input tokens Anthropic bills for each request (same text, with or without a block), through the SDK. */
async function anthropicInput(
  model: string,
  blocks: Record<string, Anthropic.Messages.ContentBlockParam | null>,
) {
  const { anthropic } = clients;
  const batch = await anthropic.messages.batches.create({
    requests: Object.entries(blocks).map(([customId, block]) => ({
      custom_id: customId,
      params: {
        model,
        max_tokens: 10,
        messages: [
          { role: 'user', content: [...(block ? [block] : []), { type: 'text', text: 'Describe.' }] },
        ],
      },
    })),
  });
  await until(
    () => anthropic.messages.batches.retrieve(batch.id),
    (b) => b.processing_status === 'ended',
  );
  const tokens: Record<string, number> = {};
  for await (const line of await anthropic.messages.batches.results(batch.id)) {
    if (line.result.type !== 'succeeded') throw new Error(`${line.custom_id}: ${line.result.type}`);
    tokens[line.custom_id] = line.result.message.usage.input_tokens;
  }
  return tokens;
}

async function openaiInput(model: string, parts: Record<string, Record<string, unknown> | null>) {
  const { openai } = clients;
  const file = await uploadJsonl(
    openai,
    Object.entries(parts).map(([customId, part]) =>
      jsonlLine(customId, {
        model,
        max_tokens: 10,
        messages: [{ role: 'user', content: [...(part ? [part] : []), { type: 'text', text: 'Describe.' }] }],
      }),
    ),
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
  const tokens: Record<string, number> = {};
  for (const row of await readLines(await openai.files.content(batch.output_file_id!))) {
    const response = row.response as { body: { usage: { prompt_tokens: number } } };
    tokens[row.custom_id as string] = response.body.usage.prompt_tokens;
  }
  return tokens;
}

const image = (data: Buffer): Anthropic.Messages.ContentBlockParam => ({
  type: 'image',
  source: { type: 'base64', media_type: 'image/png', data: b64(data) },
});
const imageUrl = (data: Buffer, detail = 'auto') => ({
  type: 'image_url',
  image_url: { url: `data:image/png;base64,${b64(data)}`, detail },
});

describe('the emulator bills images by each provider’s documented rule', () => {
  it('Anthropic: width × height / 750 after scaling to 1568 px on the long edge and 1.15 megapixels', async () => {
    const t = await anthropicInput('claude-haiku-4-5', {
      none: null,
      square: image(makePng(1000, 1000)),
      photo: image(makePng(4000, 3000)),
      banner: image(makePng(3000, 200)),
    });
    expect(t.square! - t.none!).toBe(Math.ceil((1000 * 1000) / 750)); // 1,334
    expect(t.photo! - t.none!).toBe(1_534); // ~1.15 MP / 750
    // The long edge to 1568 px: 1568 × 104.5 / 750.
    expect(t.banner! - t.none!).toBe(Math.ceil((1568 * ((200 * 1568) / 3000)) / 750));
  });

  it('Anthropic PDFs: each page its text plus the image of the page', async () => {
    const t = await anthropicInput('claude-haiku-4-5', {
      none: null,
      pdf: {
        type: 'document',
        source: { type: 'base64', media_type: 'application/pdf', data: b64(await makePagesPdf(3)) },
      },
    });
    // A Letter page rendered at 144 dpi is 1224 × 1584 px: scaled to 1.15 MP, 1,534 tokens; plus "Page N".
    expect(t.pdf! - t.none!).toBeGreaterThan(3 * 1_534);
    expect(t.pdf! - t.none!).toBeLessThan(3 * 1_534 + 3 * 10);
  });

  it('OpenAI: 512-px tiles (gpt-4o, gpt-4o-mini), the base alone at detail low, 32-px patches (gpt-4.1-mini)', async () => {
    const square = makePng(1024, 1024);
    const gpt4o = await openaiInput('gpt-4o', {
      none: null,
      high: imageUrl(square),
      low: imageUrl(square, 'low'),
      huge: imageUrl(makePng(4096, 2048)),
    });
    expect(gpt4o.high! - gpt4o.none!).toBe(85 + 4 * 170); // 1024² -> 768² -> 2 × 2 tiles
    expect(gpt4o.low! - gpt4o.none!).toBe(85);
    expect(gpt4o.huge! - gpt4o.none!).toBe(85 + 6 * 170); // -> 2048 × 1024 -> 1536 × 768 -> 3 × 2 tiles
    const mini = await openaiInput('gpt-4o-mini', { none: null, high: imageUrl(square) });
    expect(mini.high! - mini.none!).toBe(2_833 + 4 * 5_667);
    const patches = await openaiInput('gpt-4.1-mini', { none: null, square: imageUrl(square) });
    expect(patches.square! - patches.none!).toBe(Math.ceil(1024 * 1.62));
  });

  it('an image it cannot see (a URL) is not refused and costs the most an image can', async () => {
    const t = await openaiInput('gpt-4o', {
      none: null,
      url: { type: 'image_url', image_url: { url: 'https://example.com/scan.png' } },
    });
    expect(t.url! - t.none!).toBe(85 + 8 * 170); // 2048 × 768: 4 × 2 tiles
    const a = await anthropicInput('claude-haiku-4-5', {
      none: null,
      url: { type: 'image', source: { type: 'url', url: 'https://example.com/scan.png' } },
    });
    expect(a.url! - a.none!).toBe(1_534);
  });
});
