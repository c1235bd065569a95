import type { ProviderName } from '../models/registry.js';
import type { FileKind } from './file-type.js';

const MB = 1024 * 1024;

/**
 * Per-file and per-request size limits the providers document, checked at `addJob` so that a too-large file is a
 * clear error rather than an errored row a day later. Base64 grows bytes by 4/3 on the wire.
 */
export const FILE_LIMITS: Record<ProviderName, { perFile: Record<FileKind, number>; perRequest: number }> = {
  // Anthropic: 32 MB per request; images at most 5 MB each.
  anthropic: { perFile: { pdf: 32 * MB, image: 5 * MB, text: 32 * MB }, perRequest: 32 * MB },
  // OpenAI: files in chat requests up to 32 MB in total; images up to 20 MB.
  openai: { perFile: { pdf: 32 * MB, image: 20 * MB, text: 32 * MB }, perRequest: 32 * MB },
};

/** Bytes a file takes in a request body. */
export function wireBytes(kind: FileKind, size: number): number {
  return kind === 'text' ? size : Math.ceil(size / 3) * 4;
}

/**
 * The largest side of an image a provider takes, in pixels; null when none is documented. Anthropic refuses images
 * above 8000×8000 px (2000×2000 in requests with more than 20 images: {@link ANTHROPIC_MANY_IMAGES}). OpenAI
 * documents no pixel limit: it scales images down.
 */
export const IMAGE_MAX_PIXELS: Record<ProviderName, number | null> = { anthropic: 8_000, openai: null };

/**
 * Anthropic ("Images and vision"): a request with more than `count` images takes images of at most `maxPixels` on
 * each side; a request takes at most 100 images on 200k-context models, 600 on 1M-context ones.
 */
export const ANTHROPIC_MANY_IMAGES = { count: 20, maxPixels: 2_000 } as const;

/**
 * Images per request OpenAI takes: "Up to 1500 individual image inputs per request" ("Images and vision", image
 * input requirements, as the page reads in late 2026; revisions before late April 2026 read 500).
 */
export const OPENAI_MAX_IMAGES = 1_500;

/** Images per request a Claude model takes: 600 with a 1M-token context window, else 100. */
export function anthropicMaxImages(contextWindow: number | null): number {
  return (contextWindow ?? 0) >= 1_000_000 ? 600 : 100;
}

/** PDF pages per request on the 1M-context Claude models (the models' own limits: `ModelInfo.pdfPages`). */
const ANTHROPIC_LONG_CONTEXT_PAGES = 600;

/**
 * The refusal of a PDF with more pages than the job's model takes, naming the count, the limit, the model and the
 * fixes: split the PDF; on a 200k-context Claude model, or a 1M-context one.
 */
export function tooManyPages(
  fileName: string,
  pages: number,
  model: { name: string; provider: ProviderName; pdfPages: number },
): string {
  const limit = model.pdfPages;
  const longer =
    model.provider === 'anthropic' &&
    limit < ANTHROPIC_LONG_CONTEXT_PAGES &&
    pages <= ANTHROPIC_LONG_CONTEXT_PAGES
      ? `, or use a Claude model with a 1M-token context window (Opus or Sonnet 4.6 and later), which takes ${ANTHROPIC_LONG_CONTEXT_PAGES} pages`
      : '';
  return `${fileName} has ${pages} pages; ${model.name} takes at most ${limit} PDF pages per request. Split the PDF into parts of at most ${limit} pages, one job each${longer}.`;
}
