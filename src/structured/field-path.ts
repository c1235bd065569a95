/**
 * Field paths as results name them, in `error.issues` and in `citationMappings` alike: `vendor`, `address.city`,
 * `lineItems[2].amount`. A key that holds `.`, `[`, `]` or `"` (or is empty) is written quoted, `meta["a.b"]`, so that
 * no two fields share a path.
 */
export function fieldPath(segments: Iterable<string | number>): string {
  let path = '';
  for (const segment of segments) path = childPath(path, segment);
  return path;
}

/** The path of a key or an array index under `path`. */
export function childPath(path: string, segment: string | number): string {
  if (typeof segment === 'number') return `${path}[${segment}]`;
  if (/^[^.[\]"]+$/.test(segment)) return path ? `${path}.${segment}` : segment;
  return `${path}[${JSON.stringify(segment)}]`;
}
