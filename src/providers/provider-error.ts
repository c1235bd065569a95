import { ProviderError } from '../errors.js';

const RETRYABLE_STATUS = (status: number) =>
  status === 408 || status === 409 || status === 429 || status >= 500;

/**
 * Turns whatever an SDK call threw into a {@link ProviderError}: with the HTTP status when there was one, retryable
 * for 408/409/429/5xx and for connection failures and broken streams. The SDKs' messages carry no API keys.
 */
export function toProviderError(provider: string, action: string, error: unknown): ProviderError {
  if (error instanceof ProviderError) return error;
  const status =
    typeof (error as { status?: unknown })?.status === 'number'
      ? (error as { status: number }).status
      : undefined;
  const message = error instanceof Error ? error.message : String(error);
  return new ProviderError(
    status === undefined ? 'connection_error' : `http_${status}`,
    `${provider} ${action} failed${status === undefined ? '' : ` (HTTP ${status})`}: ${message}`,
    {
      cause: error,
      isRetryable: status === undefined || RETRYABLE_STATUS(status),
      ...(status !== undefined && { statusCode: status }),
    },
  );
}
