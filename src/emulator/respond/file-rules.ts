import { readDocuments } from './document-text.js';
import { gifFrames, imageDimensions, imageFormat, isPdf, MEDIA_TYPES } from './media.js';
import type { RequestView } from './request-view.js';

const MB = 1024 * 1024;

/**
 * The refusals of images and PDFs the real services make per request, as documented (docs/emulator.md, "Files"):
 *
 * Anthropic ("Images and vision", "PDF support"): an image at most 5 MB (of base64: the reported message counts the
 * encoded bytes), 8000×8000 px, 2000×2000 px when the request has more than 20 images, of the media type it declares;
 * at most 100 images a request (600 on models with a 1M-token context window);
 * PDFs standard (no passwords or encryption), at most 100 pages per request on models with a 200k-token context
 * window and 600 on the others. Messages as users have reported them (third-party reports, docs/emulator.md).
 */
export async function anthropicFileError(view: RequestView): Promise<string | null> {
  const maxImages = anthropicMaxPages(view.model);
  if (view.images.length > maxImages) {
    // The limit is documented; this wording is ours (no report of the real message was found).
    return `messages: A maximum of ${maxImages} images may be provided in one request; this request has ${view.images.length}.`;
  }
  const manyImages = view.images.length > 20;
  for (const image of view.images) {
    if (image.data === null) continue;
    const at = `${image.path}.image.source.base64`;
    if (image.data.length === 0) return `${at}: image cannot be empty`;
    const encoded = Math.ceil(image.data.length / 3) * 4;
    if (encoded > 5 * MB) return `${at}: image exceeds 5 MB maximum: ${encoded} bytes > ${5 * MB} bytes`;
    const format = imageFormat(image.data);
    if (format === null || MEDIA_TYPES[format] !== image.mediaType) {
      return `${at}.data: Image does not match the provided media type ${image.mediaType ?? 'null'}`;
    }
    const size = imageDimensions(image.data);
    if (!size) return `${at}.data: Could not process image`;
    const max = manyImages ? 2_000 : 8_000;
    if (size.width > max || size.height > max) {
      return manyImages
        ? `${at}.data: At least one of the image dimensions exceed max allowed size for many-image requests: 2000 pixels`
        : `${at}.data: At least one of the image dimensions exceed max allowed size: 8000 pixels`;
    }
  }
  await readDocuments(view.documents);
  const maxPages = anthropicMaxPages(view.model);
  let pages = 0;
  for (const document of view.documents) {
    if (document.kind !== 'pdf') continue;
    const at = `${document.path}.pdf.source.base64.data`;
    if (!document.data || !isPdf(document.data) || document.problem)
      return `${at}: The PDF specified was not valid.`;
    pages += document.pages?.length ?? 0;
    if (pages > maxPages) return `${at}: A maximum of ${maxPages} PDF pages may be provided.`;
  }
  return null;
}

/** Claude models with a 1M-token context window take 600 PDF pages and 600 images; the rest (200k) take 100. */
function anthropicMaxPages(model: string): number {
  return /^claude-(opus|sonnet)-(4-[6-9]|[5-9])/.test(model) ? 600 : 100;
}

const OPENAI_FORMATS = "['png', 'jpeg', 'gif', 'webp']";

/** "Up to 1500 individual image inputs per request" (OpenAI, "Images and vision", image input requirements). */
const OPENAI_MAX_IMAGES = 1_500;

/**
 * OpenAI ("Images and vision", "File inputs"): images PNG, JPEG, WEBP or non-animated GIF, below 20 MB each (the real
 * message: "You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the
 * following formats: […]"), at most 1,500 a request; PDFs up to 100 pages and 32 MB of file content per request,
 * across file inputs. The wording of the refusals of an animated GIF, of too many images and of PDFs is ours (no
 * public report of the real one was found).
 */
export async function openaiFileError(
  view: RequestView,
): Promise<{ message: string; param: string; code: string } | null> {
  if (view.images.length > OPENAI_MAX_IMAGES) {
    return {
      message: `Too many images: this request has ${view.images.length} image inputs; at most ${OPENAI_MAX_IMAGES} individual image inputs are allowed per request.`,
      param: 'messages',
      code: 'invalid_value',
    };
  }
  for (const image of view.images) {
    if (image.data === null) continue;
    const format = imageFormat(image.data);
    if (image.data.length > 20 * MB || format === null || !imageDimensions(image.data)) {
      return {
        message: `You uploaded an unsupported image. Please make sure your image is below 20 MB in size and is of one the following formats: ${OPENAI_FORMATS}.`,
        param: `${image.path}.image_url`,
        code: 'invalid_image_format',
      };
    }
    const frames = format === 'gif' ? gifFrames(image.data) : 1;
    if (frames > 1) {
      return {
        message: `You uploaded an unsupported image: an animated GIF (${frames} frames). Please make sure your GIF is not animated, or send the image as one of the following formats: ['png', 'jpeg', 'webp'].`,
        param: `${image.path}.image_url`,
        code: 'invalid_image_format',
      };
    }
  }
  await readDocuments(view.documents);
  let pages = 0;
  let bytes = 0;
  for (const document of view.documents) {
    if (document.kind !== 'pdf') continue;
    const param = `${document.path}.file.file_data`;
    if (!document.data || !isPdf(document.data) || document.problem) {
      return {
        message: `Invalid file data: '${param}'. The file is not a valid PDF${document.problem === 'encrypted' ? ' (it is encrypted)' : ''}.`,
        param,
        code: 'invalid_value',
      };
    }
    pages += document.pages?.length ?? 0;
    bytes += document.data.length;
    if (pages > 100 || bytes > 32 * MB) {
      return {
        message: `Invalid file data: '${param}'. You can send up to 100 pages and 32MB of total file content in a single request.`,
        param,
        code: 'invalid_value',
      };
    }
  }
  return null;
}
