import type { BatchwiseError } from '../errors.js';
import type { ProviderName } from '../models/registry.js';
import type { JobResult, Progress } from '../types.js';
import type { BatchPhase } from './machine/batch-phase.js';

/** `skipped`: planned, but the cost limit held back all its jobs (they were planned again later). */
export type ProviderBatchStatus = 'pending' | 'submitting' | 'active' | 'ended' | 'skipped';

/** One provider batch of a run, as events and `status()` show it. */
export interface ProviderBatchInfo {
  index: number;
  provider: ProviderName;
  model: string;
  providerBatchId: string | null;
  status: ProviderBatchStatus;
  /** The batch's state machine phase (docs/batch-lifecycle.md): finer than `status`. */
  phase: BatchPhase;
  /** The provider's own status word (`in_progress`, `ended`, `finalizing`, …) when known. */
  rawStatus: string | null;
  jobIds: string[];
  requestsDone: number;
  requestsTotal: number;
}

/** The events of a {@link BatchRun}; each listener's signature is its documentation. */
export interface BatchRunEvents<T = unknown> {
  /** Counts changed (also on every `onProgress` interval). */
  progress: (progress: Progress) => void;
  /** A provider batch was created; its id is known (and written where results go). */
  batchSubmitted: (batch: ProviderBatchInfo) => void;
  /** A provider batch ended and every one of its jobs has its result. */
  batchCompleted: (batch: ProviderBatchInfo) => void;
  /** A job succeeded; its result file (if any) is already written. */
  jobCompleted: (result: JobResult<T>) => void;
  /** A job ended without success; its result file (if any) is already written. */
  jobFailed: (result: JobResult<T>) => void;
  /** Fired once, when the cost limit first holds jobs back. */
  costLimitReached: (info: { limitUsd: number; spentUsd: number; reservedUsd: number }) => void;
  /** Every job has a result. */
  complete: (results: Record<string, JobResult<T>>) => void;
  /**
   * Something went wrong that the run works around (a poll that keeps failing, a write that failed). Also written
   * to the logger, so nothing reported here is lost when nobody listens.
   */
  error: (error: BatchwiseError) => void;
}
