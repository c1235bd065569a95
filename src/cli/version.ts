import { readFileSync } from 'node:fs';

/**
 * The version in the package's own package.json, two levels up from this file both as source (src/cli/) and as
 * built (dist/cli/): never a second copy that can go stale.
 */
export function packageVersion(): string {
  const text = readFileSync(new URL('../../package.json', import.meta.url), 'utf8');
  return (JSON.parse(text) as { version: string }).version;
}
