import { imageSize } from 'image-size';
import { type ByteReader, type ByteSource, byteReader } from './byte-reader.js';
import {
  describeBytes,
  type FileType,
  isText,
  SUPPORTED_EXTENSIONS,
  sniffType,
  typeByMediaType,
  typeByName,
  typeName,
} from './file-type.js';
import { gifFrameCount } from './gif-frames.js';
import { type PdfStructure, readPdfStructure } from './pdf-page-count.js';

/** What `addJob` learns from a file's bytes. */
export interface InspectedFile {
  /** The type by the bytes; the name and a `mediaType` only choose among text types. */
  type: FileType;
  size: number;
  /** Images: their pixel size, from the header; GIFs of more than one frame, their frame count. */
  image?: { width: number; height: number; frames?: number };
  /**
   * PDFs: the page count, read from the page tree at `addJob`; absent when the structure could not be followed for
   * sure (pdf.js counts at `run()`/`dryRun()`).
   */
  pages?: number;
  /** PDFs: why the pages could not be counted for sure. */
  pagesUnsure?: string;
  /** Set when the file's extension claims another type than its bytes: said as a warning, the bytes win. */
  warning?: string;
}

export interface FileProblem {
  code:
    | 'empty_file'
    | 'file_too_large'
    | 'unsupported_file_type'
    | 'file_type_mismatch'
    | 'corrupt_image'
    | 'corrupt_pdf'
    | 'encrypted_pdf';
  message: string;
}

const TEXT_READ_LIMIT = 32 * 1024 * 1024;
const IMAGE_HEADER_BYTES = 256 * 1024;
/**
 * A GIF's frames are counted over its whole bytes, up to the largest image any provider takes (OpenAI, 20 MB);
 * a larger one is refused for its size whatever its frames.
 */
const GIF_READ_LIMIT = 20 * 1024 * 1024;
/** Readers look for `%%EOF` in the last 1,024 bytes (ISO 32000-1, 7.5.5, implementation note); a cut file has none. */
const PDF_TAIL_BYTES = 1_024;
/**
 * Where a PDF's trailer dictionary (or cross-reference stream dictionary) is: near the end, and for a linearized file
 * also near the start. Neither is ever encrypted, so its `/Encrypt` entry can be seen without parsing.
 */
const PDF_TRAILER_BYTES = 64 * 1024;
const ENCRYPT_ENTRY = /\/Encrypt\s*(\d+\s+\d+\s+R|<<)/;

/**
 * Finds a file's type from its bytes (magic numbers; text = valid UTF-8 without NUL bytes) and refuses what no
 * provider takes: empty files, unsupported bytes, a `mediaType` the bytes contradict, images whose size cannot be
 * read, PDFs cut short, encrypted PDFs (an `/Encrypt` entry in the trailer), PDFs without objects or a document
 * catalog; and counts a PDF's pages (pdf-page-count.ts). A contradicting extension is not an error: extensions of
 * downloads and scans often lie, so the bytes win and the caller logs {@link InspectedFile.warning}. Synchronous (it
 * runs in `addJob`) and reads only what it needs: the head, a PDF's tail and the few objects leading to its page
 * count (the whole PDF only when its cross-reference does not match it), an image's header, a text file whole.
 */
export function inspectFile(
  source: ByteSource,
  name: string,
  mediaType?: string,
): InspectedFile | FileProblem {
  const bytes = byteReader(source);
  try {
    const size = bytes.size();
    if (size === 0) {
      return { code: 'empty_file', message: `${name} is empty (0 bytes). Give a file with content.` };
    }
    const head = bytes.read(0, Math.min(size, 4_096));
    let type = sniffType(head);
    const declared = mediaType === undefined ? undefined : typeByMediaType(mediaType);
    if (mediaType !== undefined && !declared) {
      return {
        code: 'unsupported_file_type',
        message: `mediaType ${JSON.stringify(mediaType)} is not a supported type. Supported: application/pdf, image/png, image/jpeg, image/gif, image/webp and text types (${SUPPORTED_EXTENSIONS.join(' ')}).`,
      };
    }
    const named = typeByName(name);
    if (!type) {
      // Text past any provider's request size (32 MB) is not read to be told from binary: too large either way.
      if (size > TEXT_READ_LIMIT && startsAsText(bytes.read(0, IMAGE_HEADER_BYTES))) {
        return {
          code: 'file_too_large',
          message: `${name} is ${(size / 1024 / 1024).toFixed(1)} MB of what looks like text; no provider takes more than 32 MB in one request. Split it into parts, one job each.`,
        };
      }
      if (size > TEXT_READ_LIMIT || !isText(bytes.read(0, size))) {
        return {
          code: 'unsupported_file_type',
          message: `${name} is ${describeBytes(head)} by its bytes, not a supported type. Supported: PDF, PNG, JPEG, GIF, WebP, and UTF-8 text (${SUPPORTED_EXTENSIONS.join(' ')}).`,
        };
      }
      // Text: the declared or named text type (CSV, JSON…) is kept; else plain text.
      type =
        declared?.kind === 'text'
          ? declared
          : named?.kind === 'text'
            ? named
            : { kind: 'text', mediaType: 'text/plain' };
    }
    if (
      declared &&
      (declared.kind !== type.kind || (type.kind !== 'text' && declared.mediaType !== type.mediaType))
    ) {
      return {
        code: 'file_type_mismatch',
        message: `mediaType says ${declared.mediaType}, but the bytes of ${name} are ${type.kind === 'text' ? 'text' : describeBytes(head)}. Pass mediaType: '${type.mediaType}', or leave mediaType out (the type is read from the bytes).`,
      };
    }
    const warning =
      named &&
      !declared &&
      (named.kind !== type.kind || (type.kind === 'image' && named.mediaType !== type.mediaType))
        ? `${name} is named as ${typeName(named)} but its bytes are ${typeName(type)}: it is sent as ${typeName(type)}. Rename the file to silence this warning.`
        : undefined;
    const inspected: InspectedFile = { type, size, ...(warning && { warning }) };

    if (type.kind === 'image') {
      const image =
        imageDimensions(bytes.read(0, Math.min(size, IMAGE_HEADER_BYTES))) ??
        (size > IMAGE_HEADER_BYTES ? imageDimensions(bytes.read(0, size)) : undefined);
      if (!image) {
        return {
          code: 'corrupt_image',
          message: `${name} starts like ${typeName(type)} but its pixel size cannot be read: the file is damaged or cut short. Re-export it.`,
        };
      }
      inspected.image = image;
      if (type.mediaType === 'image/gif' && size <= GIF_READ_LIMIT) {
        const frames = gifFrameCount(bytes.read(0, size));
        if (frames > 1) inspected.image = { ...image, frames };
      }
    }
    if (type.kind === 'pdf') {
      const tail = Buffer.from(bytes.read(Math.max(0, size - PDF_TAIL_BYTES), size)).toString('latin1');
      if (!tail.includes('%%EOF')) {
        return {
          code: 'corrupt_pdf',
          message: `${name} is not a complete PDF: it has no %%EOF end marker in its last ${PDF_TAIL_BYTES} bytes (cut short, e.g. by a failed download). Download or export it again.`,
        };
      }
      const trailer = Buffer.from(bytes.read(Math.max(0, size - PDF_TRAILER_BYTES), size)).toString('latin1');
      if (ENCRYPT_ENTRY.test(trailer) || ENCRYPT_ENTRY.test(Buffer.from(head).toString('latin1'))) {
        return { code: 'encrypted_pdf', message: encryptedPdfMessage(name) };
      }
      const structure = pdfStructure(bytes);
      if (structure.kind === 'encrypted')
        return { code: 'encrypted_pdf', message: encryptedPdfMessage(name) };
      if (structure.kind === 'corrupt') {
        return {
          code: 'corrupt_pdf',
          message: `${name} is not a readable PDF: ${structure.reason}. Open and save it again, or export it anew.`,
        };
      }
      if (structure.kind === 'pages') inspected.pages = structure.pages;
      if (structure.kind === 'unsure') inspected.pagesUnsure = structure.reason;
    }
    return inspected;
  } finally {
    bytes.close();
  }
}

/** The refusal of an encrypted PDF, here and when the PDF is parsed before sending. */
export function encryptedPdfMessage(name: string): string {
  return `${name} is encrypted (a password or permission restrictions). Providers take only standard PDFs without passwords or encryption: save an unencrypted copy (e.g. print to PDF, or qpdf --decrypt).`;
}

export function isFileProblem(value: InspectedFile | FileProblem): value is FileProblem {
  return 'code' in value;
}

function imageDimensions(data: Uint8Array): { width: number; height: number } | undefined {
  try {
    const { width, height } = imageSize(data);
    return width && height ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The PDF's page count or problem, as far as it can be known without pdf.js. A fault in this reader must not make
 * `addJob` throw something untyped: it only means "not sure", and pdf.js checks the PDF before sending.
 */
function pdfStructure(bytes: ByteReader): PdfStructure {
  try {
    return readPdfStructure(bytes);
  } catch (error) {
    return { kind: 'unsure', reason: error instanceof Error ? error.message : String(error) };
  }
}

/** Whether a file's first bytes are text: UTF-8 without NUL, allowing a character cut at the end of the sample. */
function startsAsText(head: Uint8Array): boolean {
  for (let cut = 0; cut <= 3 && cut < head.length; cut++) {
    if (isText(head.subarray(0, head.length - cut))) return true;
  }
  return false;
}
