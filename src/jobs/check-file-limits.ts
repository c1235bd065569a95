import {
  ANTHROPIC_MANY_IMAGES,
  anthropicMaxImages,
  FILE_LIMITS,
  IMAGE_MAX_PIXELS,
  OPENAI_MAX_IMAGES,
  tooManyPages,
  wireBytes,
} from '../content/file-limits.js';
import type { ModelInfo } from '../models/registry.js';
import type { NormalizedFile, NormalizedJob } from './normalized-job.js';

/**
 * Refuses, at `addJob`, a file past what the job's provider and model take: bytes per file and per request, an
 * image's pixels, a PDF's pages (when `addJob` could count them; pdf.js counts the rest at `run()`/`dryRun()`).
 */
export function checkFileLimits(
  file: NormalizedFile,
  model: ModelInfo,
  fail: (code: string, message: string) => never,
): void {
  const { perFile, perRequest } = FILE_LIMITS[model.provider];
  const mb = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(1)} MB`;
  // Anthropic counts an image's 5 MB in base64 bytes (the size its refusal reports).
  const counted =
    file.kind === 'image' && model.provider === 'anthropic' ? wireBytes(file.kind, file.size) : file.size;
  if (counted > perFile[file.kind]) {
    fail(
      'file_too_large',
      `${file.name} is ${mb(counted)}${counted !== file.size ? ' in base64' : ''}; ${model.provider} takes ${file.kind} files up to ${mb(perFile[file.kind])}.`,
    );
  }
  const maxPixels = IMAGE_MAX_PIXELS[model.provider];
  if (file.image && maxPixels !== null && Math.max(file.image.width, file.image.height) > maxPixels) {
    fail(
      'image_too_large',
      `${file.name} is ${file.image.width}×${file.image.height} px; ${model.provider} refuses images larger than ${maxPixels}×${maxPixels} px. Scale it down (Claude reads at most 1568 px on the long edge anyway).`,
    );
  }
  if (file.pages !== undefined && file.pages > model.pdfPages) {
    fail('too_many_pages', tooManyPages(file.name, file.pages, model));
  }
  if (wireBytes(file.kind, file.size) > perRequest) {
    fail(
      'file_too_large',
      `${file.name} makes the request larger than ${model.provider}'s ${mb(perRequest)} per request.`,
    );
  }
}

/**
 * Refuses several files of one job past what one request takes together: bytes, PDF pages counted at `addJob`, the
 * number of images, and on Claude the smaller pixel limit of requests with many images.
 */
export function checkFilesTogether(
  files: readonly NormalizedFile[],
  model: ModelInfo,
  fail: (code: string, message: string) => never,
): void {
  const { perRequest } = FILE_LIMITS[model.provider];
  if (model.provider === 'anthropic') checkManyImages(files, model, fail);
  const images = files.filter((file) => file.kind === 'image').length;
  if (model.provider === 'openai' && images > OPENAI_MAX_IMAGES) {
    fail(
      'too_many_images',
      `${images} images; ${model.name} takes at most ${OPENAI_MAX_IMAGES} images per request (OpenAI, "Images and vision"). Split them over several jobs.`,
    );
  }
  const names = files.map((file) => file.name).join(' + ');
  const pages = files.reduce((sum, file) => sum + (file.pages ?? 0), 0);
  if (pages > model.pdfPages) fail('too_many_pages', tooManyPages(names, pages, model));
  const bytes = files.reduce((sum, file) => sum + wireBytes(file.kind, file.size), 0);
  if (bytes > perRequest) {
    fail(
      'file_too_large',
      `${names} make the request larger than ${model.provider}'s ${(perRequest / 1024 / 1024).toFixed(1)} MB per request.`,
    );
  }
}

function checkManyImages(
  files: readonly NormalizedFile[],
  model: ModelInfo,
  fail: (code: string, message: string) => never,
): void {
  const images = files.filter((file) => file.image);
  const maxImages = anthropicMaxImages(model.contextWindow);
  if (images.length > maxImages) {
    fail(
      'too_many_images',
      `${images.length} images; ${model.name} takes at most ${maxImages} images per request. Split them over several jobs.`,
    );
  }
  if (images.length <= ANTHROPIC_MANY_IMAGES.count) return;
  const { maxPixels } = ANTHROPIC_MANY_IMAGES;
  for (const { name, image } of images) {
    if (Math.max(image!.width, image!.height) > maxPixels) {
      fail(
        'image_too_large',
        `${name} is ${image!.width}×${image!.height} px; Anthropic refuses images larger than ${maxPixels}×${maxPixels} px in requests with more than ${ANTHROPIC_MANY_IMAGES.count} images (this job has ${images.length}). Scale it down, or send at most ${ANTHROPIC_MANY_IMAGES.count} images per job.`,
      );
    }
  }
}

/**
 * Refuses a request body past the provider's 32 MB per request, text included: files as they go on the wire plus
 * the prompt or messages as JSON strings (control characters grow six-fold when escaped). No model's context window
 * holds that much text either, so the provider would refuse it a day later.
 */
export function checkRequestSize(
  content: NormalizedJob['content'],
  model: ModelInfo,
  fail: (code: string, message: string) => never,
): void {
  const { perRequest } = FILE_LIMITS[model.provider];
  const texts = content.kind === 'file' ? [content.prompt] : content.messages.map((m) => m.content);
  const files = content.kind === 'file' ? content.files : [];
  let bytes = files.reduce((sum, file) => sum + wireBytes(file.kind, file.size), 0);
  for (const text of texts) {
    const raw = Buffer.byteLength(text, 'utf8');
    // Escaping only matters when it could cross the limit: measured then, not for every prompt.
    bytes += bytes + raw * 6 > perRequest ? Buffer.byteLength(JSON.stringify(text), 'utf8') : raw;
  }
  if (bytes > perRequest) {
    fail(
      'request_too_large',
      `the request would be ${(bytes / 1024 / 1024).toFixed(1)} MB (files as sent, text as JSON); ${model.provider} takes at most ${(perRequest / 1024 / 1024).toFixed(0)} MB per request, and no model's context window holds that much. Split the input into several jobs.`,
    );
  }
}
