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
    expect(stdout).toMatch(/ total\s+<- invoice-1\.pdf p\.3 "[^"]*Total: 1,250\.00[^"]*" \(high\)/);
    expect(stdout).toMatch(/ address\.city\s+<- invoice-1\.pdf p\.1 "[^"]*City: Berlin[^"]*" \(high\)/);
    // The job of two files: each field cites the file it comes from.
    expect(stdout).toContain('contract-check: succeeded');
    expect(stdout).toMatch(/ agreedTotal\s+<- contract\.txt "Agreed total: 1,250\.00\." \(high\)\n/);
    expect(stdout).toMatch(/ invoiceNumber\s+<- invoice-1\.pdf p\.1 "[^"]*INV-7[^"]*" \(high\)/);
  }, 60_000);

  it('examples/cost-and-dry-run.ts estimates, samples and stays under its limit', async () => {
    const { stdout } = await run(process.execPath, [tsx, 'examples/cost-and-dry-run.ts'], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).toMatch(/dry run: 40 jobs in \d+ provider batches/);
    const counts = /Claude input (\d+) tokens counted exactly, against an offline bound of (\d+)/.exec(
      stdout,
    );
    expect(Number(counts![1])).toBeGreaterThan(0);
    expect(Number(counts![1])).toBeLessThanOrEqual(Number(counts![2]));
    const spent = /spent \$([\d.]+) of \$0\.05/.exec(stdout);
    expect(Number(spent![1])).toBeLessThanOrEqual(0.05);
  }, 60_000);

  it('examples/crash-and-resume.ts adopts the batch a killed run created', async () => {
    const { stdout } = await run(process.execPath, [tsx, 'examples/crash-and-resume.ts'], {
      cwd: root,
      timeout: 60_000,
    });
    expect(stdout).toContain('first run: killed by SIGKILL after creating 1 provider batch');
    expect(stdout).toContain('second run: 10/10 succeeded');
    expect(stdout).toContain('provider batches created in all: 1');
  }, 60_000);
});
