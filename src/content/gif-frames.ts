/**
 * The number of images (frames) in a GIF, found by walking its blocks as the GIF89a specification lays them out
 * (w3.org/Graphics/GIF/spec-gif89a.txt): the header and logical screen descriptor (13 bytes), the global color
 * table the screen descriptor announces, then blocks until the trailer `0x3B` — an image descriptor `0x2C` (9 bytes,
 * its local color table, the LZW minimum code size, then data sub-blocks) or an extension `0x21` (a label, then
 * sub-blocks). Sub-blocks are a size byte and that many bytes, ended by a size of 0; they are skipped whole, so a
 * `0x2C` inside pixel data or a comment is never taken for a frame.
 *
 * Counting stops at the trailer, at the end of the bytes (a file cut short keeps the frames it has) or at a byte
 * that starts no block (a damaged file: decoders stop there too).
 */
export function gifFrameCount(data: Uint8Array): number {
  const SCREEN_DESCRIPTOR_END = 13;
  if (data.length < SCREEN_DESCRIPTOR_END) return 0;
  let at = SCREEN_DESCRIPTOR_END + colorTableBytes(data[10]!);
  let frames = 0;
  while (at < data.length) {
    const introducer = data[at];
    if (introducer === 0x2c) {
      // Separator, left, top, width, height (2 bytes each), packed fields.
      if (at + 10 > data.length) break;
      frames++;
      at += 10 + colorTableBytes(data[at + 9]!);
      // The LZW minimum code size, then the image data.
      at = skipSubBlocks(data, at + 1);
    } else if (introducer === 0x21) {
      // Introducer, label, then the extension's sub-blocks (a graphic control extension's 4 bytes are one).
      at = skipSubBlocks(data, at + 2);
    } else {
      break;
    }
  }
  return frames;
}

/** Bytes of the color table a screen or image descriptor's packed fields announce: none, or 3 × 2^(size + 1). */
function colorTableBytes(packed: number): number {
  return packed & 0x80 ? 3 * 2 ** ((packed & 0x07) + 1) : 0;
}

/** Where the sub-blocks starting at `at` end: after their 0-size terminator, or at the end of the bytes. */
function skipSubBlocks(data: Uint8Array, at: number): number {
  let next = at;
  while (next < data.length) {
    const size = data[next]!;
    next += 1 + size;
    if (size === 0) return next;
  }
  return data.length;
}
