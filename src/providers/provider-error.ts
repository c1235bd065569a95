import { ProviderError } from '../errors.js';

const RETRYABLE_STATUS = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/** Connection failures that happen before a byte of the request reaches the server: nothing was done there. */
const NEVER_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * Turns whatever an SDK call threw into a {@link ProviderError}: with the HTTP status when there was one, retryable
 * for 408/409/429/5xx and for connection failures and broken streams. The SDKs' messages carry no API keys.
 *
 * With `mutating: true` (a create or an upload), the error also says whether the call may have taken effect
 * (`maybeDone`). A 4xx answer is the server refusing the request: nothing was created. A 5xx, a timeout or a
 * connection that broke after it was made says nothing about it: the server may have done the work and lost the
 * answer, so the caller must look before trying again.
 */
export function toProviderError(
  provider: string,
  action: string,
  error: unknown,
  options: { mutating?: boolean } = {},
): ProviderError {
  if (error instanceof ProviderError) return error;
  const status =
    typeof (error as { status?: unknown })?.status === 'number'
      ? (error as { status: number }).status
      : undefined;
  const refused = status === undefined ? refusedByFetch(error) : undefined;
  const message = `${error instanceof Error ? error.message : String(error)}${refused ? ` (${refused})` : ''}`;
  const maybeDone =
    options.mutating === true &&
    (status === undefined
      ? refused === undefined && !NEVER_SENT.has(connectionCode(error) ?? '')
      : status >= 500);
  return new ProviderError(
    status === undefined ? 'connection_error' : `http_${status}`,
    `${provider} ${action} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`,
    {
      cause: error,
      // A URL fetch will not send to fails the same way every time: asking again would only wait forever.
      isRetryable: status === undefined ? refused === undefined : RETRYABLE_STATUS(status),
      maybeDone,
      ...(status !== undefined && { statusCode: status }),
    },
  );
}

/**
 * Why fetch would not send the request at all, or undefined: a port the fetch standard blocks ("bad port": 1, 9, 22,
 * 6000 and others) or a URL it cannot make a request of. Nothing reached a server.
 */
function refusedByFetch(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const message = (current as { message?: unknown }).message;
    if (message === 'bad port') return 'fetch refuses this port: choose another baseURL port';
    if (typeof message === 'string' && message.includes('cannot be constructed from a URL'))
      return `fetch cannot request this URL: ${message}`;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

/** The `code` (ECONNRESET, ECONNREFUSED, …) somewhere down an error's cause chain. */
function connectionCode(error: unknown): string | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('E')) return code;
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}
