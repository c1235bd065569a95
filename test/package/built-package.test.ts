import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import Anthropic from '@anthropic-ai/sdk';
import { publint } from 'publint';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The package as npm would publish it: a copy of the sources without `dist/` is packed with `npm pack` (so its
// `prepack` must build), and the tarball is unpacked into a consumer directory outside this repository whose
// node_modules holds only the production dependencies. Nothing below reads the repository's own `dist/`.
const run = promisify(execFile);
/**
 * publint, are-the-types-wrong and tsc each take seconds alone and far longer on a loaded 2-core machine: a bound on a
 * tool that never finishes, not a timing goal.
 */
const TOOL_TIMEOUT_MS = 180_000;
const root = resolve(import.meta.dirname, '../..');
const require = createRequire(import.meta.url);
const manifest = JSON.parse(await readFile(join(root, 'package.json'), 'utf8')) as {
  files: string[];
  peerDependencies: Record<string, string>;
  scripts: Record<string, string>;
};
let scratch: string;
let consumer: string;
let tarball: string;
let packed: string[];

/** Top-level production packages of the lockfile (what `npm install batchwise` would bring, hoisted). */
async function productionPackages(): Promise<string[]> {
  const lock = JSON.parse(await readFile(join(root, 'package-lock.json'), 'utf8')) as {
    packages: Record<string, { dev?: boolean; devOptional?: boolean }>;
  };
  return Object.entries(lock.packages)
    .filter(
      ([path, entry]) => /^node_modules\/(@[^/]+\/)?[^/]+$/.test(path) && !entry.dev && !entry.devOptional,
    )
    .map(([path]) => path)
    .filter((path) => existsSync(join(root, path)));
}

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'batchwise-pack-'));
  const source = join(scratch, 'source');
  await mkdir(source);
  const inputs = ['package.json', 'tsconfig.json', 'tsup.config.ts', 'src', ...manifest.files];
  for (const entry of new Set(inputs)) {
    if (entry === 'dist' || !existsSync(join(root, entry))) continue;
    await cp(join(root, entry), join(source, entry), { recursive: true });
  }
  await symlink(join(root, 'node_modules'), join(source, 'node_modules'), 'dir');
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', scratch], {
    cwd: source,
    maxBuffer: 64 * 1024 * 1024,
  });
  // `prepack`'s build prints first; npm's JSON report is the array after it.
  const [info] = JSON.parse(stdout.slice(stdout.search(/^\[\s*$/m))) as [
    { filename: string; files: { path: string }[] },
  ];
  tarball = join(scratch, info.filename);
  packed = info.files.map((file) => file.path);

  consumer = join(scratch, 'consumer');
  const installed = join(consumer, 'node_modules/batchwise');
  await mkdir(installed, { recursive: true });
  await run('tar', ['-xzf', tarball, '-C', installed, '--strip-components=1']);
  for (const path of await productionPackages()) {
    await mkdir(dirname(join(consumer, path)), { recursive: true });
    await symlink(join(root, path), join(consumer, path), 'dir');
  }
  await writeFile(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
}, 240_000);
afterAll(() => (scratch ? rm(scratch, { recursive: true, force: true }) : undefined));

describe('the packed package', () => {
  it('ships what `prepack` built, the emulator stub, LICENSE, README and docs, and no sources or tests', () => {
    expect(manifest.scripts.prepack).toContain('build');
    for (const file of [
      'dist/index.js',
      'dist/index.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'dist/emulator/index.js',
      'dist/emulator/index.d.cts',
      'dist/cli/main.js',
      'emulator/package.json',
      'LICENSE',
      'README.md',
      'docs/batch.md',
    ]) {
      expect(packed).toContain(file);
    }
    expect(packed.filter((path) => /^(src|test|examples|bench)\//.test(path))).toEqual([]);
  });

  it(
    'is clean under publint, suggestions included',
    async () => {
      const bytes = await readFile(tarball);
      const { messages } = await publint({
        pack: {
          tarball: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer,
        },
        level: 'suggestion',
        strict: true,
      });
      expect(messages).toEqual([]);
    },
    TOOL_TIMEOUT_MS,
  );

  it(
    'has no problem under are-the-types-wrong, node10 resolution included',
    async () => {
      const cli = join(dirname(require.resolve('@arethetypeswrong/cli/package.json')), 'dist/index.js');
      const { stdout } = await run(process.execPath, [cli, tarball, '--format', 'json'], {
        maxBuffer: 64 * 1024 * 1024,
      }).catch((error: { stdout: string }) => error);
      const report = JSON.parse(stdout) as {
        problems: Record<string, unknown>;
        analysis: {
          entrypoints: Record<string, { resolutions: Record<string, { resolution?: { fileName: string } }> }>;
        };
      };
      expect(report.problems).toEqual({});
      expect(report.analysis.entrypoints['./emulator']?.resolutions.node10?.resolution?.fileName).toMatch(
        /dist\/emulator\/index\.d\.cts$/,
      );
    },
    TOOL_TIMEOUT_MS,
  );

  it(
    'type-checks in a project without @types/node (lib dom for the SDKs’ fetch types)',
    async () => {
      await writeFile(
        join(consumer, 'probe.ts'),
        `import { Batch, BatchwiseError, type JobResult } from 'batchwise';
import { startEmulator, type Emulator } from 'batchwise/emulator';
const batch = new Batch<{ total: number }>({}).defaults({ model: 'claude-haiku-4-5', maxTokens: 64 });
const result: JobResult<{ total: number }> | undefined = undefined;
const emulator: Promise<Emulator> = startEmulator();
export { batch, result, emulator, BatchwiseError };
`,
      );
      await writeFile(
        join(consumer, 'tsconfig.json'),
        JSON.stringify({
          compilerOptions: {
            strict: true,
            module: 'nodenext',
            moduleResolution: 'nodenext',
            target: 'es2022',
            lib: ['es2022', 'dom'],
            types: [],
            noEmit: true,
            skipLibCheck: false,
            // The dependencies are symlinks into this repository; resolve from here, where no @types/node is.
            preserveSymlinks: true,
          },
          files: ['probe.ts'],
        }),
      );
      const tsc = join(dirname(require.resolve('typescript/package.json')), 'bin/tsc');
      const { stdout } = await run(process.execPath, [tsc, '-p', '.', '--listFiles'], {
        cwd: consumer,
      }).catch((error: { stdout: string }) => error);
      const errors = stdout.split('\n').filter((line) => line.includes('error TS'));
      expect(errors).toEqual([]);
      expect(stdout).not.toContain('@types/node');
    },
    TOOL_TIMEOUT_MS,
  );

  it('asks for a zod that zod-to-json-schema accepts', async () => {
    const semver = require('semver') as { subset(range: string, of: string): boolean };
    const peer = JSON.parse(
      await readFile(join(root, 'node_modules/zod-to-json-schema/package.json'), 'utf8'),
    ) as { peerDependencies: { zod: string } };
    expect(semver.subset(manifest.peerDependencies.zod!, peer.peerDependencies.zod)).toBe(true);
  });

  it('imports from ESM', async () => {
    const file = join(consumer, 'probe.mjs');
    await writeFile(
      file,
      `import { BatchwiseError } from 'batchwise';
import { startEmulator } from 'batchwise/emulator';
const emulator = await startEmulator();
const error = new BatchwiseError('demo', 'x');
console.log(JSON.stringify({ code: error.code, isError: BatchwiseError.isInstance(error), url: emulator.url.startsWith('http://127.0.0.1:') }));
await emulator.close();`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual({ code: 'demo', isError: true, url: true });
  });

  it('requires from CommonJS', async () => {
    const file = join(consumer, 'probe.cjs');
    await writeFile(
      file,
      `const { BatchwiseError } = require('batchwise');
const { startEmulator } = require('batchwise/emulator');
startEmulator().then(async (emulator) => {
  console.log(JSON.stringify({ name: new BatchwiseError('c', 'm').name, port: emulator.port > 0 }));
  await emulator.close();
});`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual({ name: 'BatchwiseError', port: true });
  });

  it('loads the SDK of a provider only when jobs of that provider run', async () => {
    const file = join(consumer, 'providers.cjs');
    await writeFile(
      file,
      `const { Batch } = require('batchwise');
const { startEmulator } = require('batchwise/emulator');
// The SDKs' clients, by the files that define them (a schema helper of one may be loaded without it).
const loaded = () => ['openai', '@anthropic-ai/sdk'].filter((sdk) =>
  Object.keys(require.cache).some((path) => path.endsWith(\`/node_modules/\${sdk}/client.js\`)));
startEmulator({ processingMs: 10 }).then(async (emulator) => {
  const seen = { imported: loaded() };
  const batch = new Batch({ anthropic: { apiKey: 'k', baseURL: emulator.anthropicBaseURL }, openai: { apiKey: 'k', baseURL: emulator.openaiBaseURL } })
    .setVerbosity('error')
    .addJob({ id: 'a', model: 'claude-haiku-4-5', maxTokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  const run = await batch.run({ wait: true });
  seen.anthropicRun = loaded();
  seen.succeeded = run.results().a.isSuccess;
  const second = new Batch({ openai: { apiKey: 'k', baseURL: emulator.openaiBaseURL } })
    .setVerbosity('error')
    .addJob({ id: 'o', model: 'gpt-4o-mini', maxTokens: 10, messages: [{ role: 'user', content: 'hi' }] });
  await second.run({ wait: true });
  seen.openaiRun = loaded();
  console.log(JSON.stringify(seen));
  await emulator.close();
});`,
    );
    const { stdout } = await run(process.execPath, [file], { cwd: consumer });
    expect(JSON.parse(stdout)).toEqual({
      imported: [],
      anthropicRun: ['@anthropic-ai/sdk'],
      succeeded: true,
      openaiRun: ['openai', '@anthropic-ai/sdk'],
    });
  });

  it('runs `batchwise emulator --port 0` as a server the SDK can reach', async () => {
    const child = spawn(process.execPath, [
      join(consumer, 'node_modules/batchwise/dist/cli/main.js'),
      'emulator',
      '--port',
      '0',
      '--processing-ms',
      '50',
    ]);
    try {
      const url = await new Promise<string>((resolvePromise, reject) => {
        let output = '';
        child.stdout.on('data', (chunk: Buffer) => {
          output += chunk.toString();
          const match = /listening on (http:\/\/\S+)/.exec(output);
          if (match) resolvePromise(match[1]!);
        });
        child.once('exit', (code) => reject(new Error(`emulator exited with ${code}: ${output}`)));
      });
      const client = new Anthropic({ apiKey: 'k', baseURL: url });
      const batch = await client.messages.batches.create({
        requests: [
          {
            custom_id: 'a',
            params: {
              model: 'claude-haiku-4-5',
              max_tokens: 10,
              messages: [{ role: 'user', content: 'hi' }],
            },
          },
        ],
      });
      expect(batch.processing_status).toBe('in_progress');
    } finally {
      child.kill('SIGTERM');
    }
  });
});
