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
