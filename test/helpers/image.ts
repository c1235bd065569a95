import { crc32, deflateSync } from 'node:zlib';

/** A valid PNG of the given size (black, 8-bit grey), built here: no fixture files, nothing downloaded. */
export function makePng(width: number, height: number): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(0, 9); // greyscale
  // One filter byte and `width` zero bytes per row.
  const pixels = deflateSync(Buffer.alloc((width + 1) * height));
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', pixels),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** The header of a GIF89a of the given size: enough for its type and size to be read. */
export function makeGifHeader(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.write('GIF89a', 0, 'latin1');
  header.writeUInt16LE(width, 6);
  header.writeUInt16LE(height, 8);
  return header;
}

/** The head of a JPEG of the given size (SOI, a JFIF APP0 segment, SOF0): enough for its type and size. */
export function makeJpegHeader(width: number, height: number): Buffer {
  const app0 = Buffer.from([
    0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00, 0x01, 0x00, 0x01, 0x00,
    0x00,
  ]);
  const sof = Buffer.from([
    0xff, 0xc0, 0x00, 0x11, 0x08, 0, 0, 0, 0, 0x03, 1, 0x22, 0, 2, 0x11, 1, 3, 0x11, 1,
  ]);
  sof.writeUInt16BE(height, 5);
  sof.writeUInt16BE(width, 7);
  return Buffer.concat([Buffer.from([0xff, 0xd8]), app0, sof, Buffer.from([0xff, 0xd9])]);
}

/**
 * A GIF89a of `frames` frames of the given size, built block by block: a global color table, the NETSCAPE looping
 * extension when animated, a comment, and per frame a graphic control extension and an image descriptor with a
 * local color table. The comment and the image data hold 0x2C (an image separator) and 0x21 (an extension
 * introducer) bytes, so that only a reading block by block counts the frames right. The image data is filler, not
 * decodable LZW: what reads these GIFs (batchwise, the emulator, image-size) reads their structure, not pixels.
 */
export function makeGif(width: number, height: number, frames: number): Buffer {
  const u16 = (value: number) => [value & 0xff, value >> 8];
  const colorTable = [0, 0, 0, 255, 255, 255];
  const comment = Buffer.from('frames, colors, and 0x21 ! bytes', 'latin1');
  const frame = [
    // Graphic control extension: 4 bytes (disposal, delay 10/100 s, transparent index), terminator.
    ...[0x21, 0xf9, 0x04, 0x04, 0x0a, 0x00, 0x00, 0x00],
    // Image descriptor with a 2-colour local color table (packed 0x80), then the LZW minimum code size.
    ...[0x2c, ...u16(0), ...u16(0), ...u16(width), ...u16(height), 0x80, ...colorTable, 0x02],
    // Two data sub-blocks full of separators and introducers, then the terminator.
    ...[0x06, 0x2c, 0x2c, 0x21, 0xf9, 0x2c, 0x3b, 0x03, 0x21, 0xfe, 0x2c, 0x00],
  ];
  return Buffer.from([
    ...Buffer.from('GIF89a', 'latin1'),
    // Logical screen descriptor: a 2-colour global color table (packed 0x80).
    ...u16(width),
    ...u16(height),
    0x80,
    0,
    0,
    ...colorTable,
    ...(frames > 1
      ? [0x21, 0xff, 0x0b, ...Buffer.from('NETSCAPE2.0', 'latin1'), 0x03, 0x01, 0x00, 0x00, 0x00]
      : []),
    ...[0x21, 0xfe, comment.length, ...comment, 0x00],
    ...Array.from({ length: frames }, () => frame).flat(),
    0x3b,
  ]);
}
