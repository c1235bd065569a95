import { imageSize } from 'image-size';

/** The image formats both providers take, by their magic numbers. */
export type ImageFormat = 'png' | 'jpeg' | 'gif' | 'webp';

export const MEDIA_TYPES: Record<ImageFormat, string> = {
  png: 'image/png',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
};

/** What the bytes are, by their first bytes: PNG, JPEG, GIF87a/89a, RIFF…WEBP; null for anything else. */
export function imageFormat(data: Uint8Array): ImageFormat | null {
  const ascii = (from: number, to: number) => Buffer.from(data.subarray(from, to)).toString('latin1');
  if (data[0] === 0x89 && ascii(1, 8) === 'PNG\r\n\x1a\n') return 'png';
  if (data[0] === 0xff && data[1] === 0xd8 && data[2] === 0xff) return 'jpeg';
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return 'gif';
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return 'webp';
  return null;
}

export function isPdf(data: Uint8Array): boolean {
  return Buffer.from(data.subarray(0, 5)).toString('latin1') === '%PDF-';
}

/** An image's pixel size from its header (image-size), or null when the header cannot be read. */
export function imageDimensions(data: Uint8Array): { width: number; height: number } | null {
  try {
    const { width, height } = imageSize(data);
    return width && height ? { width, height } : null;
  } catch {
    return null;
  }
}

/**
 * How many images a GIF holds, read block by block as the GIF89a specification lays the stream out: 6 bytes of
 * signature, a 7-byte logical screen descriptor and its global color table, then blocks up to the trailer (0x3B).
 * An image descriptor (0x2C) is 9 bytes and a local color table, then the LZW code size and data sub-blocks; an
 * extension (0x21) is a label and sub-blocks; a sub-block is a length byte and that many bytes, 0 ending the run.
 * A byte that starts no block (damage) or the end of the bytes stops the count.
 */
export function gifFrames(data: Uint8Array): number {
  const tableSize = (flags: number) => ((flags & 0x80) === 0 ? 0 : 3 << ((flags & 0x07) + 1));
  const afterSubBlocks = (from: number) => {
    let at = from;
    while (at < data.length && data[at] !== 0) at += data[at]! + 1;
    return at + 1;
  };
  if (data.length < 13) return 0;
  let at = 13 + tableSize(data[10]!);
  let images = 0;
  for (;;) {
    if (at >= data.length) return images;
    switch (data[at]) {
      case 0x2c:
        if (at + 10 > data.length) return images;
        images += 1;
        at = afterSubBlocks(at + 10 + tableSize(data[at + 9]!) + 1);
        break;
      case 0x21:
        at = afterSubBlocks(at + 2);
        break;
      default:
        return images;
    }
  }
}
