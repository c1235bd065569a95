import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { modelsDoc } from '../../scripts/models-doc.js';

describe('docs/models.md', () => {
  it('is what `npm run docs:models` generates from the family table (run it after changing the table)', () => {
    const committed = readFileSync(new URL('../../docs/models.md', import.meta.url), 'utf8');
    expect(committed).toBe(modelsDoc());
  });

  it('lists every rule, its shutdown date and replacement', () => {
    const doc = modelsDoc();
    expect(doc).toContain('| `claude-3-5-haiku*` |');
    expect(doc).toMatch(/\| `claude-sonnet-4-5\*` \|.*\| 2026-11-30 → `claude-sonnet-4-6` \|/);
    expect(doc).toMatch(/\| `gpt-5\.1\*` \|.*\| none, low, medium, high \|/);
  });
});
