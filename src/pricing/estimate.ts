import { imageSize } from 'image-size';
import { PDFParse } from 'pdf-parse';
import type { NormalizedJob } from '../jobs/normalized-job.js';

/**
 * Token estimates before anything is sent, deliberately on the high side so that a cost limit reserved from them
 * holds:
 * - text: ceil(UTF-8 bytes / 3) — English averages about 4 bytes a token, dense text and CJK about 3;
 * - PDFs: each page as an image plus its text: max(3,000 per page, 1,600 per page + text as above), the top of
 *   Anthropic's documented 1,500–3,000 tokens per page;
 * - images: Anthropic `width × height / 750` (images are scaled to at most 1.15 megapixels, so at most about 1,600);
 *   OpenAI by its tile rule (scaled into 2048×2048, shortest side 768, then 512-px tiles: base + per tile, e.g. 85 +
 *   170 for gpt-4o, 2,833 + 5,667 for gpt-4o-mini) or patch rule (32-px patches, at most 1,536, times the model's
 *   multiplier) — an unreadable image counts as the largest;
 * - output: the job's `expectedOutputTokens` when given, else its `maxTokens` (the worst case).
 */
export interface TokenEstimate {
  inputTokens: number;
  outputTokens: number;
}

export function textTokenEstimate(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 3);
}

export const PDF_PAGE_IMAGE_TOKENS = 1_600;
export const PDF_PAGE_MAX_TOKENS = 3_000;

export async function pdfTokenEstimate(data: Buffer): Promise<number> {
  const parser = new PDFParse({ data: new Uint8Array(data) });
  try {
    const { pages } = await parser.getText();
    const text = pages.reduce((sum, page) => sum + textTokenEstimate(page.text), 0);
    return Math.max(pages.length * PDF_PAGE_MAX_TOKENS, pages.length * PDF_PAGE_IMAGE_TOKENS + text);
  } catch {
    // Unreadable here does not mean unreadable to the provider: assume a long document rather than a cheap one.
    return 100 * PDF_PAGE_MAX_TOKENS;
  } finally {
    await parser.destroy();
  }
}

const OPENAI_TILES: Record<string, { base: number; tile: number }> = {
  'gpt-4o-mini': { base: 2_833, tile: 5_667 },
};
const OPENAI_PATCH_MULTIPLIER: Record<string, number> = {
  'gpt-4.1-mini': 1.62,
  'gpt-4.1-nano': 2.46,
  'o4-mini': 1.72,
};

export function imageTokenEstimate(data: Buffer, provider: 'anthropic' | 'openai', model: string): number {
  let width = 8_000;
  let height = 8_000;
  try {
    const size = imageSize(new Uint8Array(data));
    if (size.width && size.height) ({ width, height } = size);
  } catch {
    // keep the largest
  }
  if (provider === 'anthropic') {
    const scale = Math.min(1, Math.sqrt(1_150_000 / (width * height)));
    return Math.ceil((width * scale * (height * scale)) / 750);
  }
  const multiplier = OPENAI_PATCH_MULTIPLIER[model];
  if (multiplier) {
    const patches = Math.min(1_536, Math.ceil(width / 32) * Math.ceil(height / 32));
    return Math.ceil(patches * multiplier);
  }
  const { base, tile } = OPENAI_TILES[model] ?? { base: 85, tile: 170 };
  let w = width;
  let h = height;
  const fit = Math.min(1, 2048 / Math.max(w, h));
  w *= fit;
  h *= fit;
  const shortest = Math.min(1, 768 / Math.min(w, h));
  w *= shortest;
  h *= shortest;
  return base + tile * Math.ceil(w / 512) * Math.ceil(h / 512);
}

/** Strings of a request body that are not file bytes: the prompt, system text, schemas, parameters. */
function textOfBody(body: unknown): string {
  return JSON.stringify(body, (key, value: unknown) =>
    typeof value === 'string' && isEncodedFile(key, value) ? '' : value,
  );
}

function isEncodedFile(key: string, value: string): boolean {
  if (key !== 'data' && key !== 'file_data' && key !== 'url') return false;
  return value.startsWith('data:') || (value.length > 256 && /^[A-Za-z0-9+/=]+$/.test(value));
}

/** The estimate for a job, from its exact request body and its file's bytes. */
export async function estimateJob(
  job: NormalizedJob,
  body: unknown,
  file: Buffer | null,
): Promise<TokenEstimate> {
  let inputTokens = textTokenEstimate(textOfBody(body));
  if (file && job.content.kind === 'file') {
    const kind = job.content.file.kind;
    if (kind === 'pdf') inputTokens += await pdfTokenEstimate(file);
    else if (kind === 'image') inputTokens += imageTokenEstimate(file, job.provider, job.modelInfo.name);
    // A text file is in the body as text already.
  }
  return { inputTokens, outputTokens: job.expectedOutputTokens ?? job.maxTokens };
}
