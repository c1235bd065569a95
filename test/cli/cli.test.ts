import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');
const main = join(root, 'src', 'cli', 'main.ts');
const version = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string }).version;

interface Outcome {
  code: number | null;
  stdout: string;
  stderr: string;
}

const children: ChildProcess[] = [];
afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGKILL');
});

/** The CLI as a user runs it: its own process, its own stdout and stderr, its exit code. */
function cli(...args: string[]): Promise<Outcome> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', main, ...args], { cwd: root });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe('the batchwise command', () => {
  it('--help prints the help once and exits 0', async () => {
    const { code, stdout, stderr } = await cli('--help');
    expect(code).toBe(0);
    expect(count(stdout, 'Usage:')).toBe(1);
    expect(stdout).toContain('emulator');
    expect(stderr).toBe('');
  });

  it('no arguments prints the help once', async () => {
    const { code, stdout } = await cli();
    expect(code).toBe(0);
    expect(count(stdout, 'Usage:')).toBe(1);
  });

  it.each(['--version', '-v'])('%s prints only the version from package.json', async (flag) => {
    const { code, stdout } = await cli(flag);
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it('--version before a command prints the version and starts nothing', async () => {
    const { code, stdout } = await cli('--version', 'emulator');
    expect(code).toBe(0);
    expect(stdout).toBe(`${version}\n`);
  });

  it('an unknown command says so and exits non-zero, without the help', async () => {
    const { code, stdout, stderr } = await cli('emulatr');
    expect(code).not.toBe(0);
    expect(stderr).toContain('Unknown command `emulatr`');
    expect(stdout).not.toContain('Usage:');
  });

  it('an unknown option without a command says so and exits non-zero, without the help', async () => {
    const { code, stdout, stderr } = await cli('--bogus');
    expect(code).not.toBe(0);
    expect(stderr).toContain('Unknown option `--bogus`');
    expect(stdout).not.toContain('Usage:');
  });

  it('emulator --help prints the emulator options once', async () => {
    const { code, stdout } = await cli('emulator', '--help');
    expect(code).toBe(0);
    expect(count(stdout, 'Usage:')).toBe(1);
    expect(stdout).toContain('--processing-ms');
  });

  it.each([
    [['--processing-ms', 'abc'], "--processing-ms must be a number of milliseconds from 0 up, got 'abc'"],
    [['--processing-ms=-5'], "--processing-ms must be a number of milliseconds from 0 up, got '-5'"],
    [['--port', '99999'], '--port must be a port number'],
    [['--port', '80.5'], '--port must be'],
    [['--errored-share', '1.5'], '--errored-share must be a share from 0 to 1'],
    [['--bogus'], 'Unknown option `--bogus`'],
    // cac's parser reads an empty value as 0: every interface, any port.
    [['--host', ''], '--host needs a value, got an empty one'],
    [['--port='], '--port needs a value, got an empty one'],
    // The parser would take `-1` for an option of its own.
    [['--port', '-1'], "--port must be from 0 up, got '-1'"],
    [['extra'], 'emulator takes no arguments, got `extra`'],
  ])('emulator %j is refused before it starts', async (args, message) => {
    const { code, stdout, stderr } = await cli('emulator', ...args);
    expect(code).toBe(1);
    expect(stderr).toContain(message);
    expect(stdout).not.toContain('listening');
  });

  it('emulator with good flags starts and answers', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main, 'emulator', '--port', '0', '--processing-ms', '10'],
      {
        cwd: root,
      },
    );
    children.push(child);
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const match = /listening on (http:\/\/\S+)/.exec(out);
        if (match) resolve(match[1]!);
      });
      child.on('close', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    const response = await fetch(`${url}/v1/batches`, { headers: { authorization: 'Bearer test' } });
    expect(response.status).toBe(200);
  });

  it('emulator --api-key: the banner does not suggest a key it refuses, nor print the one given', async () => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', main, 'emulator', '--port', '0', '--api-key', 'sk-only-this-one'],
      { cwd: root },
    );
    children.push(child);
    const banner = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.includes('Anthropic:')) resolve(out);
      });
      child.on('close', (code) => reject(new Error(`exited ${code}: ${out}`)));
    });
    expect(banner).toContain('apiKey: <your --api-key>');
    expect(banner).not.toContain("'test'");
    expect(banner).not.toContain('sk-only-this-one');
  });
});
