import { REDACTED } from './redact.js';

/** Options as they may be shown: each provider's `apiKey` replaced, everything else as given. */
export function redactOptions<O extends object>(options: O): O {
  const shown: Record<string, unknown> = { ...(options as Record<string, unknown>) };
  for (const provider of ['anthropic', 'openai']) {
    const client = shown[provider];
    if (typeof client === 'object' && client !== null && 'apiKey' in client) {
      shown[provider] = { ...client, apiKey: REDACTED };
    }
  }
  return shown as O;
}
