import { extname } from 'node:path';

export type FileKind = 'pdf' | 'image' | 'text';

export interface FileType {
  kind: FileKind;
  mediaType: string;
}

const BY_EXTENSION: Record<string, FileType> = {
  '.pdf': { kind: 'pdf', mediaType: 'application/pdf' },
  '.png': { kind: 'image', mediaType: 'image/png' },
  '.jpg': { kind: 'image', mediaType: 'image/jpeg' },
  '.jpeg': { kind: 'image', mediaType: 'image/jpeg' },
  '.gif': { kind: 'image', mediaType: 'image/gif' },
  '.webp': { kind: 'image', mediaType: 'image/webp' },
  '.txt': { kind: 'text', mediaType: 'text/plain' },
  '.md': { kind: 'text', mediaType: 'text/markdown' },
  '.csv': { kind: 'text', mediaType: 'text/csv' },
  '.json': { kind: 'text', mediaType: 'application/json' },
  '.html': { kind: 'text', mediaType: 'text/html' },
  '.xml': { kind: 'text', mediaType: 'application/xml' },
};

const BY_MEDIA_TYPE = new Map(Object.values(BY_EXTENSION).map((type) => [type.mediaType, type]));

export const SUPPORTED_EXTENSIONS = Object.keys(BY_EXTENSION);

/** The type a file's name claims by its extension; undefined when the extension is not a supported one. */
export function typeByName(name: string): FileType | undefined {
  return BY_EXTENSION[extname(name).toLowerCase()];
}

/** The type a media type names; undefined when unsupported. */
export function typeByMediaType(mediaType: string): FileType | undefined {
  return BY_MEDIA_TYPE.get(mediaType.toLowerCase());
}

/**
 * The type of a file by its magic number: `%PDF-`, PNG, JPEG, GIF87a/89a, RIFF…WEBP. Undefined for anything else,
 * which may still be text (see {@link isText}).
 */
export function sniffType(head: Uint8Array): FileType | undefined {
  const ascii = (from: number, to: number) => Buffer.from(head.subarray(from, to)).toString('latin1');
  if (ascii(0, 5) === '%PDF-') return BY_EXTENSION['.pdf'];
  if (head[0] === 0x89 && ascii(1, 8) === 'PNG\r\n\x1a\n') return BY_EXTENSION['.png'];
  if (head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return BY_EXTENSION['.jpg'];
  if (ascii(0, 6) === 'GIF87a' || ascii(0, 6) === 'GIF89a') return BY_EXTENSION['.gif'];
  if (ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WEBP') return BY_EXTENSION['.webp'];
  return undefined;
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Text is valid UTF-8 without NUL bytes (binary formats are full of them; UTF-16 text too, which is not taken). */
export function isText(bytes: Uint8Array): boolean {
  if (bytes.includes(0)) return false;
  try {
    utf8.decode(bytes);
    return true;
  } catch {
    return false;
  }
}

/** What the bytes are, in words, for error messages. */
export function describeBytes(head: Uint8Array): string {
  const sniffed = sniffType(head);
  if (sniffed)
    return sniffed.kind === 'pdf' ? 'a PDF' : `a ${sniffed.mediaType.slice(6).toUpperCase()} image`;
  const ascii = Buffer.from(head.subarray(0, 4)).toString('latin1');
  if (ascii === 'PK\x03\x04') return 'a ZIP archive (e.g. .docx, .xlsx)';
  if (ascii.startsWith('II*') || ascii.startsWith('MM\x00*')) return 'a TIFF image';
  if (ascii.startsWith('BM')) return 'a BMP image';
  return 'binary data of no supported type';
}

/** A short name of a type for messages: "PDF", "PNG image", "text". */
export function typeName(type: FileType): string {
  if (type.kind === 'pdf') return 'PDF';
  if (type.kind === 'text') return 'text';
  return `${type.mediaType.slice(6).toUpperCase()} image`;
}
