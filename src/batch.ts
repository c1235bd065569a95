import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { checkPdfs } from './content/check-pdfs.js';
import { ConfigurationError } from './errors.js';
import { checkContextWindows } from './jobs/check-context-window.js';
import { JobStorage } from './jobs/compact-job.js';
import { JobIdSet } from './jobs/job-id.js';
import { normalizeJob } from './jobs/normalize-job.js';
import type { NormalizedJob } from './jobs/normalized-job.js';
import { mergeProviderOptions } from './jobs/provider-options.js';
import { withRetryNote } from './jobs/retry-note.js';
import { consoleLogger, type Logger, type Verbosity } from './log/logger.js';
import type { ProviderName } from './models/registry.js';
import { checkBatchOptions } from './options/check-batch-options.js';
import { checkLogger } from './options/check-logger.js';
import { checkDryRunOptions, checkRunOptions } from './options/check-run-options.js';
import { booleanOption, plainObject, positiveNumber } from './options/check-values.js';
import { COST_LIMIT_KEYS, JOB_SETTING_KEYS, TIME_LIMIT_KEYS } from './options/option-keys.js';
import { refuseUnknownKeys } from './options/unknown-keys.js';
import { hasPrice, type PriceTable, sumCosts } from './pricing/prices.js';
import { unboundedCostOf } from './pricing/unbounded-costs.js';
import {
  type AnthropicProviderOptions,
  anthropicProvider,
} from './providers/anthropic/anthropic-provider.js';
import { type OpenAIProviderOptions, openaiProvider } from './providers/openai/openai-provider.js';
import type { BatchProvider } from './providers/provider.js';
import { BatchRun, type PollOptions, type RetryOptions } from './run/batch-run.js';
import { type DryRunReport, dryRun, sampleJobs } from './run/dry-run.js';
import { recollect } from './run/recollect.js';
import { RunJournal } from './run/run-journal.js';
import { Secrets } from './secrets/redact.js';
import { redactOptions } from './secrets/redact-options.js';
import { redactingLogger } from './secrets/redacting-logger.js';
import { withRedaction } from './secrets/redacting-provider.js';
import { checkStoragePaths } from './store/check-paths.js';
import { isFinalResult } from './store/final-result.js';
import { openState } from './store/open-state.js';
import { ResultsWriter } from './store/results-writer.js';
import type { SubmissionState } from './store/state-records.js';
import type { InferOutput, ResponseSchema } from './structured/schema.js';
import type { JobInput, JobResult, JobSettings, Progress } from './types.js';

/** Options of {@link Batch}. */
export interface BatchOptions {
  /** One `<jobId>.json` per job is written here (atomically); an existing directory is never deleted. */
  resultsDir?: string;
  /**
   * Provider batches processing at the provider at once; the next is submitted when the provider ends one, and as
   * many ended ones may be collected (their results read and written) at the same time. @default 10
   */
  maxConcurrent?: number;
  /**
   * Jobs per provider batch, also capped by each provider's request-count and byte limits. A provider returns a
   * batch's results only when the whole batch has ended, so smaller batches deliver results sooner and lose less
   * when one fails; larger ones make fewer API calls. @default 1000
   */
  itemsPerBatch?: number;
  /** Also keep each job's raw request and provider response in `resultsDir/raw/`. @default true when resultsDir is set */
  saveRawResponses?: boolean;
  /** Anthropic client options; `apiKey` and `baseURL` default to the SDK's `ANTHROPIC_API_KEY` / `ANTHROPIC_BASE_URL`. */
  anthropic?: AnthropicProviderOptions;
  /** OpenAI client options; `apiKey` and `baseURL` default to the SDK's `OPENAI_API_KEY` / `OPENAI_BASE_URL`. */
  openai?: OpenAIProviderOptions;
  /** Polling backoff of provider batches. */
  poll?: PollOptions;
  /** Retries of transient submit and download failures, on top of the SDKs' own. */
  retry?: RetryOptions;
  /**
   * Prices of your own, per model name, in USD per million tokens at the standard rate (the batch discount is
   * applied). They win over the bundled price table; a model with no price at all is refused when a cost limit is set.
   */
  prices?: PriceTable;
  /**
   * A journal that makes the run crash-safe: an intent is flushed before every submit and provider batch ids right
   * after, so that running the same batch again resumes — following what the provider already has, submitting
   * nothing twice, keeping every result. Results go to `resultsDir` (default `<stateFile>.results`).
   */
  stateFile?: string;
  /**
   * Resume from `stateFile` when it matches these jobs. `false` starts fresh: the old state file and results
   * directory are moved aside (renamed, never deleted). @default true
   */
  reuseState?: boolean;
  /** Resubmissions of a job whose provider batch expired or was cancelled at the provider. @default 1 */
  maxRetries?: number;
  /**
   * Prompt tokens OpenAI lets your organisation have enqueued per model (your tier's batch queue limit, e.g.
   * `{ 'gpt-4o-mini': 2_000_000 }`): batches are planned so that what is in flight stays under it. Without it, the
   * first `token_limit_exceeded` refusal teaches the limit (its message names it); refused jobs are never failed for
   * it, they wait for batches of that model to end and go out again.
   */
  enqueuedTokenLimit?: Record<string, number>;
}

/** Options of {@link Batch.run}. */
export interface RunOptions {
  /** Called every `progressIntervalMs` and once at the end. */
  onProgress?: (progress: Progress) => void;
  /** @default 1000 */
  progressIntervalMs?: number;
  /** Resolve only when every job has its result. @default false */
  wait?: boolean;
}

/** Token-count requests in flight at once in `dryRun({ countTokens })`: well under Anthropic's lowest tier's rate. */
const DEFAULT_COUNT_CONCURRENCY = 4;
const DEFAULT_RETRY: Required<RetryOptions> = { attempts: 4, initialDelayMs: 1_000, maxDelayMs: 30_000 };
const DEFAULT_POLL: Required<PollOptions> = { initialMs: 2_000, maxMs: 60_000, factor: 1.5 };

/**
 * The builder: options, defaults, limits and jobs, checked as they are added, then `run()`.
 *
 * @example
 * ```ts
 * const run = await new Batch({ resultsDir: './results' })
 *   .defaults({ model: 'claude-haiku-4-5', maxTokens: 512 })
 *   .addTimeLimit({ hours: 2 })
 *   .addJob({ messages: [{ role: 'user', content: 'Sentiment of: great product!' }] })
 *   .run({ wait: true });
 * console.log(run.results());
 * ```
 */
export class Batch<T = never> {
  /**
   * An ES private field: it holds the API keys, and a TypeScript `private` is an ordinary property that
   * `Object.keys`, a spread, `JSON.stringify({ ...batch })` and `util.inspect(batch, { customInspect: false })` show.
   */
  readonly #options: BatchOptions;
  private readonly maxConcurrent: number;
  private readonly itemsPerBatch: number;
  private settings: JobSettings = {};
  /** `defaults()` was the last call after jobs were added: its settings reach no job, which `run()` says. */
  private defaultsAfterJobs = false;
  private readonly jobs: NormalizedJob[] = [];
  private readonly jobIds = new JobIdSet();
  /** What its jobs share: one object per set of equal settings, and the arena of their prompts' text (issue 14). */
  private readonly jobStorage = new JobStorage();
  private costLimitUsd: number | undefined;
  private timeLimitMs: number | undefined;
  private graceMs = 60_000;
  private logger: Logger = consoleLogger('warn');
  private readonly modelWarnings = new Set<string>();
  /** Set synchronously by `run()`: a second call, even one made before the first has awaited anything, is refused. */
  private started = false;
  /** What `dryRun({ sample })` already ran (paid for): reused by `run()`, and counted against the cost limit. */
  private sampled: {
    results: JobResult[];
    committedUsd: number;
    /** Provider batches of a sample (without a state file) whose results could not be read: run() collects them. */
    uncollected: { runId: string; submissions: SubmissionState[] } | null;
  } = { results: [], committedUsd: 0, uncollected: null };
  private sampling: Promise<unknown> | undefined;
  /** A sample of this Batch was journaled in the state file: later runs continue it, even with reuseState: false. */
  private sampledDurably = false;
  /** The real run has started (after this, `run()` is refused for good). */
  private runStarted = false;

  constructor(options: BatchOptions = {}) {
    try {
      this.#options = checkBatchOptions(options);
    } catch (error) {
      // A key given where an option goes (`openai: process.env.OPENAI_API_KEY`) is quoted by the error: scrubbed.
      throw batchSecrets(options).error(error);
    }
    // The checked options: `new Batch(null)` from JavaScript is no options, not a TypeError.
    this.maxConcurrent = this.#options.maxConcurrent ?? 10;
    this.itemsPerBatch = this.#options.itemsPerBatch ?? 1000;
  }

  /**
   * Settings every later job takes unless it sets its own. Calls merge (`providerOptions` per provider, key by key).
   * A `responseModel` here types the `parsedResponse` of the results.
   */
  defaults<S extends ResponseSchema | undefined = undefined>(
    settings: JobSettings<S>,
  ): Batch<T | InferOutput<S>> {
    this.refuseAfterRun('defaults()');
    refuseUnknownKeys('defaults()', plainObject('settings of defaults()', settings), JOB_SETTING_KEYS);
    // Refused here, not at the first addJob: every later job would take it.
    if (settings.enableCitations !== undefined)
      booleanOption('defaults().enableCitations', settings.enableCitations);
    const providerOptions = mergeProviderOptions(this.settings.providerOptions, settings.providerOptions);
    this.defaultsAfterJobs = this.jobs.length > 0;
    this.settings = {
      ...this.settings,
      ...settings,
      ...(providerOptions !== undefined && { providerOptions }),
    };
    return this as unknown as Batch<T | InferOutput<S>>;
  }

  /** Caps what the run may spend, in US dollars. */
  addCostLimit(limit: { usd: number }): this {
    this.refuseAfterRun('addCostLimit()');
    refuseUnknownKeys('addCostLimit()', plainObject('limit of addCostLimit()', limit), COST_LIMIT_KEYS);
    this.costLimitUsd = positiveNumber('usd', limit.usd, 'invalid_limit');
    return this;
  }

  /**
   * Caps how long the run may take; parts given are added up. When it passes, nothing new is sent and in-flight
   * batches are cancelled; what they had finished is collected within `graceSeconds` (default 60), after which the
   * run ends whatever the provider does — jobs still out end `time_limit` and a resume collects them.
   */
  addTimeLimit(limit: { seconds?: number; minutes?: number; hours?: number; graceSeconds?: number }): this {
    this.refuseAfterRun('addTimeLimit()');
    refuseUnknownKeys('addTimeLimit()', plainObject('limit of addTimeLimit()', limit), TIME_LIMIT_KEYS);
    const { graceSeconds, ...rest } = limit;
    if (graceSeconds !== undefined) {
      this.graceMs = positiveNumber('graceSeconds', graceSeconds, 'invalid_limit') * 1_000;
    }
    const parts = Object.entries(rest).filter(([, value]) => value !== undefined);
    if (parts.length === 0) {
      throw new ConfigurationError('invalid_limit', 'addTimeLimit needs `seconds`, `minutes` or `hours`.');
    }
    const scale: Record<string, number> = { seconds: 1_000, minutes: 60_000, hours: 3_600_000 };
    let ms = 0;
    for (const [unit, value] of parts) {
      ms += positiveNumber(unit, value, 'invalid_limit') * scale[unit]!;
    }
    this.timeLimitMs = ms;
    return this;
  }

  /** How much batchwise logs (to stderr), or a logger of your own. @default 'warn' */
  setVerbosity(level: Verbosity | Logger): this {
    if (typeof level === 'string') {
      if (!['debug', 'info', 'warn', 'error', 'silent'].includes(level)) {
        throw new ConfigurationError(
          'invalid_option',
          `Unknown verbosity \`${level}\`: use debug, info, warn, error or silent.`,
        );
      }
      this.logger = consoleLogger(level);
    } else {
      this.logger = checkLogger(level);
    }
    return this;
  }

  /**
   * A run takes the jobs, limits and defaults as they are when it starts, and a Batch runs once: a job added later
   * would never be sent, a limit added later would not hold. Refused instead of silently ignored.
   */
  private refuseAfterRun(call: string, jobId?: string): void {
    if (!this.started) return;
    const what = jobId === undefined ? '' : `Job "${jobId}": `;
    throw new ConfigurationError(
      'already_run',
      `${what}${call} after run(): the run took this Batch's jobs, limits and defaults as they were when it started, and a Batch runs once, so this would never take effect. Call it before run(), or build a new Batch (with the same stateFile to resume).`,
      jobId === undefined ? {} : { jobId },
    );
  }

  /** Adds a job, checking every rule now: a bad job throws a {@link JobValidationError} naming it and the fix. */
  addJob<S extends ResponseSchema | undefined = undefined>(job: JobInput<S>): Batch<T | InferOutput<S>> {
    const id = typeof job === 'object' && job !== null && typeof job.id === 'string' ? job.id : undefined;
    this.refuseAfterRun('addJob()', id);
    const normalized = normalizeJob(job, this.settings, this.jobs.length, this.jobIds, this.jobStorage);
    this.defaultsAfterJobs = false;
    for (const file of normalized.content.kind === 'file' ? normalized.content.files : []) {
      if (file.pagesUnsure) {
        this.logger.debug(
          `Job "${normalized.id}": ${file.name}'s pages are counted by pdf.js at run()/dryRun(), not at addJob (${file.pagesUnsure}).`,
        );
      }
      if (file.warning) this.logger.warn(`Job "${normalized.id}": ${file.warning}`);
    }
    // Model warnings are the same for every job of a model: said once per Batch, not once per job.
    for (const warning of normalized.warnings ?? []) {
      if (this.modelWarnings.has(warning)) continue;
      this.modelWarnings.add(warning);
      this.logger.warn(warning);
    }
    this.jobs.push(normalized);
    this.jobIds.add(normalized.id);
    return this as unknown as Batch<T | InferOutput<S>>;
  }

  /**
   * Starts the run. Resolves at once with the {@link BatchRun} — attach listeners now, no event has fired yet — or,
   * with `wait: true`, once every job has a result.
   */
  async run(options: RunOptions = {}): Promise<BatchRun<T>> {
    checkRunOptions(options);
    if (this.jobs.length === 0)
      throw new ConfigurationError('no_jobs', 'run() needs at least one job: call addJob() first.');
    if (this.started)
      throw new ConfigurationError(
        'already_run',
        'This Batch was already run (or is running); build a new Batch for another run.',
      );
    this.started = true;
    let providers: Map<ProviderName, BatchProvider>;
    try {
      await this.sampling?.catch(() => undefined);
      providers = await this.preflight(true);
    } catch (error) {
      this.started = false;
      throw this.secrets().error(error);
    }
    let run: BatchRun<unknown>;
    try {
      run = await this.startRun(this.jobs, providers, options, { durable: true });
    } catch (error) {
      // Nothing started (the state was locked, or did not match): the Batch may be run again once that is fixed.
      if (!this.runStarted) this.started = false;
      throw this.secrets().error(error);
    }
    return run as BatchRun<T>;
  }

  /**
   * What the run would send and cost, with no network call: per job the exact request body, the planned provider
   * batches, estimated tokens and cost per job, batch and in total, and which jobs a cost limit would stop. With
   * `sample` (e.g. 0.01), that share of the jobs (at least one) is first run for real and the total extrapolated from
   * their actual usage; their results are kept (they were paid for) and are in the report.
   *
   * With `countTokens`, the input tokens of Anthropic jobs are counted exactly by Anthropic's token-counting endpoint
   * (`POST /v1/messages/count_tokens`, free but rate-limited, never a batch) instead of bounded offline: this needs
   * the Anthropic API key and sends one request per Anthropic job, `concurrency` (default 4) at a time, retrying 429
   * and 5xx answers. OpenAI has no counting endpoint; its input is counted offline with its real tokenizer either
   * way. Each job's `inputTokensSource` says which it got.
   */
  async dryRun(
    options: { sample?: number; countTokens?: boolean | { concurrency?: number } } = {},
  ): Promise<DryRunReport> {
    if (this.jobs.length === 0)
      throw new ConfigurationError('no_jobs', 'dryRun() needs at least one job: call addJob() first.');
    const { sample, countTokens: counting } = checkDryRunOptions(options);
    const concurrency =
      typeof counting === 'object' && counting !== null
        ? (counting.concurrency ?? DEFAULT_COUNT_CONCURRENCY)
        : DEFAULT_COUNT_CONCURRENCY;
    const providers = await this.preflight(sample !== undefined, Boolean(counting));
    const report = await dryRun({
      jobs: this.jobs,
      providers,
      itemsPerBatch: this.itemsPerBatch,
      costLimitUsd: this.costLimitUsd,
      prices: this.#options.prices ?? {},
      ...(counting && {
        countTokens: {
          concurrency,
          retry: withDefaults(DEFAULT_RETRY, this.#options.retry),
          logger: this.safeLogger(),
        },
      }),
    });
    if (sample !== undefined) {
      if (this.started || this.sampling) {
        throw new ConfigurationError(
          'already_run',
          'dryRun({ sample }) sends jobs for real: it cannot run while run() or another sample does.',
        );
      }
      // With a stateFile the sample is part of the state: the same even spread every time, so running the same code
      // again finds it done on disk and sends nothing. Without one, a second sample picks jobs not sampled yet.
      const done = new Set(this.sampled.results.map((result) => result.jobId));
      // Jobs of an earlier sample's batch whose results could not be read were paid for too: run() collects them.
      for (const { intent } of this.sampled.uncollected?.submissions ?? [])
        for (const id of intent.jobIds) done.add(id);
      const fresh = this.#options.stateFile ? this.jobs : this.jobs.filter((job) => !done.has(job.id));
      if (fresh.length > 0) {
        this.sampling = this.runSample(sampleJobs(fresh, sample), providers, report);
        try {
          report.sample = (await this.sampling) as DryRunReport['sample'];
        } finally {
          this.sampling = undefined;
        }
      }
    }
    return this.secrets().value(report);
  }

  private async runSample(
    jobs: NormalizedJob[],
    providers: Map<ProviderName, BatchProvider>,
    report: DryRunReport,
  ): Promise<NonNullable<DryRunReport['sample']>> {
    const ids = new Set(jobs.map((job) => job.id));
    let results: Record<string, JobResult>;
    if (this.#options.stateFile) {
      // A run of the whole batch that sends only the sample: journaled, crash-safe, its results where the run's go,
      // so that run() (now or after a crash) resumes with them done and their cost counted.
      const run = await this.startRun(this.jobs, providers, { wait: true }, { durable: true, only: ids });
      this.sampledDurably = true;
      const all = run.results();
      results = Object.fromEntries(jobs.flatMap((job) => (all[job.id] ? [[job.id, all[job.id]!]] : [])));
    } else {
      const limit =
        this.costLimitUsd === undefined ? undefined : this.costLimitUsd - this.sampled.committedUsd;
      const run = await this.startRun(jobs, providers, { wait: true }, { costLimitUsd: limit });
      results = run.results();
      // Paid for: the real run reuses final results instead of sending those jobs again, and counts everything the
      // sample committed (a result it could not read may still have been billed) against the limit.
      const progress = run.progress();
      const final = Object.values(results).filter(isFinalResult);
      this.sampled.results.push(...final);
      // A batch that ran but whose results could not be read was paid for: run() follows it and collects them, and
      // reserves their jobs again there (so their reservations are not committed here as well).
      const uncollected = run.uncollected();
      const done = new Set(final.map((result) => result.jobId));
      let carriedUsd = 0;
      for (const { intent } of uncollected) {
        intent.jobIds.forEach((id, index) => {
          if (!done.has(id)) carriedUsd += intent.reservationsUsd[index] ?? 0;
        });
      }
      this.sampled.committedUsd += (progress.costSpentUsd ?? 0) + progress.costReservedUsd - carriedUsd;
      if (uncollected.length > 0) {
        this.sampled.uncollected = {
          runId: run.id,
          submissions: [...(this.sampled.uncollected?.submissions ?? []), ...uncollected],
        };
      }
    }
    const estimatedCostUsd = sumCosts(
      report.jobs.filter((job) => ids.has(job.jobId)).map((job) => job.estimatedCostUsd),
    );
    const actualCostUsd = sumCosts(Object.values(results).map((result) => result.costUsd));
    const all = report.totals.estimatedCostUsd;
    return {
      jobIds: jobs.map((job) => job.id),
      results,
      actualCostUsd,
      estimatedCostUsd,
      extrapolatedCostUsd:
        all !== null && actualCostUsd !== null && estimatedCostUsd
          ? (all * actualCostUsd) / estimatedCostUsd
          : null,
    };
  }

  private async startRun(
    jobs: NormalizedJob[],
    providers: Map<ProviderName, BatchProvider>,
    options: RunOptions,
    how: {
      /** With the state file (when there is one), its lock and its results directory. */
      durable?: boolean;
      /** Send only these jobs (a sampled dry run); the rest stay for run(). */
      only?: ReadonlySet<string>;
      costLimitUsd?: number | undefined;
    } = {},
  ): Promise<BatchRun<unknown>> {
    const { durable = false, only } = how;
    const costLimitUsd = 'costLimitUsd' in how ? how.costLimitUsd : this.costLimitUsd;
    const { stateFile } = this.#options;
    // A dry run's sample keeps its (paid-for) results apart, in `sample/`, so that they are not taken for another
    // batch's results when the real run starts.
    const baseDir = this.#options.resultsDir ?? (stateFile && durable ? `${stateFile}.results` : undefined);
    const resultsDir = baseDir && !durable ? join(baseDir, 'sample') : baseDir;
    const resultsWriter = resultsDir
      ? new ResultsWriter(resultsDir, this.#options.saveRawResponses ?? true, this.secrets())
      : undefined;
    const state =
      stateFile && durable && resultsDir
        ? await openState({
            stateFile,
            resultsDir,
            // reuseState: false starts fresh once: a run after this Batch's own sample continues that sample's state.
            reuseState: this.sampledDurably || (this.#options.reuseState ?? true),
            jobs,
            logger: this.safeLogger(),
          })
        : undefined;
    // A sample's final results are this run's too: written where results go, and their jobs not sent again.
    const ids = new Set(jobs.map((job) => job.id));
    const sampled = durable ? this.sampled.results.filter((result) => ids.has(result.jobId)) : [];
    const onDisk = new Set(state?.results.map((result) => result.jobId));
    try {
      // Before anything is sent: a directory that cannot be used, or that holds another run's results, is refused.
      await resultsWriter?.prepare(
        jobs.map((job) => job.id),
        { adopt: state?.resumed === true },
      );
      if (state && state.missingFinal > 0) {
        // Paid answers whose files are gone are read again from the provider, not sent again.
        const recovered = await recollect({
          jobs: state.remaining.filter((job) => !state.paid.has(job.id)),
          batches: state.batches,
          providers,
          writer: resultsWriter,
          prices: this.#options.prices ?? {},
          retry: withDefaults(DEFAULT_RETRY, this.#options.retry),
          logger: this.safeLogger(),
        });
        state.settleMissing(recovered.results.length + recovered.paid.size);
        const ids = new Set(recovered.results.map((result) => result.jobId));
        state.results.push(...recovered.results);
        for (const [jobId, paid] of recovered.paid) state.paid.set(jobId, paid);
        state.remaining = state.remaining.filter((job) => !ids.has(job.id));
      }
      for (const result of sampled) if (!onDisk.has(result.jobId)) await resultsWriter?.writeResult(result);
    } catch (error) {
      await state?.journal.close();
      await state?.forgetIfNew();
      await state?.release();
      throw error;
    }
    const sampledIds = new Set(sampled.map((result) => result.jobId));
    // A sample's provider batches whose results it could not read: followed and collected, their jobs not sent again.
    const carried = durable && !state ? this.sampled.uncollected : null;
    for (const { intent } of carried?.submissions ?? []) for (const id of intent.jobIds) sampledIds.add(id);
    let run: BatchRun<unknown>;
    try {
      run = new BatchRun({
        runId: `run_${randomBytes(6).toString('hex')}`,
        jobs,
        toSend: (state?.remaining ?? jobs)
          .filter((job) => !sampledIds.has(job.id) && (!only || only.has(job.id)))
          // A job with paid attempts continues their count, so a resume never grants retryInvalid afresh; a retry after
          // an invalid answer says what was wrong, as it would have in the run that held it back.
          .map((job) => {
            const paid = state?.paid.get(job.id);
            if (!paid) return job;
            return paid.problem
              ? withRetryNote(job.with({ attempt: paid.attempts }), paid.problem)
              : job.with({ attempt: paid.attempts + 1 });
          }),
        ...(durable && {
          prior: {
            results: sampled.filter((r) => !onDisk.has(r.jobId)),
            committedUsd: this.sampled.committedUsd,
          },
        }),
        providers,
        maxConcurrent: this.maxConcurrent,
        itemsPerBatch: this.itemsPerBatch,
        resultsWriter,
        logger: this.safeLogger(),
        timeLimitMs: this.timeLimitMs,
        graceMs: this.graceMs,
        costLimitUsd,
        prices: this.#options.prices ?? {},
        poll: withDefaults(DEFAULT_POLL, this.#options.poll),
        retry: withDefaults(DEFAULT_RETRY, this.#options.retry),
        maxRetries: this.#options.maxRetries ?? 1,
        ...(this.#options.enqueuedTokenLimit && { enqueuedTokenLimit: this.#options.enqueuedTokenLimit }),
        journal: new RunJournal(state?.journal, resultsWriter),
        secrets: this.secrets(),
        ...(state && {
          resume: {
            stateId: state.stateId,
            results: state.results,
            paid: state.paid,
            submissions: state.submissions,
          },
          onFinished: state.release,
        }),
        ...(carried && {
          resume: { stateId: carried.runId, results: [], paid: new Map(), submissions: carried.submissions },
        }),
      });
    } catch (error) {
      // Nothing was sent (results read back that the run cannot take): the state file's lock goes with the error.
      await state?.journal.close();
      await state?.release();
      throw error;
    }
    if (options.onProgress) run.onProgress(options.onProgress, options.progressIntervalMs ?? 1_000);
    if (durable && !only) {
      this.runStarted = true;
      // addJob() refuses from now on (a Batch runs once): the ids it checked new jobs against are not needed again,
      // and at 100,000 jobs they are megabytes of heap at the moment V8 sizes it for the run (issue 14).
      this.jobIds.clear();
    }
    run.start();
    if (options.wait) await run.wait();
    return run;
  }

  /**
   * The keys this batch may send, from its options and the environment: scrubbed from everything stored, logged,
   * emitted or thrown. Read when needed, since the environment may change between addJob() and run().
   */
  private secrets(): Secrets {
    return batchSecrets(this.#options);
  }

  private safeLogger(): Logger {
    return redactingLogger(this.logger, this.secrets());
  }

  /** The batch as `util.inspect` and `console.log` show it: options with API keys replaced, jobs counted. */
  [Symbol.for('nodejs.util.inspect.custom')](
    _depth: number,
    options: object,
    inspect: (value: unknown, options: object) => string,
  ): string {
    return `Batch ${inspect(this.toJSON(), options)}`;
  }

  /** The batch as `JSON.stringify` shows it: options with API keys replaced, jobs counted. Never a key. */
  toJSON(): { options: BatchOptions; jobs: number; costLimitUsd: number | null; timeLimitMs: number | null } {
    return {
      // A key may also sit inside another option (a `baseURL` of `https://user:key@host`).
      options: this.secrets().value(redactOptions(this.#options)),
      jobs: this.jobs.length,
      costLimitUsd: this.costLimitUsd ?? null,
      timeLimitMs: this.timeLimitMs ?? null,
    };
  }

  /**
   * The checks before anything is sent or estimated: keys (when sending, and Anthropic's when counting tokens),
   * prices under a limit, PDFs (encrypted, unreadable, too many pages, no text to cite), text past a model's context
   * window.
   */
  private async preflight(sending: boolean, counting = false): Promise<Map<ProviderName, BatchProvider>> {
    if (this.defaultsAfterJobs) {
      this.logger.warn(
        'defaults() was called after the last addJob(): defaults apply to the jobs added after them, so these ' +
          'settings change no job. Call defaults() before the addJob() calls it is meant for.',
      );
    }
    const providers = this.providers(sending, counting);
    this.checkPrices();
    this.checkBoundedCosts();
    const { stateFile, resultsDir } = this.#options;
    await checkStoragePaths({
      ...(stateFile !== undefined && { stateFile }),
      ...((resultsDir ?? (stateFile && `${stateFile}.results`)) && {
        resultsDir: resultsDir ?? `${stateFile}.results`,
      }),
    });
    await checkPdfs(this.jobs);
    await checkContextWindows(this.jobs, (message) => this.logger.warn(message));
    return providers;
  }

  /** With a cost limit, every model needs a price: an unknown price is an error, never $0. */
  private checkPrices(): void {
    if (this.costLimitUsd === undefined) return;
    const unpriced = [
      ...new Set(
        this.jobs.filter((j) => !hasPrice(j.model, j.provider, this.#options.prices)).map((j) => j.model),
      ),
    ];
    if (unpriced.length > 0) {
      const example = `{ '${unpriced[0]}': { inputPerMTok: 1, outputPerMTok: 5 } }`;
      throw new ConfigurationError(
        'unknown_price',
        `No price for model ${unpriced.join(', ')}: a cost limit cannot be kept without one. Pass prices: ${example} to new Batch() (USD per million tokens, standard rate).`,
      );
    }
  }

  /** With a cost limit, every job's worst case must be known before it runs: no tool the provider runs at will. */
  private checkBoundedCosts(): void {
    if (this.costLimitUsd === undefined) return;
    for (const job of this.jobs) {
      const unbounded = unboundedCostOf(job);
      if (unbounded === null) continue;
      throw new ConfigurationError(
        'cost_unbounded',
        `Job "${job.id}": ${unbounded}. What that costs is not in the request, so a cost limit cannot be kept: remove it from the job, or run without addCostLimit().`,
        { jobId: job.id },
      );
    }
  }

  /** The providers the jobs need; their keys are required only when something will be sent. */
  private providers(sending: boolean, counting: boolean): Map<ProviderName, BatchProvider> {
    const needed = new Set(this.jobs.map((job) => job.provider));
    const providers = new Map<ProviderName, BatchProvider>();
    if (needed.has('anthropic')) {
      const given = this.#options.anthropic?.apiKey;
      const apiKey =
        sending || counting ? requireKey(given, 'ANTHROPIC_API_KEY', 'Anthropic', 'anthropic') : given;
      providers.set(
        'anthropic',
        withRedaction(
          anthropicProvider({ ...this.#options.anthropic, ...(apiKey !== undefined && { apiKey }) }),
          this.secrets(),
        ),
      );
    }
    if (needed.has('openai')) {
      const given = this.#options.openai?.apiKey;
      const apiKey = sending ? requireKey(given, 'OPENAI_API_KEY', 'OpenAI', 'openai') : given;
      providers.set(
        'openai',
        withRedaction(
          openaiProvider({ ...this.#options.openai, ...(apiKey !== undefined && { apiKey }) }),
          this.secrets(),
        ),
      );
    }
    return providers;
  }
}

/**
 * Timings with their defaults. A field set to `undefined` counts as not given, as the option checks treat it: spread
 * as is, it would replace the default with `undefined` (a poll delay of NaN polls in a busy loop, an attempt count
 * of `undefined` is never reached).
 */
function withDefaults<T extends object>(defaults: Required<T>, given: T | undefined): Required<T> {
  const merged: Record<string, unknown> = { ...defaults };
  for (const [key, value] of Object.entries(given ?? {})) if (value !== undefined) merged[key] = value;
  return merged as Required<T>;
}

function requireKey(given: string | undefined, variable: string, provider: string, option: string): string {
  const apiKey = given ?? process.env[variable];
  if (!apiKey) {
    throw new ConfigurationError(
      'missing_api_key',
      `No ${provider} API key: set ${variable} or pass \`${option}: { apiKey }\` to new Batch().`,
    );
  }
  return apiKey;
}

/**
 * The keys a batch may send: its options' (whatever shape they were given in) and the environment's. A string given
 * as the options or as a provider's options is taken for a key too: that is what it most likely is.
 */
function batchSecrets(options: unknown): Secrets {
  const keyOf = (provider: 'anthropic' | 'openai'): unknown => {
    const client =
      typeof options === 'object' && options !== null
        ? (options as Record<string, unknown>)[provider]
        : undefined;
    if (typeof client === 'string') return client;
    return typeof client === 'object' && client !== null
      ? (client as { apiKey?: unknown }).apiKey
      : undefined;
  };
  return new Secrets(
    [
      options,
      keyOf('anthropic'),
      keyOf('openai'),
      process.env.ANTHROPIC_API_KEY,
      process.env.OPENAI_API_KEY,
    ].map((key) => (typeof key === 'string' ? key : undefined)),
  );
}
