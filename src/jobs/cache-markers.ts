/**
 * Anthropic prompt-caching markers (`cache_control`) in a request body or its provider options: on the top level, on
 * tools, on content blocks. Strings are not searched (a marker is a key), nor schemas and examples, where
 * `cache_control` would be the name of a field (a tool's `input_schema` and `input_examples`, the `output_config`
 * format).
 */
export interface CacheMarker {
  /** Where the marker is, from where the search began (`tools[0].cache_control`). */
  path: string;
  marker: { type?: unknown; ttl?: unknown };
}

const NOT_MARKERS = new Set(['input_schema', 'input_examples', 'output_config']);

export function cacheMarkers(value: unknown, path = ''): CacheMarker[] {
  if (value === null || typeof value !== 'object') return [];
  const found: CacheMarker[] = [];
  for (const [key, inner] of Object.entries(value)) {
    const at = Array.isArray(value) ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;
    if (key === 'cache_control') {
      if (inner !== null && typeof inner === 'object')
        found.push({ path: at, marker: inner as CacheMarker['marker'] });
    } else if (!NOT_MARKERS.has(key)) found.push(...cacheMarkers(inner, at));
  }
  return found;
}

/** The TTLs the API takes (@anthropic-ai/sdk `CacheControlEphemeral`: `type: 'ephemeral'`, `ttl?: '5m' | '1h'`). */
export function cacheMarkerProblem({ marker }: CacheMarker): string | null {
  if (marker.type !== 'ephemeral') return `its type must be 'ephemeral', got ${JSON.stringify(marker.type)}`;
  if (marker.ttl !== undefined && marker.ttl !== '5m' && marker.ttl !== '1h')
    return `its ttl must be '5m' or '1h', got ${JSON.stringify(marker.ttl)}`;
  return null;
}
