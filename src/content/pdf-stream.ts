import { constants, inflateSync } from 'node:zlib';
import { isDict, nameOf, type PdfDict, PdfSyntaxError, type PdfValue } from './pdf-syntax.js';

/**
 * A decoded stream bigger than this is not a cross-reference or object stream of a PDF under the providers' 32 MB:
 * it stops a compressed bomb from filling memory at `addJob`.
 */
const MAX_DECODED_BYTES = 256 * 1024 * 1024;

/**
 * Decodes the data of a cross-reference or object stream (ISO 32000-1, 7.3.8, 7.4.4): no filter, or FlateDecode
 * (node:zlib, synchronous) with or without a PNG or TIFF predictor. Any other filter — writers use only Flate for
 * these streams in practice, but LZW is allowed — throws {@link PdfSyntaxError}: the caller is then not sure.
 */
export function decodeStream(dict: PdfDict, raw: Uint8Array): Uint8Array {
  const filters = asList(dict.get('Filter') ?? dict.get('F'));
  const params = asList(dict.get('DecodeParms') ?? dict.get('DP'));
  let data = raw;
  filters.forEach((filter, index) => {
    const name = nameOf(filter);
    if (name !== 'FlateDecode' && name !== 'Fl')
      throw new PdfSyntaxError(`filter ${name ?? '?'} is not read here`);
    data = inflate(data);
    const param = params[index];
    if (isDict(param)) data = unpredict(data, param);
  });
  return data;
}

function asList(value: PdfValue | undefined): PdfValue[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

function inflate(data: Uint8Array): Uint8Array {
  try {
    // Z_SYNC_FLUSH takes a stream cut before its checksum, as readers do.
    return inflateSync(data, { finishFlush: constants.Z_SYNC_FLUSH, maxOutputLength: MAX_DECODED_BYTES });
  } catch (error) {
    throw new PdfSyntaxError(`a Flate stream does not inflate (${(error as Error).message})`);
  }
}

/** Undoes a predictor (ISO 32000-1, 7.4.4.4): PNG filters per row (10–15), or TIFF 2 on bytes. */
function unpredict(data: Uint8Array, params: PdfDict): Uint8Array {
  const predictor = numberOr(params.get('Predictor'), 1);
  if (predictor === 1) return data;
  const colors = numberOr(params.get('Colors'), 1);
  const bits = numberOr(params.get('BitsPerComponent'), 8);
  const columns = numberOr(params.get('Columns'), 1);
  const pixelBytes = Math.max(1, Math.ceil((colors * bits) / 8));
  const rowBytes = Math.ceil((colors * bits * columns) / 8);
  if (predictor === 2) {
    if (bits !== 8) throw new PdfSyntaxError(`TIFF predictor on ${bits}-bit components is not read here`);
    const out = Uint8Array.from(data);
    for (let row = 0; row < out.length; row += rowBytes) {
      for (let i = row + pixelBytes; i < Math.min(row + rowBytes, out.length); i++) {
        out[i] = (out[i]! + out[i - pixelBytes]!) & 0xff;
      }
    }
    return out;
  }
  if (predictor < 10) throw new PdfSyntaxError(`predictor ${predictor} is not defined`);
  const rows = Math.floor(data.length / (rowBytes + 1));
  const out = new Uint8Array(rows * rowBytes);
  for (let row = 0; row < rows; row++) {
    const type = data[row * (rowBytes + 1)]!;
    const input = row * (rowBytes + 1) + 1;
    const at = row * rowBytes;
    for (let i = 0; i < rowBytes; i++) {
      const left = i >= pixelBytes ? out[at + i - pixelBytes]! : 0;
      const up = row > 0 ? out[at + i - rowBytes]! : 0;
      const upLeft = row > 0 && i >= pixelBytes ? out[at + i - rowBytes - pixelBytes]! : 0;
      const value = data[input + i]!;
      let predicted: number;
      if (type === 0) predicted = 0;
      else if (type === 1) predicted = left;
      else if (type === 2) predicted = up;
      else if (type === 3) predicted = (left + up) >> 1;
      else if (type === 4) predicted = paeth(left, up, upLeft);
      else throw new PdfSyntaxError(`PNG filter type ${type} is not defined`);
      out[at + i] = (value + predicted) & 0xff;
    }
  }
  return out;
}

function paeth(left: number, up: number, upLeft: number): number {
  const p = left + up - upLeft;
  const pa = Math.abs(p - left);
  const pb = Math.abs(p - up);
  const pc = Math.abs(p - upLeft);
  if (pa <= pb && pa <= pc) return left;
  return pb <= pc ? up : upLeft;
}

function numberOr(value: PdfValue | undefined, fallback: number): number {
  return typeof value === 'number' ? value : fallback;
}
