import type Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { clientsFor, jsonlLine, readLines, until, uploadJsonl } from '../helpers/clients.js';
import { makeGif, makePng } from '../helpers/image.js';
import { makeEncryptedPdf, makePagesPdf } from '../helpers/pdf.js';

let emulator: Emulator;
let clients: ReturnType<typeof clientsFor>;

beforeAll(async () => {
  emulator = await startEmulator({ processingMs: 100 });
  clients = clientsFor(emulator);
});
afterAll(() => emulator.close());

type Block = Anthropic.Messages.ContentBlockParam;
const image = (data: Buffer, mediaType = 'image/png'): Block => ({
  type: 'image',
  source: { type: 'base64', media_type: mediaType as 'image/png', data: data.toString('base64') },
});
const pdf = (data: Buffer): Block => ({
  type: 'document',
  source: { type: 'base64', media_type: 'application/pdf', data: data.toString('base64') },
});

/** Sends one Anthropic request per entry through the SDK and returns each one's result. */
async function anthropicResults(requests: Record<string, { blocks: Block[]; model?: string }>) {
  const { anthropic } = clients;
  const batch = await anthropic.messages.batches.create({
    requests: Object.entries(requests).map(([customId, { blocks, model }]) => ({
      custom_id: customId,
      params: {
        model: model ?? 'claude-haiku-4-5',
        max_tokens: 50,
        messages: [{ role: 'user', content: [...blocks, { type: 'text', text: 'Describe it.' }] }],
      },
    })),
  });
  await until(
    () => anthropic.messages.batches.retrieve(batch.id),
    (b) => b.processing_status === 'ended',
  );
  const byId: Record<string, Anthropic.Messages.Batches.MessageBatchResult> = {};
  for await (const line of await anthropic.messages.batches.results(batch.id))
    byId[line.custom_id] = line.result;
  return byId;
}

const errorMessage = (result: Anthropic.Messages.Batches.MessageBatchResult | undefined) =>
  result?.type === 'errored' ? result.error.error.message : `not errored: ${result?.type}`;

describe('the emulator refuses images and PDFs as Anthropic documents it', () => {
  it('image size, pixel size, media type; PDF validity, encryption and page count per model', async () => {
    const pages101 = await makePagesPdf(101);
    const byId = await anthropicResults({
      fine: { blocks: [image(makePng(800, 600)), pdf(await makePagesPdf(2))] },
      wide: { blocks: [image(makePng(8001, 10))] },
      manySmallEnough: { blocks: Array.from({ length: 21 }, () => image(makePng(2000, 10))) },
      manyTooWide: {
        blocks: Array.from({ length: 21 }, (_, i) => image(makePng(i === 20 ? 2001 : 100, 10))),
      },
      mislabelled: { blocks: [image(makePng(10, 10), 'image/jpeg')] },
      notAnImage: { blocks: [image(Buffer.from('plain text, not pixels'))] },
      encrypted: { blocks: [pdf(makeEncryptedPdf())] },
      notAPdf: { blocks: [pdf(makePng(10, 10))] },
      pages101: { blocks: [pdf(pages101)] },
      pages101OnOneMillionContext: { blocks: [pdf(pages101)], model: 'claude-sonnet-4-6' },
      pagesAcrossDocuments: { blocks: [pdf(await makePagesPdf(60)), pdf(await makePagesPdf(41))] },
      images101: { blocks: Array.from({ length: 101 }, () => image(makePng(8, 8))) },
      // Anthropic takes an animated GIF and reads its first frame.
      animatedGif: { blocks: [image(makeGif(16, 16, 3), 'image/gif')] },
      images101OnOneMillionContext: {
        blocks: Array.from({ length: 101 }, () => image(makePng(8, 8))),
        model: 'claude-sonnet-4-6',
      },
    });
    expect(errorMessage(byId.images101)).toContain('A maximum of 100 images');
    expect(byId.images101OnOneMillionContext?.type).toBe('succeeded');
    expect(byId.fine?.type).toBe('succeeded');
    expect(byId.animatedGif?.type).toBe('succeeded');
    expect(byId.manySmallEnough?.type).toBe('succeeded');
    expect(byId.pages101OnOneMillionContext?.type).toBe('succeeded');
    expect(errorMessage(byId.wide)).toBe(
      'messages.0.content.0.image.source.base64.data: At least one of the image dimensions exceed max allowed size: 8000 pixels',
    );
    expect(errorMessage(byId.manyTooWide)).toBe(
      'messages.0.content.20.image.source.base64.data: At least one of the image dimensions exceed max allowed size for many-image requests: 2000 pixels',
    );
    expect(errorMessage(byId.mislabelled)).toBe(
      'messages.0.content.0.image.source.base64.data: Image does not match the provided media type image/jpeg',
    );
    expect(errorMessage(byId.notAnImage)).toContain('Image does not match the provided media type image/png');
    expect(errorMessage(byId.encrypted)).toBe(
      'messages.0.content.0.pdf.source.base64.data: The PDF specified was not valid.',
    );
    expect(errorMessage(byId.notAPdf)).toBe(
      'messages.0.content.0.pdf.source.base64.data: The PDF specified was not valid.',
    );
    expect(errorMessage(byId.pages101)).toBe(
      'messages.0.content.0.pdf.source.base64.data: A maximum of 100 PDF pages may be provided.',
    );
    expect(errorMessage(byId.pagesAcrossDocuments)).toBe(
      'messages.0.content.1.pdf.source.base64.data: A maximum of 100 PDF pages may be provided.',
    );
  }, 30_000);

  it('refuses an image past 5 MB of base64, counting the encoded bytes as the real message does', async () => {
    // 3.9 MB of bytes is 5.2 MB of base64: a raw-size check would let it through.
    const padded = Buffer.concat([makePng(10, 10), Buffer.alloc(3_950_000)]);
    const byId = await anthropicResults({ big: { blocks: [image(padded)] } });
    const encoded = Math.ceil(padded.length / 3) * 4;
    expect(errorMessage(byId.big)).toBe(
      `messages.0.content.0.image.source.base64: image exceeds 5 MB maximum: ${encoded} bytes > 5242880 bytes`,
    );
  });
});

describe('the emulator refuses images and PDFs as OpenAI documents it', () => {
  it('unsupported image bytes, animated GIFs, more than 1,500 images, PDFs past 100 pages, and PDFs that are not PDFs: 400 rows in the error file', async () => {
    const { openai } = clients;
    const line = (customId: string, ...parts: Record<string, unknown>[]) =>
      jsonlLine(customId, {
        // A 1M-token window: 1,500 images at 255 tokens each are past gpt-4o's 128k, which OpenAI would refuse.
        model: 'gpt-4.1',
        max_tokens: 20,
        messages: [{ role: 'user', content: [...parts, { type: 'text', text: 'Describe it.' }] }],
      });
    const imagePart = (data: Buffer, mediaType = 'image/png') => ({
      type: 'image_url',
      image_url: { url: `data:${mediaType};base64,${data.toString('base64')}` },
    });
    const filePart = (data: Buffer) => ({
      type: 'file',
      file: { filename: 'doc.pdf', file_data: `data:application/pdf;base64,${data.toString('base64')}` },
    });
    const file = await uploadJsonl(openai, [
      line('fine', imagePart(makePng(3000, 3000))),
      line('notAnImage', imagePart(Buffer.from('%PDF-1.4 not an image'))),
      line('pdfFine', filePart(await makePagesPdf(100))),
      line('pdf101', filePart(await makePagesPdf(101))),
      line('encrypted', filePart(makeEncryptedPdf())),
      line('stillGif', imagePart(makeGif(16, 16, 1), 'image/gif')),
      line('animatedGif', imagePart(makeGif(16, 16, 3), 'image/gif')),
      line('images1500', ...Array.from({ length: 1_500 }, () => imagePart(makePng(4, 4)))),
      line('images1501', ...Array.from({ length: 1_501 }, () => imagePart(makePng(4, 4)))),
    ]);
    const created = await openai.batches.create({
      input_file_id: file.id,
      endpoint: '/v1/chat/completions',
      completion_window: '24h',
    });
    const batch = await until(
      () => openai.batches.retrieve(created.id),
      (b) => b.status === 'completed',
      20_000,
    );
    expect(batch.request_counts).toMatchObject({ completed: 4, failed: 5 });
    const rows = await readLines(await openai.files.content(batch.error_file_id!));
    const error = (id: string) => {
      const row = rows.find((r) => r.custom_id === id);
      return (row!.response as { body: { error: Record<string, unknown> } }).body.error;
    };
    expect(error('notAnImage')).toMatchObject({
      message:
        "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the following formats: ['png', 'jpeg', 'gif', 'webp'].",
      code: 'invalid_image_format',
    });
    expect(error('animatedGif')).toMatchObject({
      message: expect.stringContaining('an animated GIF (3 frames)'),
      param: 'messages[0].content[0].image_url',
      code: 'invalid_image_format',
    });
    expect(error('images1501')).toMatchObject({
      message: expect.stringContaining('at most 1500 individual image inputs are allowed per request'),
      code: 'invalid_value',
    });
    expect(error('pdf101').message).toContain('up to 100 pages');
    expect(error('encrypted').message).toContain('not a valid PDF (it is encrypted)');
  }, 30_000);
});
