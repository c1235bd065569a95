import type { IncomingMessage } from 'node:http';
import { HttpError, type Provider } from './http.js';

/** Shows only the key's ends, so that a key never appears whole in an error message or log. */
export function maskKey(key: string): string {
  return key.length <= 8 ? '****' : `${key.slice(0, 3)}****${key.slice(-4)}`;
}

function bearer(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header?.startsWith('Bearer ') ? header.slice('Bearer '.length).trim() : undefined;
}

/** Checks the headers each provider requires, answering as that provider does when they are wrong. */
export function authenticate(
  req: IncomingMessage,
  provider: Provider,
  expectedKey: string | undefined,
): void {
  if (provider === 'openai') {
    const key = bearer(req);
    if (!key) {
      throw new HttpError(
        401,
        'invalid_request_error',
        "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY).",
      );
    }
    if (expectedKey !== undefined && key !== expectedKey) {
      throw new HttpError(
        401,
        'invalid_request_error',
        `Incorrect API key provided: ${maskKey(key)}.`,
        'invalid_api_key',
      );
    }
    return;
  }
  const header = req.headers['x-api-key'];
  const key = (Array.isArray(header) ? header[0] : header) ?? bearer(req);
  if (!key) throw new HttpError(401, 'authentication_error', 'x-api-key header is required');
  if (expectedKey !== undefined && key !== expectedKey) {
    throw new HttpError(401, 'authentication_error', 'invalid x-api-key');
  }
  if (!req.headers['anthropic-version']) {
    throw new HttpError(400, 'invalid_request_error', 'anthropic-version: header is required');
  }
}
