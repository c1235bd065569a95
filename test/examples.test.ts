import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);
const root = resolve(import.meta.dirname, '..');
const tsx = join(root, 'node_modules/tsx/dist/cli.mjs');

describe('examples run as documented', () => {
  it('examples/quickstart.ts (npm run demo) finishes every job', async () => {
    const { stdout } = await run(process.execPath, [tsx, 'examples/quickstart.ts'], {
      cwd: root,
      timeout: 60_000,
    });
    const match = /(\d+) results: (\d+) succeeded, (\d+) failed/.exec(stdout);
    expect(match).not.toBeNull();
    expect(Number(match![1])).toBe(300);
    expect(Number(match![2]) + Number(match![3])).toBe(300);
    expect(Number(match![2])).toBeGreaterThan(250);
  }, 60_000);

  it('examples/pdf-extraction.ts prints typed fields with cited pages', async () => {
    const { stdout } = await run(process.execPath, [tsx, 'examples/pdf-extraction.ts'], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).toContain('invoice-1: succeeded');
    expect(stdout).toContain('Acme Corp #INV-7: 1250 due 2025-03-01, Berlin');
    expect(stdout).toMatch(/total\s+<- p\.3 "Total: 1,250.00" \(high\)/);
  }, 60_000);
});
