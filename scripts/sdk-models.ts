import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The string literals of an `export type <name> = 'a' | 'b' | …;` union in an installed SDK's declaration file: the
 * model lists the SDKs ship (`Model` of @anthropic-ai/sdk, `ChatModel` of openai), read for docs and tests.
 */
export function sdkUnion(pkg: string, file: string, name: string): string[] {
  const main = require.resolve(pkg);
  const marker = join('node_modules', pkg);
  const root = main.slice(0, main.lastIndexOf(marker) + marker.length);
  const source = readFileSync(join(root, file), 'utf8');
  const line = source.split('\n').find((l) => l.startsWith(`export type ${name} =`));
  if (!line) throw new Error(`${name} not found in ${pkg}/${file}`);
  return [...line.matchAll(/'([^']+)'/g)].map((m) => m[1]!);
}

export const anthropicSdkModels = (): string[] =>
  sdkUnion('@anthropic-ai/sdk', 'resources/messages/messages.d.ts', 'Model');
export const openaiSdkModels = (): string[] => sdkUnion('openai', 'resources/shared.d.ts', 'ChatModel');
