import type { ErrorInfo } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import type { JobOutcome } from '../providers/provider.js';
import type { JobResult, JobStatus } from '../types.js';

/** The JobResult for what the provider returned for a job. Pure. */
export function outcomeToResult(job: NormalizedJob, outcome: JobOutcome, providerBatchId: string): JobResult {
  if (outcome.status === 'succeeded') {
    return {
      ...baseResult(job, providerBatchId),
      status: 'succeeded',
      isSuccess: true,
      rawResponse: outcome.text,
      inputTokens: outcome.inputTokens,
      outputTokens: outcome.outputTokens,
      totalTokens: outcome.inputTokens + outcome.outputTokens,
      stopReason: outcome.stopReason,
    };
  }
  return {
    ...failedResult(job, outcome.status, outcome.error, providerBatchId),
    stopReason: outcome.stopReason ?? null,
  };
}

/**
 * A JobResult for a job that ended without an answer. `sent: false` when this attempt never went out (held back by
 * the cost limit, stopped before its batch was created): `attempts` counts only the sends, so that a resume continues
 * from the right attempt and `retryInvalid` is granted in full.
 */
export function failedResult(
  job: NormalizedJob,
  status: Exclude<JobStatus, 'succeeded'>,
  error: ErrorInfo,
  providerBatchId: string | null,
  options: { sent?: boolean } = {},
): JobResult {
  const attempts = options.sent === false ? job.attempt - 1 : job.attempt;
  return { ...baseResult(job, providerBatchId), status, error, attempts };
}

function baseResult(job: NormalizedJob, providerBatchId: string | null): JobResult {
  return {
    jobId: job.id,
    status: 'failed',
    isSuccess: false,
    rawResponse: null,
    parsedResponse: null,
    citations: [],
    citationMappings: {},
    inputTokens: 0,
    outputTokens: 0,
    totalTokens: 0,
    costUsd: null,
    error: null,
    provider: job.provider,
    model: job.model,
    providerBatchId,
    stopReason: null,
    attempts: job.attempt,
  };
}
