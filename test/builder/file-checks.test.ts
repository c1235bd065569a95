import { readFileSync } from 'node:fs';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gifFrameCount } from '../../src/content/gif-frames.js';
import { type Emulator, startEmulator } from '../../src/emulator/index.js';
import { type Batch, type BatchwiseError, JobValidationError } from '../../src/index.js';
import type { Logger } from '../../src/log/logger.js';
import { batchFor } from '../helpers/batch.js';
import { makeGif, makeGifHeader, makePng } from '../helpers/image.js';
import {
  makeEncryptedPdf,
  makeImageOnlyPdf,
  makeObjectStreamPdf,
  makePagesPdf,
  makePdf,
  updatePageTree,
} from '../helpers/pdf.js';

let emulator: Emulator;
let dir: string;

beforeAll(async () => {
  emulator = await startEmulator();
  dir = await mkdtemp(join(tmpdir(), 'batchwise-files-'));
});
afterAll(() => emulator.close());

function logged(): { logger: Logger; warnings: string[]; debugs: string[] } {
  const warnings: string[] = [];
  const debugs: string[] = [];
  const ignore = () => {};
  return {
    warnings,
    debugs,
    logger: { debug: (m) => debugs.push(m), info: ignore, warn: (m) => warnings.push(m), error: ignore },
  };
}

const haiku = (): Batch => batchFor(emulator).defaults({ model: 'claude-haiku-4-5' });

function refusedAt(act: () => unknown, code: string, ...mentions: string[]): BatchwiseError {
  let thrown: unknown;
  try {
    act();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(JobValidationError);
  expect((thrown as BatchwiseError).code).toBe(code);
  for (const mention of mentions) expect((thrown as Error).message).toContain(mention);
  return thrown as BatchwiseError;
}

async function refusedBeforeSending(batch: Batch, code: string, ...mentions: string[]): Promise<void> {
  for (const act of [() => batch.dryRun(), () => batch.run()]) {
    const error = (await act().catch((e: unknown) => e)) as BatchwiseError;
    expect(error).toBeInstanceOf(JobValidationError);
    expect(error.code).toBe(code);
    for (const mention of mentions) expect(error.message).toContain(mention);
  }
  expect(emulator.stats().calls).toEqual({});
}

/** The first content block of the job's request as dryRun() shows it. */
async function firstBlock(batch: Batch): Promise<Record<string, unknown>> {
  const { jobs } = await batch.dryRun();
  const params = jobs[0]!.request.params as { messages: { content: Record<string, unknown>[] }[] };
  return params.messages[0]!.content[0]!;
}

describe('.addJob() types a file by its bytes', () => {
  it('PNG bytes named .pdf go out as a PNG image, with a warning naming the job and the file', async () => {
    const path = join(dir, 'scan.pdf');
    await writeFile(path, makePng(40, 30));
    const { logger, warnings } = logged();
    const batch = haiku().setVerbosity(logger).addJob({ id: 'scan', file: path, prompt: 'Describe' });
    expect(warnings).toEqual([
      'Job "scan": scan.pdf is named as PDF but its bytes are PNG image: it is sent as PNG image. Rename the file to silence this warning.',
    ]);
    expect(await firstBlock(batch)).toMatchObject({ type: 'image', source: { media_type: 'image/png' } });
  });

  it('a text file named .pdf goes out as a text document, not as a PDF', async () => {
    const { logger, warnings } = logged();
    const batch = haiku()
      .setVerbosity(logger)
      .addJob({
        id: 'notes',
        file: { data: Buffer.from('Total: 12.50\n'), name: 'notes.pdf' },
        prompt: 'Total?',
      });
    expect(warnings[0]).toContain('notes.pdf is named as PDF but its bytes are text');
    expect(await firstBlock(batch)).toMatchObject({
      type: 'document',
      source: { type: 'text', data: 'Total: 12.50\n' },
    });
  });

  it('GIF bytes named .png are sent with the GIF media type', async () => {
    const batch = haiku().addJob({
      id: 'g',
      file: { data: makeGifHeader(20, 10), name: 'a.png' },
      prompt: 'p',
    });
    expect(await firstBlock(batch)).toMatchObject({ type: 'image', source: { media_type: 'image/gif' } });
  });

  it('an explicit mediaType the bytes contradict is refused, naming what the bytes are and the fix', () => {
    refusedAt(
      () =>
        haiku().addJob({
          id: 'm',
          file: { data: makePng(4, 4), name: 'x.bin', mediaType: 'application/pdf' },
          prompt: 'p',
        }),
      'file_type_mismatch',
      'Job "m"',
      'a PNG image',
      "mediaType: 'image/png'",
    );
  });

  it('a text file past 32 MB is refused as too large, not as an unsupported type', async () => {
    const big = join(dir, 'big.txt');
    // 33 MB of text whose sample ends inside a 3-byte character.
    await writeFile(big, `x${'ü€ '.repeat(6_000_000)}`);
    refusedAt(
      () => haiku().addJob({ id: 'big', file: big, prompt: 'p' }),
      'file_too_large',
      'Job "big"',
      '32 MB',
    );
  });

  it('a request past 32 MB with its text counted is refused: a file plus a long prompt, or escaped control characters', () => {
    const file = { data: new Uint8Array(20 * 1024 * 1024).fill(0x61), name: 'a.txt' };
    refusedAt(
      () => haiku().addJob({ id: 'long', file, prompt: 'p'.repeat(13 * 1024 * 1024) }),
      'request_too_large',
      'Job "long"',
      '32 MB',
    );
    // 8 MB of control characters are 48 MB as JSON.
    const control = '\u0001'.repeat(8 * 1024 * 1024);
    refusedAt(
      () => haiku().addJob({ id: 'ctl', messages: [{ role: 'user', content: control }] }),
      'request_too_large',
      'Job "ctl"',
    );
    // The same text, printable, fits.
    expect(() =>
      haiku().addJob({ id: 'fits', messages: [{ role: 'user', content: 'a'.repeat(8 * 1024 * 1024) }] }),
    ).not.toThrow();
  });

  it('empty files, unsupported bytes, unreadable images, PDFs cut short or encrypted are refused at addJob', async () => {
    const empty = join(dir, 'empty.pdf');
    await writeFile(empty, '');
    refusedAt(
      () => haiku().addJob({ id: 'e', file: empty, prompt: 'p' }),
      'empty_file',
      'empty.pdf',
      '0 bytes',
    );
    refusedAt(
      () =>
        haiku().addJob({ id: 'b', file: { data: Buffer.from([1, 0, 2, 0]), name: 'a.txt' }, prompt: 'p' }),
      'unsupported_file_type',
      'binary data',
    );
    refusedAt(
      () =>
        haiku().addJob({
          id: 'i',
          file: { data: makePng(4, 4).subarray(0, 12), name: 'a.png' },
          prompt: 'p',
        }),
      'corrupt_image',
      'a.png',
    );
    const whole = await makePdf([['Page one']]);
    refusedAt(
      () =>
        haiku().addJob({
          id: 'cut',
          file: { data: whole.subarray(0, whole.length - 200), name: 'cut.pdf' },
          prompt: 'p',
        }),
      'corrupt_pdf',
      'Job "cut"',
      '%%EOF',
    );
    refusedAt(
      () =>
        haiku().addJob({ id: 'enc', file: { data: makeEncryptedPdf(), name: 'locked.pdf' }, prompt: 'p' }),
      'encrypted_pdf',
      'Job "enc"',
      'locked.pdf is encrypted',
    );
    expect(emulator.stats().calls).toEqual({});
  });

  it('images past Anthropic’s 8000 px are refused for Claude, accepted for OpenAI (which scales them)', () => {
    const wide = { data: makePng(8001, 8), name: 'wide.png' };
    refusedAt(
      () => haiku().addJob({ id: 'w', file: wide, prompt: 'p' }),
      'image_too_large',
      '8001×8',
      '8000×8000',
    );
    expect(() => haiku().addJob({ id: 'w', file: wide, prompt: 'p', model: 'gpt-4o' })).not.toThrow();
  });
});

describe('.addJob() reads a PDF’s structure: page limits per provider and model, corrupt and encrypted PDFs', () => {
  it('101 pages are refused for Claude Haiku 4.5 and OpenAI, naming the count, the limit, the model and the fixes', async () => {
    const file = { data: await makePagesPdf(101), name: 'long.pdf' };
    refusedAt(
      () => haiku().addJob({ id: 'long', file, prompt: 'p' }),
      'too_many_pages',
      'Job "long"',
      'long.pdf has 101 pages',
      'claude-haiku-4-5 takes at most 100 PDF pages',
      'Split the PDF into parts of at most 100 pages',
      '1M-token context window',
    );
    refusedAt(
      () => haiku().addJob({ id: 'long', file, prompt: 'p', model: 'gpt-4o-mini' }),
      'too_many_pages',
      'gpt-4o-mini takes at most 100 PDF pages',
    );
    expect(emulator.stats().calls).toEqual({});
  });

  it('100 pages pass everywhere; 101 pass on 1M-context Claude, 601 do not; a path is read like bytes', async () => {
    const path = join(dir, 'hundred.pdf');
    await writeFile(path, await makePagesPdf(100));
    expect(() => haiku().addJob({ id: 'a', file: path, prompt: 'p' })).not.toThrow();
    expect(() => haiku().addJob({ id: 'a', file: path, prompt: 'p', model: 'gpt-4o' })).not.toThrow();
    const long = join(dir, 'long.pdf');
    await writeFile(long, await updatePageTree(await readFile(path), 101, { xrefStream: true }));
    refusedAt(() => haiku().addJob({ id: 'p', file: long, prompt: 'p' }), 'too_many_pages', '101 pages');
    expect(() =>
      haiku().addJob({ id: 'p', file: long, prompt: 'p', model: 'claude-sonnet-4-6' }),
    ).not.toThrow();
    const book = { data: makeObjectStreamPdf(601, 'FlateDecode'), name: 'book.pdf' };
    const error = refusedAt(
      () => haiku().addJob({ id: 'book', file: book, prompt: 'p', model: 'claude-sonnet-4-6' }),
      'too_many_pages',
      'book.pdf has 601 pages',
      'claude-sonnet-4-6 takes at most 600 PDF pages',
    );
    expect(error.message).not.toContain('1M-token');
  });

  it('a PDF with no objects, and an encrypted one whose trailer has a comment, are refused at addJob', () => {
    const broken = Buffer.from('%PDF-1.7\nnot a PDF body at all\n%%EOF\n');
    refusedAt(
      () => haiku().addJob({ id: 'bad', file: { data: broken, name: 'bad.pdf' }, prompt: 'p' }),
      'corrupt_pdf',
      'Job "bad"',
      'bad.pdf is not a readable PDF: it has no objects',
    );
    refusedAt(
      () =>
        haiku().addJob({
          id: 'enc',
          file: { data: makeEncryptedPdf({ commented: true }), name: 'locked.pdf' },
          prompt: 'p',
        }),
      'encrypted_pdf',
      'locked.pdf is encrypted',
      'unencrypted copy',
    );
  });
});

describe('animated GIFs: refused for OpenAI, which takes only non-animated GIFs; Claude reads the first frame', () => {
  it('counts frames block by block: separator and introducer bytes inside data and comments are not frames', () => {
    expect(gifFrameCount(makeGif(8, 8, 1))).toBe(1);
    expect(gifFrameCount(makeGif(8, 8, 2))).toBe(2);
    expect(gifFrameCount(makeGif(8, 8, 7))).toBe(7);
    expect(gifFrameCount(makeGifHeader(8, 8))).toBe(0);
    // Cut short in the second frame's data: its descriptor was read, so it counts; the rest is not guessed.
    const two = makeGif(8, 8, 2);
    expect(gifFrameCount(two.subarray(0, two.length - 5))).toBe(2);
    // A naive count of 0x2C bytes would find far more than one frame in a one-frame GIF.
    expect(makeGif(8, 8, 1).filter((byte) => byte === 0x2c).length).toBeGreaterThan(3);
  });

  it('an animated GIF is refused for OpenAI, naming the job, the file, its frames and the fix; nothing is sent', async () => {
    const path = join(dir, 'spinner.gif');
    await writeFile(path, makeGif(16, 16, 3));
    for (const file of [path, { data: makeGif(16, 16, 2), name: 'spinner.gif' }]) {
      refusedAt(
        () => haiku().addJob({ id: 'ani', model: 'gpt-4o', file, prompt: 'Describe' }),
        'unsupported_file_type',
        'Job "ani"',
        'spinner.gif is an animated GIF',
        'OpenAI takes only non-animated GIFs',
        'as a PNG',
      );
    }
    refusedAt(
      () =>
        haiku().addJob({
          id: 'ani2',
          model: 'gpt-4o-mini',
          files: [{ data: makePng(4, 4), name: 'still.png' }, path],
          prompt: 'Compare',
        }),
      'unsupported_file_type',
      'spinner.gif is an animated GIF (3 frames)',
    );
    expect(emulator.stats().calls).toEqual({});
  });

  it('a one-frame GIF goes to OpenAI; an animated one to Claude, with a warning that only its first frame is read', async () => {
    const openai = batchFor(emulator).defaults({ model: 'gpt-4o' });
    expect(() =>
      openai.addJob({ id: 'still', file: { data: makeGif(16, 16, 1), name: 'still.gif' }, prompt: 'p' }),
    ).not.toThrow();
    const { logger, warnings } = logged();
    const batch = haiku()
      .setVerbosity(logger)
      .addJob({ id: 'ani', file: { data: makeGif(16, 16, 2), name: 'spinner.png' }, prompt: 'Describe' });
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('Job "ani": spinner.png is named as PNG image but its bytes are GIF image');
    expect(warnings[0]).toContain(
      'spinner.png is an animated GIF (2 frames): Claude reads only its first frame ("Animations are unsupported, and only the first frame will be used"',
    );
    expect(await firstBlock(batch)).toMatchObject({ type: 'image', source: { media_type: 'image/gif' } });
  });
});

describe('.addJob() with several images in one job (files: [...]), as each provider takes them', () => {
  const images = (count: number) =>
    Array.from({ length: count }, (_, i) => ({ data: makePng(4, 4), name: `p${i}.png` }));

  it('past 20 images, each at most 2000×2000 px; 20 images may be larger', () => {
    const wide = { data: makePng(2001, 8), name: 'wide.png' };
    refusedAt(
      () => haiku().addJob({ id: 'many', files: [...images(20), wide], prompt: 'p' }),
      'image_too_large',
      'Job "many"',
      'wide.png is 2001×8 px',
      '2000×2000 px in requests with more than 20 images (this job has 21)',
    );
    expect(() => haiku().addJob({ id: 'few', files: [...images(19), wide], prompt: 'p' })).not.toThrow();
    expect(() =>
      haiku().addJob({ id: 'gpt', files: [...images(20), wide], prompt: 'p', model: 'gpt-4o' }),
    ).not.toThrow();
  });

  it('at most 1,500 images per request on OpenAI models, as OpenAI documents', () => {
    const gpt = (count: number) => () =>
      haiku().addJob({ id: 'album', files: images(count), prompt: 'p', model: 'gpt-4o' });
    refusedAt(
      gpt(1_501),
      'too_many_images',
      'Job "album"',
      '1501 images; gpt-4o takes at most 1500 images per request',
      'Split them over several jobs',
    );
    expect(gpt(1_500)).not.toThrow();
    expect(emulator.stats().calls).toEqual({});
  });

  it('at most 100 images on 200k-context Claude models, 600 on 1M-context ones', () => {
    refusedAt(
      () => haiku().addJob({ id: 'album', files: images(101), prompt: 'p' }),
      'too_many_images',
      'Job "album"',
      '101 images; claude-haiku-4-5 takes at most 100 images per request',
    );
    expect(() =>
      haiku().addJob({ id: 'album', files: images(101), prompt: 'p', model: 'claude-sonnet-4-6' }),
    ).not.toThrow();
    expect(emulator.stats().calls).toEqual({});
  });
});

describe('PDFs addJob cannot read for sure are parsed before anything is sent (run() and dryRun())', () => {
  it('too many pages behind a filter addJob does not decode', async () => {
    const hidden = { data: makeObjectStreamPdf(101, 'ASCIIHexDecode'), name: 'hex.pdf' };
    const { logger, debugs } = logged();
    const batch = haiku().setVerbosity(logger).addJob({ id: 'hex', file: hidden, prompt: 'p' });
    expect(debugs).toEqual([
      'Job "hex": hex.pdf\'s pages are counted by pdf.js at run()/dryRun(), not at addJob (filter ASCIIHexDecode is not read here).',
    ]);
    await refusedBeforeSending(batch, 'too_many_pages', 'Job "hex"', 'hex.pdf has 101 pages', 'at most 100');
  });

  it('a PDF pdf.js cannot parse whose page count addJob could read', async () => {
    // A linearized PDF has its page tree near the start: cut short and given an end marker, its pages are lost.
    const pdf = readFileSync(join(import.meta.dirname, '../fixtures/pdf/linearized-3-pages.pdf'));
    const damaged = Buffer.concat([pdf.subarray(0, 1_700), Buffer.from('\n%%EOF\n')]);
    const batch = haiku().addJob({ id: 'bad', file: { data: damaged, name: 'bad.pdf' }, prompt: 'p' });
    await refusedBeforeSending(batch, 'corrupt_pdf', 'Job "bad"', 'bad.pdf cannot be read as a PDF');
  });

  it('citations on an image-only PDF', async () => {
    const batch = haiku().addJob({
      id: 'scan',
      file: { data: await makeImageOnlyPdf(), name: 'scan.pdf' },
      prompt: 'p',
      enableCitations: true,
    });
    await refusedBeforeSending(batch, 'citations_need_text_pdf', 'scan.pdf');
  });
});
