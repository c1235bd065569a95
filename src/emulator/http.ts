import type { IncomingMessage, ServerResponse } from 'node:http';
import { surrogateEscapeError } from './anthropic/surrogate-escapes.js';

export type Provider = 'openai' | 'anthropic';

/** A failure the emulator answers in the shape of the provider that was called. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
    readonly code: string | null = null,
    readonly param: string | null = null,
  ) {
    super(message);
  }
}

export class BodyTooLargeError extends HttpError {
  constructor(limit: number) {
    super(413, 'request_too_large', `Request exceeds the maximum allowed number of bytes (${limit}).`);
  }
}

const ANTHROPIC_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

const OPENAI_TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'invalid_request_error',
  404: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_exceeded',
  500: 'server_error',
  503: 'server_error',
};

export function errorTypeFor(provider: Provider, status: number): string {
  const table = provider === 'anthropic' ? ANTHROPIC_TYPE_BY_STATUS : OPENAI_TYPE_BY_STATUS;
  return (
    table[status] ??
    (status >= 500 ? (provider === 'anthropic' ? 'api_error' : 'server_error') : 'invalid_request_error')
  );
}

export function errorBody(provider: Provider, error: HttpError, requestId: string): unknown {
  if (provider === 'anthropic') {
    return { type: 'error', error: { type: error.type, message: error.message }, request_id: requestId };
  }
  return { error: { message: error.message, type: error.type, param: error.param, code: error.code } };
}

export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json',
    'content-length': Buffer.byteLength(text),
    ...headers,
  });
  res.end(text);
}

/** Reads the whole body, refusing (after draining) anything past `limit` bytes. */
export async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  let tooLarge = false;
  for await (const chunk of req) {
    const buffer = chunk as Buffer;
    size += buffer.length;
    if (size > limit) tooLarge = true;
    if (!tooLarge) chunks.push(buffer);
  }
  if (tooLarge) throw new BodyTooLargeError(limit);
  return Buffer.concat(chunks);
}

export function parseJsonBody(provider: Provider, body: Buffer): unknown {
  if (body.length === 0) throw new HttpError(400, 'invalid_request_error', 'Request body is empty.');
  const text = body.toString('utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (cause) {
    const detail = cause instanceof Error ? cause.message : String(cause);
    const message =
      provider === 'anthropic'
        ? `There was an error parsing the body of your request: ${detail}`
        : `We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly.) ${detail}`;
    throw new HttpError(400, 'invalid_request_error', message);
  }
  // Anthropic's parser is stricter than JSON.parse about half characters; OpenAI's is not known to be (emulator.md).
  const surrogateError = provider === 'anthropic' ? surrogateEscapeError(text) : null;
  if (surrogateError) throw new HttpError(400, 'invalid_request_error', surrogateError);
  return parsed;
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
