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

/** The type of a file from its media type when given, else its extension; undefined when unsupported. */
export function fileTypeOf(name: string, mediaType?: string): FileType | undefined {
  if (mediaType) return BY_MEDIA_TYPE.get(mediaType.toLowerCase());
  return BY_EXTENSION[extname(name).toLowerCase()];
}
