/**
 * Anthropic prompt caching, as the emulator bills it. A `cache_control` marker (on the request, a tool, a system or
 * message block) makes the prefix up to it a cache write: 1.25 times the input price for the default 5-minute cache,
 * twice it for `ttl: "1h"` (platform.claude.com/docs/en/build-with-claude/prompt-caching#pricing). The emulator
 * takes the costliest reading: every input token of a request with a marker is written, at the longest TTL any of
 * its markers asks for, and never read back (batch requests run in any order, so a hit is never promised), and
 * prompts below the model's minimum cacheable length are written too. A client that reserves less than this can
 * overspend on the real service.
 */
export type PromptCacheTtl = '5m' | '1h';

/**
 * The first marker whose TTL the API would refuse (`5m` and `1h` are the values it takes, @anthropic-ai/sdk
 * `CacheControlEphemeral.ttl`), as the request error's message, or null.
 */
export function promptCacheError(params: Record<string, unknown>): string | null {
  let error: string | null = null;
  const visit = (value: unknown, path: string): void => {
    if (error !== null || value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      if (key === 'input_schema' || key === 'output_config') continue;
      const at = path === '' ? key : `${path}.${key}`;
      if (key !== 'cache_control') visit(inner, at);
      else if (inner !== null && typeof inner === 'object') {
        const { type, ttl } = inner as { type?: unknown; ttl?: unknown };
        if (type !== 'ephemeral') error = `${at}.type: Input should be 'ephemeral'`;
        else if (ttl !== undefined && ttl !== '5m' && ttl !== '1h')
          error = `${at}.ttl: Input should be '5m' or '1h'`;
      }
    }
  };
  visit(params, '');
  return error;
}

/** The longest TTL the request's markers ask for, or null when it has none. */
export function promptCacheTtl(params: Record<string, unknown>): PromptCacheTtl | null {
  let marked = false;
  let hour = false;
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    for (const [key, inner] of Object.entries(value)) {
      // In a schema, `cache_control` is a field's name, not a marker.
      if (key === 'input_schema' || key === 'output_config') continue;
      if (key !== 'cache_control') visit(inner);
      else if (inner !== null && typeof inner === 'object') {
        marked = true;
        hour ||= (inner as { ttl?: unknown }).ttl === '1h';
      }
    }
  };
  visit(params);
  return hour ? '1h' : marked ? '5m' : null;
}

/** The usage fields of a request's input: all of it written to the cache when caching is asked for. */
export function inputUsage(inputTokens: number, ttl: PromptCacheTtl | null): Record<string, unknown> {
  const written = ttl === null ? 0 : inputTokens;
  return {
    input_tokens: inputTokens - written,
    cache_creation_input_tokens: written,
    cache_read_input_tokens: 0,
    cache_creation: {
      ephemeral_5m_input_tokens: ttl === '5m' ? written : 0,
      ephemeral_1h_input_tokens: ttl === '1h' ? written : 0,
    },
  };
}
