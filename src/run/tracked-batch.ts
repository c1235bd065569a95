import { randomBytes } from 'node:crypto';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import type { ProviderBatchRef, ProviderRequest } from '../providers/provider.js';
import type { SubmissionState } from '../store/state-records.js';
import type { ProviderBatchInfo, ProviderBatchStatus } from './events.js';
import type { PlannedBatch } from './plan-batches.js';

/** A provider batch as the run follows it, from plan to end. */
export interface TrackedBatch {
  plan: PlannedBatch;
  status: ProviderBatchStatus;
  ref: ProviderBatchRef | null;
  rawStatus: string | null;
  requestsDone: number;
  cancelRequested: boolean;
  /** Set once the intent is recorded: the custom_id prefix and OpenAI metadata of the submission. */
  submissionId: string | null;
  /** A submission from the state file: its intent (and provider batch id, when it was recorded). */
  resumed: SubmissionState | null;
}

/** A job ready to send: its request and what it may cost at most. */
export interface Candidate {
  job: NormalizedJob;
  request: ProviderRequest;
  estimateUsd: number | null;
}

export function trackedBatch(plan: PlannedBatch, resumed: SubmissionState | null = null): TrackedBatch {
  return {
    plan,
    status: 'pending',
    ref: null,
    rawStatus: null,
    requestsDone: 0,
    cancelRequested: false,
    submissionId: resumed?.intent.submissionId ?? null,
    resumed,
  };
}

export function batchInfo(batch: TrackedBatch): ProviderBatchInfo {
  return {
    index: batch.plan.index,
    provider: batch.plan.provider,
    model: batch.plan.model,
    providerBatchId: batch.ref?.id ?? null,
    status: batch.status,
    rawStatus: batch.rawStatus,
    jobIds: batch.plan.jobs.map((job) => job.id),
    requestsDone: batch.requestsDone,
    requestsTotal: batch.plan.jobs.length,
  };
}

/** 8 characters, [a-z0-9]: with "_" it prefixes custom_ids (job ids are at most 48 characters, so they fit in 64). */
export function newSubmissionId(): string {
  return BigInt(`0x${randomBytes(6).toString('hex')}`)
    .toString(36)
    .padStart(8, '0')
    .slice(-8);
}
