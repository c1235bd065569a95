import { randomBytes } from 'node:crypto';
import { constants, type Dirent } from 'node:fs';
import { type FileHandle, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { messageOf } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { answerProblem, parseAnswer } from '../jobs/retry-note.js';
import type { Logger } from '../log/logger.js';
import type { ProviderName } from '../models/registry.js';
import type { JobResult } from '../types.js';
import { isFinalResult } from './final-result.js';
import { describeDifference, jobDigestsJson } from './fingerprint.js';
import { ResultsDirError } from './results-writer.js';
import {
  allProviderBatches,
  removeUnfinishedCreates,
  StateFileError,
  StateJournal,
} from './state-journal.js';
import { acquireStateLock } from './state-lock.js';
import { type JournalState, resultsDone, STATE_VERSION, type SubmissionState } from './state-records.js';

/** What a job without its final result already had from the provider. */
export interface PaidAttempts {
  usd: number;
  /** Sends so far: the next send continues the count (`retryInvalid`). */
  attempts: number;
  /** The last answer paid for, kept in the job's result until a later one replaces it. */
  answer: string | null;
  /** What was wrong with that answer when it was invalid: the retry's note says it. */
  problem: string | null;
  /** The provider batch that gave that answer: collected again while still open, it is not counted twice. */
  providerBatchId: string | null;
}

export interface OpenedState {
  journal: StateJournal;
  stateId: string;
  /** Results already on disk, final for their jobs. */
  results: JobResult[];
  /**
   * Jobs without a final result that were already billed, by job id (a rejected first attempt before a stop or the
   * cost limit ended the job): what they cost counts against the cost limit again when they are sent again.
   */
  paid: Map<string, PaidAttempts>;
  /** Submissions that were created (or may have been) and have not ended. */
  submissions: SubmissionState[];
  /** Jobs that are neither done nor in a live submission: to be planned. */
  remaining: NormalizedJob[];
  /**
   * Whether the state existed before this run: only then may its results directory hold files this run replaces.
   * A new state's directory held none of its jobs' files at the start, so one appearing later is another run's.
   */
  resumed: boolean;
  /**
   * Final results the state recorded when every one's file is gone (a results directory deleted, cleaned or not
   * mounted): their answers are still in the provider batches for 29 days, to be read again before anything is
   * sent. 0 otherwise (a few files gone were moved away on purpose: those jobs go out again).
   */
  missingFinal: number;
  /** Every provider batch the state had, oldest first. */
  batches: { provider: ProviderName; id: string }[];
  /**
   * Says what became of the missing results once `recovered` of them were read again: refused when none is there at
   * all (`results_missing`), a warning for those sent again. Call before anything is sent.
   */
  settleMissing: (recovered: number) => void;
  /**
   * Deletes the state file if this run created it (it holds only its header), for a start that failed before anything
   * was sent: kept, it would bind the state to a resultsDir that could not be used (`results_dir_mismatch` once the
   * path is fixed). Call after the journal is closed, before the lock is released.
   */
  forgetIfNew: () => Promise<void>;
  release: () => Promise<void>;
}

/**
 * Opens the state for a run: takes the lock, then either starts a new journal or checks the existing one against
 * the jobs (same ids, same digests) and gathers what is done and what is in flight.
 */
export async function openState(options: {
  stateFile: string;
  resultsDir: string;
  reuseState: boolean;
  jobs: NormalizedJob[];
  logger: Logger;
}): Promise<OpenedState> {
  const { stateFile, resultsDir, jobs } = options;
  const release = await acquireStateLock(stateFile);
  try {
    if (!options.reuseState) await moveAside(stateFile, resultsDir, options.logger);
    await removeUnfinishedCreates(stateFile);
    const resolvedResultsDir = resolve(resultsDir);
    const saved = await StateJournal.read(stateFile);
    if (!saved) {
      const existing = await existingResults(resultsDir, jobs);
      if (existing.length > 0) {
        throw new StateFileError(
          'results_exist',
          `${resultsDir} already holds results for ${existing.length} of these jobs (${existing.slice(0, 3).join(', ')}…) ` +
            `but ${stateFile} does not exist, so they cannot be told apart from another batch's. Move them away, ` +
            'choose another resultsDir, or pass reuseState: false (which moves them aside).',
        );
      }
      const stateId = `st${randomBytes(5).toString('hex')}`;
      const journal = await StateJournal.create(stateFile, {
        type: 'header',
        version: STATE_VERSION,
        stateId,
        createdAt: new Date().toISOString(),
        jobDigests: jobDigestsJson(jobs),
        resultsDir: resolvedResultsDir,
        expiredResumable: true,
        providerBatches: [],
      });
      if (journal.replaced) {
        options.logger.info(
          `${stateFile} held no complete record (a run was killed while creating it, before anything was sent): ` +
            'started afresh over it',
        );
      }
      return {
        journal,
        stateId,
        results: [],
        paid: new Map(),
        submissions: [],
        remaining: jobs,
        resumed: false,
        missingFinal: 0,
        batches: [],
        settleMissing: () => {},
        forgetIfNew: () => rm(stateFile, { force: true }),
        release,
      };
    }

    const difference = describeDifference(saved.header.jobDigests, jobs);
    if (difference) {
      throw new StateFileError(
        'state_mismatch',
        `${stateFile} belongs to a different batch: ${difference}. Nothing was sent. To resume, declare the same jobs ` +
          'as before; to start fresh, pass reuseState: false (the old state and results are moved aside, not deleted) ' +
          'or use another stateFile.',
      );
    }
    // Absent from a header written by batchwise 0.1: accepted, and the compacted header records this run's.
    const savedResultsDir: string | undefined = saved.header.resultsDir;
    if (savedResultsDir === undefined) saved.header = { ...saved.header, resultsDir: resolvedResultsDir };
    else if (savedResultsDir !== resolvedResultsDir) {
      throw new StateFileError(
        'results_dir_mismatch',
        `${stateFile} keeps its results in ${savedResultsDir}, but this run's resultsDir is ${resolvedResultsDir}. ` +
          `Nothing was sent. To resume, run again with resultsDir: '${savedResultsDir}'; to start fresh, pass ` +
          `reuseState: false (the old state file, and anything in ${resolvedResultsDir}, are moved aside, not ` +
          `deleted; the results in ${savedResultsDir} are left where they are).`,
      );
    }
    const open = [...saved.submissions.values()].filter((s) => !s.ended && !s.abandoned);
    const inFlight = new Set(open.flatMap((s) => s.intent.jobIds));
    // Results first: a corrupt one is refused before the journal's file is opened (and could be left open).
    const { results, paid, formerlyFinal, foreign } = await readResults(
      resultsDir,
      jobs,
      inFlight,
      options.logger,
      {
        batches: saved.header.providerBatches && new Set(allProviderBatches(saved).map((batch) => batch.id)),
        // A batch whose `submitted` record could not be written is known by its tag only: its files are not judged.
        unrecorded: new Set(open.filter((s) => !s.providerBatchId).flatMap((s) => s.intent.jobIds)),
      },
    );
    if (foreign.length > 0) {
      const batches = [...new Set(foreign.map((f) => f.providerBatchId))];
      throw new StateFileError(
        'results_exist',
        `${resultsDir} holds results for ${foreign.length} of these jobs (${foreign
          .slice(0, 3)
          .map((f) => f.jobId)
          .join(
            ', ',
          )}${foreign.length > 3 ? ', …' : ''}) from provider batch(es) ${batches.slice(0, 3).join(', ')}${batches.length > 3 ? ', …' : ''}, ` +
          `which ${stateFile} never had: another run wrote them into the same resultsDir. Nothing was sent. Move those ` +
          "files away to resume (this state's jobs are then collected or sent), and give each batch a resultsDir of its own.",
      );
    }
    const recorded = resultsDone(saved);
    // Results an older batchwise recorded as final (expired ones) are there too, though they are sent again now.
    const found = results.length + (saved.header.expiredResumable ? 0 : formerlyFinal);
    // Every result gone is an accident, and the answers are read again from the provider batches (kept there 29
    // days) before anything is sent; refused when they cannot be. A few gone is a choice: those jobs go out again.
    const allGone = recorded > 0 && found === 0;
    const batchesKnown = saved.header.providerBatches !== undefined;
    const settleMissing = (recovered: number) => {
      if (recovered === 0 && allGone) {
        throw new StateFileError(
          'results_missing',
          `${stateFile} records ${recorded} final result(s) written to ${resolvedResultsDir}, and none is there` +
            `${batchesKnown ? ' nor could be read again from the provider' : ''}: the directory was deleted, moved or ` +
            'not mounted. Nothing was sent: those jobs were paid for, and sending them again would pay twice. Put the ' +
            'files back to resume; to send every job again, pass reuseState: false (the old state is moved aside, ' +
            `not deleted).${stillAtProvider(saved)}`,
        );
      }
      if (allGone && recovered > 0) {
        options.logger.warn(
          `${stateFile} records ${recorded} final result(s) in ${resolvedResultsDir}, and none was there: ` +
            `${recovered} job(s) read again from the provider batches (not paid again)` +
            (recovered < recorded
              ? `; the jobs of the other ${recorded - recovered} are sent again, and paid again.${stillAtProvider(saved)}`
              : '.'),
        );
      } else if (found < recorded) {
        options.logger.warn(
          `${stateFile} records ${recorded} final result(s) in ${resolvedResultsDir}, but ${found} are there: ` +
            `the jobs of the ${recorded - found} missing file(s) are sent again, and paid again.${stillAtProvider(saved)}`,
        );
      }
    };
    const recollecting = allGone && batchesKnown;
    if (!recollecting) settleMissing(0);
    const journal = await StateJournal.resume(stateFile, saved);
    const done = new Set(results.map((r) => r.jobId));
    const submissions = [...journal.state.submissions.values()].filter((s) => !s.ended && !s.abandoned);
    const remaining = jobs.filter((job) => !done.has(job.id) && !inFlight.has(job.id));
    options.logger.info(
      `resuming ${stateFile}: ${done.size} done, ${submissions.length} provider batch(es) to follow, ${remaining.length} to send`,
    );
    return {
      journal,
      stateId: saved.header.stateId,
      results,
      paid,
      submissions,
      remaining,
      resumed: true,
      missingFinal: recollecting ? recorded : 0,
      batches: allProviderBatches(journal.state),
      settleMissing: recollecting ? settleMissing : () => {},
      forgetIfNew: async () => {},
      release,
    };
  } catch (error) {
    await release();
    throw error;
  }
}

/**
 * Where answers whose files are gone can still be read: providers keep a batch's results 29 days after it was created
 * (Anthropic's results URL, OpenAI's output file). Empty for a state that does not know its batches.
 */
function stillAtProvider(state: JournalState): string {
  const ids = allProviderBatches(state).map((batch) => batch.id);
  if (ids.length === 0) return '';
  return ` The answers stay at the provider for 29 days after each batch was created, in provider batch(es) ${ids.slice(0, 5).join(', ')}${ids.length > 5 ? `, … (${ids.length} in all)` : ''}.`;
}

/**
 * Codes batchwise took for final before, and counted as final in the journal's `ended` records: in a state it wrote
 * (no `expiredResumable` in its header) such a result on disk is no missing result, though its job is sent again now.
 */
const FORMERLY_FINAL: ReadonlySet<string> = new Set(['expired']);

/**
 * Reads each job's result file, never through a symlink. Only a result collected from a provider batch is written in
 * place (and can be cut short by a kill); its submission stays open in the journal until the file is synced, so such
 * a file is no result: its job is collected again from the same provider batch. Every other file is replaced
 * atomically: one that does not parse was changed by something else, and is refused, naming it.
 */
async function readResults(
  resultsDir: string,
  jobs: NormalizedJob[],
  inFlight: ReadonlySet<string>,
  logger: Logger,
  owner: {
    /** Every provider batch of the state; undefined when an older version's compaction lost some. */
    batches: ReadonlySet<string> | undefined;
    unrecorded: ReadonlySet<string>;
  },
): Promise<{
  results: JobResult[];
  paid: Map<string, PaidAttempts>;
  formerlyFinal: number;
  /** Results collected from a provider batch the state never had: another run's, in the same directory. */
  foreign: { jobId: string; providerBatchId: string }[];
}> {
  const foreign: { jobId: string; providerBatchId: string }[] = [];
  const results: JobResult[] = [];
  const paid = new Map<string, PaidAttempts>();
  let torn = 0;
  let formerlyFinal = 0;
  const refused: string[] = [];
  for (const job of jobs) {
    const path = join(resultsDir, `${job.id}.json`);
    const text = await readResultFile(path, job.id);
    if (text === undefined) continue;
    const result = parseResult(text, job.id);
    if (typeof result === 'string') {
      // Cut short by a kill: only a result of a batch still open is written in place, and that batch gives it again.
      if (inFlight.has(job.id)) {
        torn++;
        continue;
      }
      throw corruptResult(path, job.id, result);
    }
    const batch = result.providerBatchId;
    if (
      typeof batch === 'string' &&
      owner.batches &&
      !owner.batches.has(batch) &&
      !owner.unrecorded.has(job.id)
    ) {
      foreign.push({ jobId: job.id, providerBatchId: batch });
      continue;
    }
    if (result.error?.code && FORMERLY_FINAL.has(result.error.code)) formerlyFinal++;
    if (isFinalResult(result)) results.push(await withParsedAnswer(job, result, refused));
    // Sent and paid for: its cost, or an unknown one (a model without a price), or an answer kept at a price of $0 —
    // the count of sends goes on either way, so that retryInvalid is not granted afresh.
    else if (result.attempts > 0 && (result.costUsd !== 0 || typeof result.rawResponse === 'string')) {
      const answer = typeof result.rawResponse === 'string' ? result.rawResponse : null;
      paid.set(result.jobId, {
        usd: result.costUsd ?? 0,
        attempts: result.attempts,
        answer,
        problem: answer === null ? null : await answerProblem(job, answer),
        // Counted in `usd` only when its cost was known: an answer that could not be read is charged when collected.
        providerBatchId:
          result.costUsd !== null && typeof result.providerBatchId === 'string'
            ? result.providerBatchId
            : null,
      });
    }
  }
  if (torn > 0) logger.info(`${torn} result file(s) cut short by the crash are collected again`);
  if (refused.length > 0) {
    logger.warn(
      `${refused.length} stored answer(s) no longer pass their job's responseModel (${refused.slice(0, 5).join(', ')}${refused.length > 5 ? ', …' : ''}): ` +
        'its transforms or refinements changed since they were collected. Their parsedResponse is kept as stored (JSON); ' +
        'nothing is sent again, as those answers were paid for.',
    );
  }
  return { results, paid, formerlyFinal, foreign };
}

/**
 * The result with its `parsedResponse` as the run gave it: the file holds it as JSON, which turns a date
 * (`z.coerce.date()`) into a string and keeps a transform's output, never the schema's. Parsing the stored answer
 * again with the same schema gives it back. The header's digests hold the schema's JSON form, not its code: a
 * transform or refinement changed since may refuse an answer it took, and then the stored value stays, said so.
 */
async function withParsedAnswer(
  job: NormalizedJob,
  result: JobResult,
  refused: string[],
): Promise<JobResult> {
  if (!job.output || result.parsedResponse === null || typeof result.rawResponse !== 'string') return result;
  const parsed = await parseAnswer(job, result.rawResponse, job.output);
  if (parsed.ok) return { ...result, parsedResponse: parsed.value };
  refused.push(job.id);
  return result;
}

async function readResultFile(path: string, jobId: string): Promise<string | undefined> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | constants.O_NOFOLLOW);
  } catch (error) {
    const { code } = error as NodeJS.ErrnoException;
    if (code === 'ENOENT') return undefined;
    if (code === 'ELOOP') throw symlinkError(path);
    throw corruptResult(path, jobId, messageOf(error));
  }
  try {
    return await handle.readFile('utf8');
  } catch (error) {
    throw corruptResult(path, jobId, messageOf(error));
  } finally {
    await handle.close();
  }
}

/** The job's result, or why the text is not one. */
function parseResult(text: string, jobId: string): JobResult | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return `not JSON: ${messageOf(error)}`;
  }
  const result = value as Partial<JobResult> | null;
  if (
    typeof result !== 'object' ||
    result === null ||
    result.jobId !== jobId ||
    typeof result.status !== 'string'
  ) {
    return `not a result of job "${jobId}"`;
  }
  return result as JobResult;
}

function corruptResult(path: string, jobId: string, why: string): StateFileError {
  return new StateFileError(
    'result_file_corrupt',
    `Result file ${path} cannot be read (${why}). Nothing was sent. batchwise leaves a result file cut short only ` +
      'while its provider batch is still open (a resume collects it again); this one was changed by something else: ' +
      'restore it from a backup, or move it away to have the job sent again (and paid again).',
    { jobId },
  );
}

async function existingResults(resultsDir: string, jobs: NormalizedJob[]): Promise<string[]> {
  let entries: Dirent[];
  try {
    entries = await readdir(resultsDir, { withFileTypes: true });
  } catch {
    return [];
  }
  const ids = new Set(jobs.map((job) => `${job.id}.json`));
  const present: string[] = [];
  for (const entry of entries) {
    if (!ids.has(entry.name)) continue;
    if (entry.isSymbolicLink()) throw symlinkError(join(resultsDir, entry.name));
    present.push(entry.name.slice(0, -'.json'.length));
  }
  return present;
}

/** The submissions a state file has not seen end; none when it cannot be read (it is moved aside as it is). */
async function openSubmissions(stateFile: string): Promise<SubmissionState[]> {
  try {
    const saved = await StateJournal.read(stateFile);
    return saved ? [...saved.submissions.values()].filter((s) => !s.ended && !s.abandoned) : [];
  } catch {
    return [];
  }
}

function symlinkError(path: string): ResultsDirError {
  return new ResultsDirError(
    'results_dir_invalid',
    `${path} is a symlink; batchwise reads and writes results only in files of its own inside resultsDir, never through a link. Move it away, or choose another resultsDir.`,
  );
}

/**
 * `reuseState: false`: the old state file and results directory are renamed, never deleted. Provider batches the
 * old state still follows are said by name: the provider bills them whatever this run does, and this run sends their
 * jobs again.
 */
async function moveAside(stateFile: string, resultsDir: string, logger: Logger): Promise<void> {
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const open = await openSubmissions(stateFile);
  if (open.length > 0) {
    const named = open.map(
      (s) => s.providerBatchId ?? `${s.intent.provider} batch of submission ${s.intent.submissionId}`,
    );
    logger.warn(
      `reuseState: false — ${stateFile} still follows ${open.length} provider batch(es) that may be processing ` +
        `(${named.slice(0, 5).join(', ')}${named.length > 5 ? ', …' : ''}): the provider bills their requests whatever ` +
        'this run does, and this run sends their jobs again, paying twice. To collect them instead, move the state ' +
        'file back and run without reuseState: false; to stop paying for them, cancel them at the provider.',
    );
  }
  for (const path of [stateFile, resultsDir]) {
    try {
      await stat(path);
    } catch {
      continue;
    }
    const target = `${path}.${stamp}.old`;
    await rename(path, target);
    logger.warn(`reuseState: false — moved ${path} to ${target}`);
  }
}
