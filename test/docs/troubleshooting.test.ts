import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { collectErrorCodes, documentedCodes, readText } from './error-codes.js';

const root = join(import.meta.dirname, '..', '..');

describe('docs/troubleshooting.md', () => {
  const sites = collectErrorCodes(join(root, 'src'));
  const listed = documentedCodes(readText(join(root, 'docs', 'troubleshooting.md')));

  it('finds the codes of every kind of throw site (the collector itself works)', () => {
    const found = new Set(sites.map((site) => site.code));
    // One of each way a code is written: new XError('…'), super('…') in a subclass, fail('…') through a local
    // function, a fail parameter of a function type, a { code } object, a conditional, a template literal.
    for (const code of [
      'invalid_option',
      'wait_timeout',
      'missing_model',
      'owned_provider_option',
      'expired',
      'connection_error',
      'http_*',
      'state_locked',
    ]) {
      expect(found, code).toContain(code);
    }
  });

  it('lists every error code thrown or recorded in src/, with what it means and what to do', () => {
    const missing = sites.filter((site) => !listed.has(site.code));
    expect(
      missing.map((site) => `${site.code} (${site.file}:${site.line})`),
      'add a `### `code`` entry to docs/troubleshooting.md for each',
    ).toEqual([]);
  });

  it('lists no code that src/ no longer has', () => {
    const found = new Set(sites.map((site) => site.code));
    expect([...listed].filter((code) => !found.has(code))).toEqual([]);
  });
});
