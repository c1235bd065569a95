import { HttpError, readBody } from '../http.js';
import { randomId } from '../random.js';
import type { Reply, Route, RouteContext, StateContext } from '../route.js';

export interface StoredFile {
  id: string;
  filename: string;
  purpose: string;
  bytes: number;
  createdAt: number;
  /** Grows with every stored file (absent in records written before it existed): orders files of the same second. */
  sequence?: number;
}

const PURPOSES = new Set([
  'batch',
  'batch_output',
  'assistants',
  'fine-tune',
  'vision',
  'user_data',
  'evals',
]);
/** Multipart framing around the file itself. */
const MULTIPART_OVERHEAD = 1024 * 1024;

export function fileObject(file: StoredFile): Record<string, unknown> {
  return {
    id: file.id,
    object: 'file',
    bytes: file.bytes,
    created_at: file.createdAt,
    expires_at: file.purpose === 'batch' ? file.createdAt + 30 * 86_400 : null,
    filename: file.filename,
    purpose: file.purpose,
    status: 'processed',
    status_details: null,
  };
}

export async function storeFile(
  context: StateContext,
  filename: string,
  purpose: string,
  data: Buffer,
): Promise<StoredFile> {
  const file: StoredFile = {
    id: randomId('file-'),
    filename,
    purpose,
    bytes: data.length,
    createdAt: Math.floor(Date.now() / 1000),
    sequence: context.state.nextFileSequence(),
  };
  await context.state.files.saveBlob(file.id, data);
  await context.state.files.save(file);
  return file;
}

function requireFile(context: RouteContext): StoredFile {
  const file = context.state.files.get(context.params.id!);
  if (!file)
    throw new HttpError(
      404,
      'invalid_request_error',
      `No such File object: ${context.params.id}`,
      null,
      'id',
    );
  return file;
}

async function createFile(context: RouteContext): Promise<Reply> {
  const limit = context.options.limits.openai.maxBytes;
  const body = await readBody(context.req, limit + MULTIPART_OVERHEAD);
  const contentType = context.req.headers['content-type'] ?? '';
  if (!contentType.includes('multipart/form-data')) {
    throw new HttpError(
      400,
      'invalid_request_error',
      'Expected a multipart/form-data body with `file` and `purpose`.',
    );
  }
  let form: FormData;
  try {
    form = await new Request('http://emulator/upload', {
      method: 'POST',
      headers: { 'content-type': contentType },
      body,
    }).formData();
  } catch {
    throw new HttpError(400, 'invalid_request_error', 'Could not parse the multipart form body.');
  }
  const purpose = form.get('purpose');
  const upload = form.get('file');
  if (typeof purpose !== 'string' || !PURPOSES.has(purpose)) {
    throw new HttpError(
      400,
      'invalid_request_error',
      `Invalid value for 'purpose': ${String(purpose)}.`,
      null,
      'purpose',
    );
  }
  if (!upload || typeof upload === 'string') {
    throw new HttpError(400, 'invalid_request_error', "Missing required parameter: 'file'.", null, 'file');
  }
  const data = Buffer.from(await upload.arrayBuffer());
  if (purpose === 'batch') {
    if (!upload.name.endsWith('.jsonl')) {
      throw new HttpError(400, 'invalid_request_error', 'Invalid file format for Batch API. Must be .jsonl');
    }
    if (data.length > limit) {
      throw new HttpError(
        400,
        'invalid_request_error',
        `File is too large: ${data.length} bytes. Batch input files may be at most ${limit} bytes.`,
        'file_too_large',
      );
    }
  }
  context.state.stats.uploads.total++;
  if (context.req.headers['content-length'] === undefined) context.state.stats.uploads.streamed++;
  const file = await storeFile(context, upload.name, purpose, data);
  return { status: 200, json: fileObject(file) };
}

/** Newest first: by `created_at`, then by the order of storing within the same second. */
function newerFirst(a: StoredFile, b: StoredFile): number {
  return (
    b.createdAt - a.createdAt ||
    (b.sequence ?? 0) - (a.sequence ?? 0) ||
    (a.id === b.id ? 0 : a.id < b.id ? 1 : -1)
  );
}

const MAX_LIST_LIMIT = 10_000;

/**
 * `GET /v1/files`: `purpose` filter, `order` (`desc`, newest first, by default), `limit` 1 to 10,000 (default 10,000)
 * and an `after` cursor, which may name a file deleted since the previous page (a list-and-delete loop).
 */
async function listFiles(context: RouteContext): Promise<Reply> {
  const { query } = context;
  const limitText = query.get('limit');
  const limit = limitText === null ? MAX_LIST_LIMIT : Number(limitText);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIST_LIMIT) {
    throw new HttpError(
      400,
      'invalid_request_error',
      `Invalid 'limit': ${limitText}. Expected an integer from 1 to ${MAX_LIST_LIMIT}.`,
      null,
      'limit',
    );
  }
  const order = query.get('order') ?? 'desc';
  if (order !== 'asc' && order !== 'desc') {
    throw new HttpError(
      400,
      'invalid_request_error',
      `Invalid 'order': '${order}'. Expected one of 'asc', 'desc'.`,
      null,
      'order',
    );
  }
  const direction = order === 'desc' ? 1 : -1;
  const compare = (a: StoredFile, b: StoredFile) => direction * newerFirst(a, b);
  const purpose = query.get('purpose');
  let files = context.state.files
    .all()
    .filter((file) => purpose === null || file.purpose === purpose)
    .sort(compare);
  const after = query.get('after');
  if (after !== null) {
    const cursor = context.state.files.get(after) ?? context.state.deletedFiles.get(after);
    if (!cursor) {
      throw new HttpError(
        400,
        'invalid_request_error',
        `Invalid 'after': no file with id '${after}'.`,
        null,
        'after',
      );
    }
    files = files.filter((file) => compare(cursor, file) < 0);
  }
  const page = files.slice(0, limit);
  return {
    status: 200,
    json: {
      object: 'list',
      data: page.map(fileObject),
      first_id: page[0]?.id ?? null,
      last_id: page.at(-1)?.id ?? null,
      has_more: files.length > limit,
    },
  };
}

export const fileRoutes: Route[] = [
  { method: 'POST', path: '/v1/files', provider: 'openai', handle: createFile },
  { method: 'GET', path: '/v1/files', provider: 'openai', handle: listFiles },
  {
    method: 'GET',
    path: '/v1/files/{id}',
    provider: 'openai',
    handle: async (context) => ({ status: 200, json: fileObject(requireFile(context)) }),
  },
  {
    method: 'GET',
    path: '/v1/files/{id}/content',
    provider: 'openai',
    handle: async (context) => {
      const file = requireFile(context);
      const raw = context.state.files.blob(file.id) ?? Buffer.alloc(0);
      return { status: 200, raw, contentType: 'application/octet-stream' };
    },
  },
  {
    method: 'DELETE',
    path: '/v1/files/{id}',
    provider: 'openai',
    handle: async (context) => {
      const file = requireFile(context);
      // The service read the input when it validated the batch: deleting the file now changes nothing about it.
      const content = context.state.files.blob(file.id);
      for (const batch of context.state.openaiBatches.all()) {
        if (content && batch.inputFileId === file.id && !batch.final && !batch.validationErrors)
          await context.state.openaiBatches.saveBlob(batch.id, content);
      }
      await context.state.files.delete(file.id);
      context.state.deletedFiles.set(file.id, file);
      return { status: 200, json: { id: file.id, object: 'file', deleted: true } };
    },
  },
];
