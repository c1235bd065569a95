import type { ProviderName } from '../models/registry.js';

export const STATE_VERSION = 1;

/**
 * The state file is a journal: one JSON record per line, each appended and flushed before the step it protects.
 * Field names are spelled out: a state file outlives the code that wrote it.
 */
export type StateRecord =
  | HeaderRecord
  | IntentRecord
  | UploadedRecord
  | SubmittedRecord
  | EndedRecord
  | AbandonedRecord;

/** First line: what this state is about. */
export interface HeaderRecord {
  type: 'header';
  version: typeof STATE_VERSION;
  /** Stable across resumes; OpenAI batches carry it in their metadata. */
  stateId: string;
  createdAt: string;
  /** A digest of each job, by job id, so that a changed job set can be told apart and explained. */
  jobDigests: Record<string, string>;
  /**
   * Where the results of this state's jobs are written: an absolute path (`path.resolve`d). A resume with another
   * directory is refused (`results_dir_mismatch`). Absent from headers written by batchwise 0.1: such a state is
   * accepted, and the header its compaction writes records the run's directory.
   */
  resultsDir: string;
  /**
   * Final results the submissions that compaction dropped (ended ones) wrote to `resultsDir`: a resume that finds
   * none of them there refuses (`results_missing`) instead of paying for every finished job again, and one that finds
   * fewer warns. Absent from headers of batchwise 0.1 (counted as 0).
   */
  resultsDone?: number;
  /**
   * Set by the batchwise that resends expired results: its `ended` records (and `resultsDone`) do not count them as
   * final. Absent, the state was written by one that did, and a resume counts the expired results it finds among
   * the final ones.
   */
  expiredResumable?: true;
  /**
   * The provider batches of the submissions compaction dropped (ended ones), oldest first: with those still in the
   * journal, every provider batch this state ever had. A result file naming another batch was written by another run
   * into the same `resultsDir`, and a resume refuses to take it for this state's (`results_exist`); a result file gone
   * is read again from them. Absent from headers of earlier versions, whose compactions did not keep them.
   */
  providerBatches?: { provider: ProviderName; id: string }[];
}

/** Written and flushed before a provider batch is created. */
export interface IntentRecord {
  type: 'intent';
  /** Unique per submission; the `custom_id` prefix of its requests and its OpenAI metadata. */
  submissionId: string;
  provider: ProviderName;
  model: string;
  jobIds: string[];
  /** The cost reserved for each job, in the order of `jobIds` (null where no price is known). */
  reservationsUsd: (number | null)[];
  /** How many times each job was sent before this submission (after an invalid answer or an expiry). */
  attempts: number[];
  /** How many times each job was resubmitted after its batch expired or was cancelled. */
  resubmits: number[];
  intentAt: number;
  /**
   * Where the batch is created (the provider's base URL, no credentials): a resume that asks another place cannot
   * see it, and must not take that for its absence. Absent from intents of batchwise 0.1.
   */
  endpoint?: string;
}

/** OpenAI: the submission's input file was uploaded. Written after the upload, before the batch is created. */
export interface UploadedRecord {
  type: 'uploaded';
  submissionId: string;
  /** The provider's file id (`file-…`). */
  inputFileId: string;
}

/** The provider accepted the batch: its id. */
export interface SubmittedRecord {
  type: 'submitted';
  submissionId: string;
  providerBatchId: string;
}

/** Every job of the batch has its result file. */
export interface EndedRecord {
  type: 'ended';
  submissionId: string;
  /** How many of them are final results (counted into the header's `resultsDone` by compaction). */
  results?: number;
  /** The provider batch, also when its `submitted` record could not be written. Absent from earlier versions. */
  providerBatchId?: string;
}

/** The intent's batch was never created (none was found at the provider); its jobs go out again. */
export interface AbandonedRecord {
  type: 'abandoned';
  submissionId: string;
}

/** A submission as the journal describes it. */
export interface SubmissionState {
  intent: IntentRecord;
  /** The uploaded input file's id (OpenAI), once an `uploaded` record was written. */
  inputFileId: string | null;
  providerBatchId: string | null;
  ended: boolean;
  /** Final results its `ended` record counted. */
  results: number;
  abandoned: boolean;
}

export interface JournalState {
  header: HeaderRecord;
  submissions: Map<string, SubmissionState>;
}

/** Final results the journal says are in `resultsDir`: those of compacted-away submissions and of ended ones. */
export function resultsDone(state: JournalState): number {
  let done = state.header.resultsDone ?? 0;
  for (const submission of state.submissions.values()) if (submission.ended) done += submission.results;
  return done;
}
