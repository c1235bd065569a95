/**
 * The seeded randomized test of issue 11: never pay twice, never overspend, never lose a result.
 *
 * Each round draws, from its own seed, a job mix for both providers, a cost limit (or none) and a schedule of
 * trouble — emulator faults, a SIGKILL at a failpoint in a child process, `shutdown()`, a time limit — plays it
 * against an emulator with a data directory, then, with the faults cleared, runs the same batch again until it
 * completes, and checks the invariants against the emulator's bill and an uninterrupted reference run on another
 * emulator (see docs/state.md, "Randomized test").
 *
 *   BATCHWISE_CHAOS_SEED=1 BATCHWISE_CHAOS_ROUNDS=200 npx vitest run test/chaos
 *   BATCHWISE_CHAOS_SEED=1 npx vitest run test/chaos -t 'round 7:'      (one round again)
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Emulator, type FaultRule, type RespondHook, startEmulator } from '../../src/emulator/index.js';
import { seededRandom } from '../../src/emulator/random.js';
import type { JobResult } from '../../src/index.js';
import { isFinalResult } from '../../src/store/final-result.js';
import type { StateRecord } from '../../src/store/state-records.js';
import { type ChaosBatchSpec, type ChaosJob, type ChaosModel, chaosBatch } from '../fixtures/chaos/runner.js';
import { billedCost } from '../helpers/billing.js';
import { until } from '../helpers/clients.js';

const SEED = Number(process.env.BATCHWISE_CHAOS_SEED ?? 1);
const ROUNDS = Number(process.env.BATCHWISE_CHAOS_ROUNDS ?? 24);
const root = resolve(import.meta.dirname, '../..');
const runner = join(root, 'test/fixtures/chaos/runner.ts');

/** Clean runs after the trouble, at most; one is normally enough. */
const MAX_CLEAN_RUNS = 3;

// ---------------------------------------------------------------------------------------------------------------
// The generator
// ---------------------------------------------------------------------------------------------------------------

class Dice {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = seededRandom(seed);
  }
  float(low: number, high: number): number {
    return low + (high - low) * this.next();
  }
  /** low..high, both included. */
  int(low: number, high: number): number {
    return low + Math.floor(this.next() * (high - low + 1));
  }
  chance(p: number): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  weighted<T>(items: readonly (readonly [T, number])[]): T {
    const total = items.reduce((sum, [, weight]) => sum + weight, 0);
    let point = this.next() * total;
    for (const [item, weight] of items) {
      point -= weight;
      if (point < 0) return item;
    }
    return items[items.length - 1]![0];
  }
}

/** Every round has a seed of its own, so that one round can be played again without the others. */
function roundSeed(seed: number, index: number): number {
  return (Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(index + 1, 0x85ebca6b)) >>> 0;
}

const ROUTES = {
  create: ['POST /v1/messages/batches', 'POST /v1/batches'],
  upload: ['POST /v1/files'],
  list: ['GET /v1/messages/batches', 'GET /v1/batches', 'GET /v1/files'],
  poll: ['GET /v1/messages/batches/{id}', 'GET /v1/batches/{id}'],
  results: ['GET /v1/messages/batches/{id}/results', 'GET /v1/files/{id}/content'],
  cancel: ['POST /v1/messages/batches/{id}/cancel', 'POST /v1/batches/{id}/cancel'],
} as const;

const FAILPOINTS = [
  'before-intent',
  'after-intent',
  'after-upload',
  'after-create',
  'after-submitted-record',
  'poll',
  'results-stream',
  'before-result-write',
  'after-result-write',
  'before-ended-record',
] as const;

type ShutdownTrigger = 'start' | 'batchSubmitted' | 'jobCompleted' | 'batchCompleted';

type Trouble =
  | { kind: 'kill'; at: string; faults: FaultRule[] }
  | { kind: 'faults'; faults: FaultRule[] }
  | {
      kind: 'shutdown';
      waitForActive: boolean;
      trigger: { event: ShutdownTrigger; count: number };
      faults: FaultRule[];
    }
  | { kind: 'timeLimit'; seconds: number; graceSeconds: number; faults: FaultRule[] };

interface Round {
  index: number;
  seed: number;
  processingMs: number;
  jobs: ChaosJob[];
  itemsPerBatch: number;
  maxConcurrent: number;
  retryAttempts: number;
  sdkRetries: number;
  /** The cost limit as a share of the worst case (every job at its estimate), or none. */
  costShare: number | null;
  /** Every answer costs exactly what was reserved for it: the cost limit is tight. */
  costly: boolean;
  trouble: Trouble[];
}

const WORDS = [
  'invoice',
  'shipment',
  'refund',
  'contract',
  'meeting',
  'budget',
  'delay',
  'printer',
  'weather',
  'report',
  'customer',
  'warranty',
];

function planJobs(dice: Dice): ChaosJob[] {
  const count = dice.int(6, 20);
  const jobs: ChaosJob[] = [];
  for (let i = 0; i < count; i++) {
    // Both providers in every round.
    const model: ChaosModel =
      i === 0 ? 'claude-haiku-4-5' : i === 1 ? 'gpt-4o-mini' : dice.pick(['claude-haiku-4-5', 'gpt-4o-mini']);
    const words = Array.from({ length: dice.int(2, 30) }, () => dice.pick(WORDS)).join(' ');
    const labels = [
      dice.chance(0.6) ? `Topic: ${dice.pick(WORDS)}` : '',
      dice.chance(0.5) ? `Total: ${dice.int(1, 9_999)}.${dice.int(10, 99)}` : '',
    ].filter(Boolean);
    jobs.push({
      id: `${model === 'gpt-4o-mini' ? 'o' : 'a'}${i}`,
      model,
      text: [`Question ${i} about ${words}.`, ...labels].join('\n'),
      maxTokens: dice.pick([8, 16, 32, 64, 200, 1_000]),
      structured: dice.chance(0.3),
    });
  }
  return jobs;
}

function planFault(dice: Dice): FaultRule {
  const group = dice.weighted<keyof typeof ROUTES>([
    ['create', 3],
    ['upload', 2],
    ['list', 1],
    ['poll', 2],
    ['results', 2],
    ['cancel', 1],
  ]);
  const kind = dice.pick(['status', 'reset', 'lost', 'status-after', 'truncate'] as const);
  const rule: FaultRule = {
    route: dice.pick(ROUTES[group]),
    kind,
    times: dice.int(1, 6),
    share: dice.chance(0.5) ? 1 : Math.round(dice.float(0.3, 0.9) * 100) / 100,
  };
  if (kind === 'status') rule.status = dice.pick([429, 500, 503, 529]);
  // A 4xx after the work was done would be the server lying ("not done"); gateways send 5xx.
  if (kind === 'status-after') rule.status = dice.pick([500, 502, 503, 504]);
  return rule;
}

/**
 * The "maybe created" case made hard: a create (or upload) whose answer is lost while listing, which the look-up
 * needs, fails too, often enough to outlast the retries.
 */
function planLostCreate(dice: Dice): FaultRule[] {
  const openai = dice.chance(0.5);
  const create: FaultRule = {
    route: openai ? dice.pick(['POST /v1/batches', 'POST /v1/files']) : 'POST /v1/messages/batches',
    kind: dice.pick(['lost', 'status-after', 'truncate'] as const),
    times: dice.int(1, 2),
    share: 1,
  };
  if (create.kind === 'status-after') create.status = dice.pick([500, 502, 503, 504]);
  const list: FaultRule = {
    route: openai ? dice.pick(['GET /v1/batches', 'GET /v1/files']) : 'GET /v1/messages/batches',
    kind: dice.pick(['status', 'reset'] as const),
    times: dice.int(2, 15),
    share: 1,
  };
  if (list.kind === 'status') list.status = dice.pick([429, 500, 503, 529]);
  return [create, list];
}

function planFaults(dice: Dice, low: number, high: number): FaultRule[] {
  const faults = Array.from({ length: dice.int(low, high) }, () => planFault(dice));
  if (dice.chance(0.25)) faults.push(...planLostCreate(dice));
  return faults;
}

function planTrouble(dice: Dice, jobCount: number, first: boolean): Trouble {
  // A kill late in a round often finds nothing left to do: the first step is a kill more often.
  const kind = dice.weighted<Trouble['kind']>([
    ['kill', first ? 55 : 30],
    ['faults', 20],
    ['shutdown', 25],
    ['timeLimit', 20],
  ]);
  switch (kind) {
    case 'kill': {
      const point = dice.pick(FAILPOINTS);
      const most =
        point === 'poll'
          ? 8
          : point === 'results-stream' || point.endsWith('result-write')
            ? Math.min(jobCount, 6)
            : 3;
      return { kind, at: `${point}:${dice.int(1, most)}`, faults: planFaults(dice, 0, 2) };
    }
    case 'faults':
      return { kind, faults: planFaults(dice, 1, 3) };
    case 'shutdown': {
      const event = dice.pick(['start', 'batchSubmitted', 'jobCompleted', 'batchCompleted'] as const);
      const count = event === 'start' ? 0 : event === 'jobCompleted' ? dice.int(1, jobCount) : dice.int(1, 3);
      return {
        kind,
        waitForActive: dice.chance(0.5),
        trigger: { event, count },
        faults: planFaults(dice, 0, 2),
      };
    }
    case 'timeLimit':
      return {
        kind,
        seconds: Math.round(dice.float(0.03, 0.5) * 100) / 100,
        graceSeconds: Math.round(dice.float(0.03, 0.5) * 100) / 100,
        faults: planFaults(dice, 0, 2),
      };
  }
}

function planRound(seed: number, index: number): Round {
  const dice = new Dice(roundSeed(seed, index));
  const jobs = planJobs(dice);
  return {
    index,
    seed: roundSeed(seed, index),
    processingMs: dice.int(30, 80),
    jobs,
    itemsPerBatch: dice.int(2, 6),
    maxConcurrent: dice.int(1, 3),
    retryAttempts: dice.int(1, 4),
    sdkRetries: dice.int(0, 2),
    costShare: dice.chance(0.4) ? null : Math.round(dice.float(0.3, 1.2) * 100) / 100,
    costly: dice.chance(0.5),
    trouble: Array.from({ length: dice.int(1, 4) }, (_, i) => planTrouble(dice, jobs.length, i === 0)),
  };
}

function describeFault(rule: FaultRule): string {
  const status = rule.status === undefined ? '' : ` ${rule.status}`;
  const share = rule.share === 1 ? '' : ` @${rule.share}`;
  return `${rule.route} ${rule.kind}${status} x${rule.times}${share}`;
}

function describeTrouble(trouble: Trouble): string {
  const faults = trouble.faults.length > 0 ? ` [${trouble.faults.map(describeFault).join('; ')}]` : '';
  switch (trouble.kind) {
    case 'kill':
      return `kill@${trouble.at}${faults}`;
    case 'faults':
      return `faults${faults}`;
    case 'shutdown':
      return `shutdown(${trouble.waitForActive ? 'wait' : 'cancel'})@${trouble.trigger.event}#${trouble.trigger.count}${faults}`;
    case 'timeLimit':
      return `timeLimit(${trouble.seconds}s+${trouble.graceSeconds}s)${faults}`;
  }
}

function describeRound(round: Round): string {
  const openai = round.jobs.filter((job) => job.model === 'gpt-4o-mini').length;
  const structured = round.jobs.filter((job) => job.structured).length;
  return [
    `${round.jobs.length} jobs (${round.jobs.length - openai} claude, ${openai} gpt, ${structured} structured)`,
    `items ${round.itemsPerBatch}, concurrent ${round.maxConcurrent}, attempts ${round.retryAttempts}, sdk retries ${round.sdkRetries}, ${round.processingMs} ms`,
    round.costShare === null ? 'no cost limit' : `cost limit ${Math.round(round.costShare * 100)}%`,
    round.costly ? 'answers cost their reservation' : 'answers as long as they are',
    round.trouble.map(describeTrouble).join(' -> '),
  ].join(', ');
}

// ---------------------------------------------------------------------------------------------------------------
// Playing a round
// ---------------------------------------------------------------------------------------------------------------

/**
 * Answers that cost exactly what the run reserved for them: input and output tokens as the dry run estimates them
 * (the worst case a cost limit reserves: input from the request, output `maxTokens`). Under a cost limit, any slip in
 * the reservations then shows as overspending. Depends only on the job, so the reference run gets the same answers.
 */
function costlyAnswers(estimates: Map<string, { inputTokens: number; outputTokens: number }>): RespondHook {
  return (request) => {
    const jobId = request.customId.slice(9);
    const usage = estimates.get(jobId);
    if (!usage) throw new Error(`no estimate for job ${jobId}`);
    const body = request.body;
    if (body.response_format || body.output_config || body.tools)
      return { json: { topic: `answer to ${jobId}`, total: usage.inputTokens, urgent: false }, usage };
    return { text: `A long answer to ${jobId}`, stopReason: 'max_tokens', usage };
  };
}

type Essence = Pick<JobResult, 'status' | 'rawResponse' | 'inputTokens' | 'outputTokens'>;

const essence = (result: JobResult): Essence => ({
  status: result.status,
  rawResponse: result.rawResponse,
  inputTokens: result.inputTokens,
  outputTokens: result.outputTokens,
});

/** Every intent ever journaled, gathered from the state file after each run (opening it compacts ended ones away). */
class JournalHistory {
  readonly intents = new Map<string, { provider: string; jobIds: string[] }>();
  readonly abandoned = new Set<string>();
  /** submission id -> provider batch id, from `submitted` records. */
  readonly submitted = new Map<string, string>();

  async snapshot(stateFile: string): Promise<void> {
    if (!existsSync(stateFile)) return;
    const lines = (await readFile(stateFile, 'utf8')).split('\n');
    lines.pop(); // '' after the last newline, or a torn line that was never acknowledged
    for (const line of lines) {
      const record = JSON.parse(line) as StateRecord;
      if (record.type === 'intent') {
        this.intents.set(record.submissionId, { provider: record.provider, jobIds: record.jobIds });
      } else if (record.type === 'abandoned') {
        this.abandoned.add(record.submissionId);
      } else if (record.type === 'submitted') {
        const known = this.submitted.get(record.submissionId);
        if (known !== undefined && known !== record.providerBatchId) {
          throw new Error(
            `submission ${record.submissionId} recorded two provider batches: ${known} and ${record.providerBatchId}`,
          );
        }
        this.submitted.set(record.submissionId, record.providerBatchId);
      }
    }
  }

  /** Intents whose batch the journal says exists (or may): every one not abandoned. */
  planned(): string[] {
    return [...this.intents.keys()].filter((id) => !this.abandoned.has(id));
  }
}

function runChild(
  spec: ChaosBatchSpec,
  crashAt: string,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const env = { ...process.env, BATCHWISE_CRASH_AT: crashAt };
    const child = spawn(process.execPath, ['--import', 'tsx', runner, JSON.stringify(spec)], {
      env,
      cwd: root,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // A guard, not a wait: a child that has not ended by then is stuck, which is a failure of its own.
    const guard = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the child (crash at ${crashAt}) did not end within 120 s:\n${stderr}`));
    }, 120_000);
    child.on('exit', (code, signal) => {
      clearTimeout(guard);
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Plays one trouble step; returns a few words on how it went. */
async function playTrouble(trouble: Trouble, spec: ChaosBatchSpec): Promise<string> {
  switch (trouble.kind) {
    case 'kill': {
      const child = await runChild(spec, trouble.at);
      if (child.signal === 'SIGKILL') return 'killed';
      if (child.code !== 0) throw new Error(`the child failed (exit ${child.code}):\n${child.stderr}`);
      return `not reached, ended ${child.stdout.trim()}`;
    }
    case 'faults': {
      const run = await chaosBatch(spec).run({ wait: true });
      return summary(run.results());
    }
    case 'shutdown': {
      const run = await chaosBatch(spec).run();
      let stopping: Promise<unknown> | undefined;
      const stop = () => {
        stopping ??= run.shutdown({ waitForActive: trouble.waitForActive });
      };
      const { event, count } = trouble.trigger;
      if (event === 'start') stop();
      else {
        let seen = 0;
        run.on(event, () => {
          if (++seen === count) stop();
        });
      }
      await run.wait();
      await stopping;
      return `${stopping ? 'shut down' : 'ended first'}: ${summary(run.results())}`;
    }
    case 'timeLimit': {
      const run = await chaosBatch({
        ...spec,
        timeLimit: { seconds: trouble.seconds, graceSeconds: trouble.graceSeconds },
      }).run({ wait: true });
      return summary(run.results());
    }
  }
}

function summary(results: Record<string, JobResult>): string {
  const codes: Record<string, number> = {};
  for (const result of Object.values(results)) {
    const code = result.error?.code ?? result.status;
    codes[code] = (codes[code] ?? 0) + 1;
  }
  return Object.entries(codes)
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
}

async function resultFiles(dir: string): Promise<Record<string, JobResult>> {
  const results: Record<string, JobResult> = {};
  let files: string[];
  try {
    files = await readdir(dir);
  } catch {
    return results;
  }
  for (const file of files.filter((f) => f.endsWith('.json')))
    results[file.replace(/\.json$/, '')] = JSON.parse(await readFile(join(dir, file), 'utf8'));
  return results;
}

let referenceEmulator: Emulator;

async function referenceRun(
  round: Round,
  respond: RespondHook | undefined,
): Promise<Record<string, Essence>> {
  referenceEmulator.configure({ respond });
  const run = await chaosBatch({
    url: referenceEmulator.url,
    dir: '',
    jobs: round.jobs,
    itemsPerBatch: round.itemsPerBatch,
    maxConcurrent: 3,
    durable: false,
    costLimitUsd: null,
    retryAttempts: 4,
    sdkRetries: 2,
  }).run({ wait: true });
  const results = run.results();
  expect(Object.keys(results).sort(), 'the reference run has a result per job').toEqual(
    round.jobs.map((job) => job.id).sort(),
  );
  return Object.fromEntries(Object.entries(results).map(([id, result]) => [id, essence(result)]));
}

async function playRound(round: Round): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'batchwise-chaos-'));
  const spec: ChaosBatchSpec = {
    url: '',
    dir,
    jobs: round.jobs,
    itemsPerBatch: round.itemsPerBatch,
    maxConcurrent: round.maxConcurrent,
    durable: true,
    costLimitUsd: null,
    retryAttempts: round.retryAttempts,
    sdkRetries: round.sdkRetries,
  };
  const log: string[] = [];
  // The worst case of every job, as the run reserves it.
  const report = await chaosBatch({ ...spec, durable: false }).dryRun();
  const worstCase = report.totals.estimatedCostUsd;
  if (worstCase === null) throw new Error('the test models must have prices');
  if (round.costShare !== null) {
    spec.costLimitUsd = worstCase * round.costShare;
    log.push(`limit $${spec.costLimitUsd.toPrecision(4)} of worst case $${worstCase.toPrecision(4)}`);
  }
  const respond = round.costly
    ? costlyAnswers(
        new Map(
          report.jobs.map((job) => [
            job.jobId,
            { inputTokens: job.estimatedInputTokens, outputTokens: job.estimatedOutputTokens },
          ]),
        ),
      )
    : undefined;
  const emulator = await startEmulator({
    processingMs: round.processingMs,
    dataDir: join(dir, 'emulator'),
    seed: round.seed,
    ...(respond && { respond }),
  });
  spec.url = emulator.url;
  try {
    const reference = await referenceRun(round, respond);
    const stateFile = join(dir, 'state.jsonl');
    const history = new JournalHistory();

    for (const trouble of round.trouble) {
      for (const rule of trouble.faults) emulator.injectFault(rule);
      try {
        log.push(`${describeTrouble(trouble)}: ${await playTrouble(trouble, spec)}`);
      } finally {
        emulator.clearFaults();
      }
      await history.snapshot(stateFile);
    }

    // Faults cleared: the same batch again until every job has its last word (or the cost limit ended it).
    let final: Record<string, JobResult> = {};
    for (let i = 1; i <= MAX_CLEAN_RUNS; i++) {
      const run = await chaosBatch(spec).run({ wait: true });
      await history.snapshot(stateFile);
      final = run.results();
      log.push(`clean run ${i}: ${summary(final)}`);
      const settled = Object.values(final).filter(
        (result) => isFinalResult(result) || result.error?.code === 'cost_limit',
      );
      if (settled.length === round.jobs.length) break;
    }

    const billing = await until(
      () => emulator.billing(),
      (b) => b.unfinished.length === 0,
      30_000,
    );
    const { createdBatchIds } = emulator.stats();
    const created = [...createdBatchIds.anthropic, ...createdBatchIds.openai];
    const context = `seed ${SEED}, round ${round.index}:\n  ${log.join('\n  ')}`;
    console.log(`[chaos] ${context}`);

    // (1) Nothing paid twice, nothing created twice.
    const billedBy = new Map<string, { batchId: string; submissionId: string }[]>();
    const prefixOfBatch = new Map<string, Set<string>>();
    for (const request of billing.requests) {
      const submissionId = request.customId.slice(0, 8);
      const jobId = request.customId.slice(9);
      billedBy.set(jobId, [...(billedBy.get(jobId) ?? []), { batchId: request.batchId, submissionId }]);
      prefixOfBatch.set(request.batchId, (prefixOfBatch.get(request.batchId) ?? new Set()).add(submissionId));
      const intent = history.intents.get(submissionId);
      expect(intent, `${context}\nbilled ${request.customId}: no intent was journaled for it`).toBeDefined();
      expect(intent!.jobIds, `${context}\nbilled ${request.customId}: not a job of its intent`).toContain(
        jobId,
      );
      expect(
        history.abandoned.has(submissionId),
        `${context}\nbilled ${request.customId}, but its submission was marked abandoned (never created)`,
      ).toBe(false);
    }
    for (const [jobId, bills] of billedBy) {
      expect(bills.length, `${context}\njob ${jobId} billed more than once: ${JSON.stringify(bills)}`).toBe(
        1,
      );
    }
    const batchOfSubmission = new Map<string, string>();
    for (const [batchId, prefixes] of prefixOfBatch) {
      expect(prefixes.size, `${context}\nbatch ${batchId} carries several submissions`).toBe(1);
      const [submissionId] = [...prefixes];
      const other = batchOfSubmission.get(submissionId!);
      expect(
        other,
        `${context}\nsubmission ${submissionId} was created twice: ${other} and ${batchId}`,
      ).toBeUndefined();
      batchOfSubmission.set(submissionId!, batchId);
    }
    const planned = history.planned();
    expect(
      created.length,
      `${context}\nprovider batches created ${JSON.stringify(createdBatchIds)} vs submissions not abandoned ${JSON.stringify(planned)} (abandoned: ${JSON.stringify([...history.abandoned])})`,
    ).toBe(planned.length);
    const recorded = [...history.submitted.values()];
    expect(new Set(recorded).size, `${context}\none provider batch recorded for two submissions`).toBe(
      recorded.length,
    );
    for (const batchId of recorded) expect(created, `${context}\nrecorded ${batchId}`).toContain(batchId);

    // (2) Exactly one result per job, equal to the reference run's unless the cost limit ended it.
    const files = await resultFiles(join(dir, 'results'));
    const ids = round.jobs.map((job) => job.id).sort();
    expect(Object.keys(files).sort(), `${context}\nresult files`).toEqual(ids);
    expect(Object.keys(final).sort(), `${context}\nresults of the last run`).toEqual(ids);
    for (const id of ids) {
      const result = files[id]!;
      const bills = billedBy.get(id);
      if (result.error?.code === 'cost_limit') {
        expect(spec.costLimitUsd, `${context}\n${id} ended cost_limit without a limit`).not.toBeNull();
        expect(
          bills,
          `${context}\n${id} was billed, yet its result says cost_limit (a paid result lost)`,
        ).toBe(undefined);
        continue;
      }
      expect(
        isFinalResult(result),
        `${context}\n${id} has no final result: ${JSON.stringify(result.error)}`,
      ).toBe(true);
      expect(essence(result), `${context}\n${id} differs from the reference run`).toEqual(reference[id]);
      expect(essence(final[id]!), `${context}\n${id}: the run's result differs from its file`).toEqual(
        essence(result),
      );
      if (bills) {
        expect(
          result.providerBatchId,
          `${context}\n${id}: its result comes from another batch than the billed one`,
        ).toBe(bills[0]!.batchId);
      } else {
        expect(result.status, `${context}\n${id} succeeded but was never billed`).not.toBe('succeeded');
      }
    }
    expect(existsSync(`${stateFile}.lock`), `${context}\nthe lock was left behind`).toBe(false);

    // (3) Never more billed than the cost limit.
    let billedUsd = 0;
    for (const request of billing.requests) {
      const cost = billedCost(request);
      if (cost === null) throw new Error(`no price for ${request.model}`);
      billedUsd += cost;
    }
    if (spec.costLimitUsd !== null) {
      // Room for float sums only: the budget itself admits a job that fits within 1e-12.
      expect(
        billedUsd,
        `${context}\nbilled $${billedUsd} over the limit of $${spec.costLimitUsd}`,
      ).toBeLessThanOrEqual(spec.costLimitUsd * (1 + 1e-9) + 1e-12 * round.jobs.length);
    }
  } finally {
    await emulator.close();
  }
}

describe(`randomized trouble (seed ${SEED}, ${ROUNDS} rounds): never pay twice, never overspend, never lose a result`, () => {
  beforeAll(async () => {
    console.log(`[chaos] BATCHWISE_CHAOS_SEED=${SEED} BATCHWISE_CHAOS_ROUNDS=${ROUNDS}`);
    referenceEmulator = await startEmulator({ processingMs: 30 });
  });
  afterAll(() => referenceEmulator.close());

  for (let index = 0; index < ROUNDS; index++) {
    const round = planRound(SEED, index);
    it(`round ${index}: ${describeRound(round)}`, () => playRound(round), 300_000);
  }
});
