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

interface Marker {
  path: string;
  type: unknown;
  ttl: unknown;
}

/**
 * Every `cache_control` marker of a request, with where it is. In a schema or a tool's examples, `cache_control`
 * is a field's name.
 */
function markersOf(value: unknown, path = ''): Marker[] {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, inner]): Marker[] => {
    if (key === 'input_schema' || key === 'input_examples' || key === 'output_config') return [];
    const at = path === '' ? key : `${path}.${key}`;
    if (key !== 'cache_control') return markersOf(inner, at);
    if (inner === null || typeof inner !== 'object') return [];
    const { type, ttl } = inner as { type?: unknown; ttl?: unknown };
    return [{ path: at, type, ttl }];
  });
}

/**
 * The first marker the API would refuse (type `ephemeral`, TTL `5m` or `1h` are what it takes: @anthropic-ai/sdk
 * `CacheControlEphemeral`), as the request error's message, or null.
 */
export function promptCacheError(params: Record<string, unknown>): string | null {
  for (const { path, type, ttl } of markersOf(params)) {
    if (type !== 'ephemeral') return `${path}.type: Input should be 'ephemeral'`;
    if (ttl !== undefined && ttl !== '5m' && ttl !== '1h') return `${path}.ttl: Input should be '5m' or '1h'`;
  }
  return null;
}

/** The longest TTL the request's markers ask for, or null when it has none. */
export function promptCacheTtl(params: Record<string, unknown>): PromptCacheTtl | null {
  const markers = markersOf(params);
  if (markers.length === 0) return null;
  return markers.some((marker) => marker.ttl === '1h') ? '1h' : '5m';
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
