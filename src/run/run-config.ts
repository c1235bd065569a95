import type { NormalizedJob } from '../jobs/normalized-job.js';
import type { Logger } from '../log/logger.js';
import type { ProviderName } from '../models/registry.js';
import type { PriceTable } from '../pricing/prices.js';
import type { BatchProvider } from '../providers/provider.js';
import type { Secrets } from '../secrets/redact.js';
import type { ResultsWriter } from '../store/results-writer.js';
import type { SubmissionState } from '../store/state-records.js';
import type { JobResult } from '../types.js';
import type { RunJournal } from './run-journal.js';

/**
 * How often a provider batch is polled: `initialMs`, growing by `factor` per poll up to `maxMs`. Intervals are
 * 10 ms to an hour (3,600,000): each poll is a request to the provider, so a shorter one is a busy loop against its
 * rate limit, and a longer one leaves an ended batch's results waiting for hours. Under a second is for the emulator.
 */
export interface PollOptions {
  /** Milliseconds, 10 to 3,600,000. @default 2000 */
  initialMs?: number;
  /** Milliseconds, 10 to 3,600,000, at least `initialMs`. @default 60000 */
  maxMs?: number;
  /** @default 1.5 */
  factor?: number;
}

/**
 * Retries of calls that failed in a transient way (on top of the SDKs' own retries), with a delay doubling from
 * `initialDelayMs` up to `maxDelayMs`. Delays are 10 ms to an hour, as poll intervals are.
 */
export interface RetryOptions {
  /**
   * Attempts of a submit or a results download before its jobs fail, 1 (no retry) to 20: more only adds load on a
   * provider that keeps failing. @default 4
   */
  attempts?: number;
  /** Milliseconds, 10 to 3,600,000. @default 1000 */
  initialDelayMs?: number;
  /**
   * Milliseconds, 10 to 3,600,000. Also how long a create whose answer was lost is looked for before it is sent
   * again (docs/batch-lifecycle.md). @default 30000
   */
  maxDelayMs?: number;
}

/** Everything a run is made of; built by `Batch.run()`. */
export interface RunConfig {
  runId: string;
  /**
   * The run's jobs in the order they were added: the Batch's own list, not a copy (a 100,000-job run keeps one). No
   * job joins it while a run is on: `addJob()` refuses after `run()`, and a sampled dry run's run is over when
   * `dryRun()` returns.
   */
  jobs: readonly NormalizedJob[];
  /**
   * Jobs to send (on a resume: those neither done nor in a submission the state file knows). Planned into provider
   * batches when the run is built; the run keeps no second list of them (see {@link RunSettings}).
   */
  toSend: NormalizedJob[];
  providers: ReadonlyMap<ProviderName, BatchProvider>;
  maxConcurrent: number;
  itemsPerBatch: number;
  resultsWriter: ResultsWriter | undefined;
  logger: Logger;
  timeLimitMs: number | undefined;
  /** After a stop that cancels in-flight batches, how long they may take to be cancelled and collected. */
  graceMs: number;
  costLimitUsd: number | undefined;
  prices: PriceTable;
  poll: Required<PollOptions>;
  retry: Required<RetryOptions>;
  /** Resubmissions of jobs whose provider batch expired or was cancelled by someone else. */
  maxRetries: number;
  /** Prompt tokens that may be enqueued per model at once (OpenAI), by model name. */
  enqueuedTokenLimit?: Record<string, number>;
  journal: RunJournal;
  /** The batch's API keys: scrubbed from every error the run reports. */
  secrets?: Secrets;
  resume?: ResumeState;
  /**
   * What `dryRun({ sample })` already ran: final results this run reuses (not on disk before it), and everything
   * the sample committed — counted against the cost limit.
   */
  prior?: { results: JobResult[]; committedUsd: number };
  /** Called once the run has ended (release the state lock). */
  onFinished?: () => Promise<void>;
}

/** What a run keeps of its config once its jobs to send are planned. */
export type RunSettings = Omit<RunConfig, 'toSend'>;

/** What a resumed run starts from: results already on disk and submissions the state file knows. */
export interface ResumeState {
  stateId: string;
  results: JobResult[];
  /** What jobs without a final result were already billed for (earlier attempts) and their last answer, by job id. */
  paid: ReadonlyMap<string, { usd: number; answer: string | null; providerBatchId: string | null }>;
  submissions: SubmissionState[];
}

export type StopReason = { kind: 'shutdown' | 'time_limit'; cancelActive: boolean };
