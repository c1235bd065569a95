/**
 * The emulator's token rule, documented in docs/emulator.md so that tests can predict usage exactly:
 * text costs ceil(UTF-8 bytes / 4) tokens; each image 1,600; each PDF page 1,500 plus its text.
 */
export const IMAGE_TOKENS = 1_600;
export const PDF_PAGE_TOKENS = 1_500;

export function textTokens(text: string): number {
  return Math.ceil(Buffer.byteLength(text, 'utf8') / 4);
}
