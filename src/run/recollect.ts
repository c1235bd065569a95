import { setTimeout as sleep } from 'node:timers/promises';
import { BatchwiseError, messageOf, ProviderError } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { answerProblem } from '../jobs/retry-note.js';
import type { Logger } from '../log/logger.js';
import type { ProviderName } from '../models/registry.js';
import type { PriceTable } from '../pricing/prices.js';
import type { BatchProvider, JobOutcome, ProviderBatchRef } from '../providers/provider.js';
import type { PaidAttempts } from '../store/open-state.js';
import type { ResultsWriter } from '../store/results-writer.js';
import type { JobResult } from '../types.js';
import { buildResult } from './build-result.js';
import type { RetryOptions } from './run-config.js';

/** What was read again: final results (written), and jobs whose last paid answer leaves them to be sent again. */
export interface Recollected {
  results: JobResult[];
  paid: Map<string, PaidAttempts>;
}

/**
 * Reads again, from every provider batch a resumed state had, the answers of jobs it would otherwise send: their
 * result files are gone (a results directory deleted or cleaned after their batches ended), but the providers keep a
 * batch's results for 29 days, and sending the jobs again would pay for them twice. A job's answer is the newest
 * batch's; each batch that billed the job was one paid attempt, so the attempts and their cost add up as they did in
 * the run that paid them. An `invalid` last answer with `retryInvalid` left is not final: the job goes out again with
 * what it already cost (a marker file keeps that), as it would have. Only billed outcomes count: an errored or expired
 * request was never an answer.
 *
 * A batch that is gone (404: past its 29 days, or another endpoint) is skipped with a warning — its answers cannot come
 * back, and its jobs are sent again. Any other failure to read one is retried, then refused (`results_failed`) before
 * anything is sent: reading part of it and sending the rest would pay for that rest twice.
 */
export async function recollect(options: {
  /** The jobs the resume would send; those found are not sent (or are sent as the retry they were). */
  jobs: readonly NormalizedJob[];
  /** The state's provider batches, oldest first. */
  batches: readonly ProviderBatchRef[];
  providers: ReadonlyMap<ProviderName, BatchProvider>;
  writer: ResultsWriter | undefined;
  prices: PriceTable;
  retry: Required<RetryOptions>;
  logger: Logger;
}): Promise<Recollected> {
  const wanted = new Map(options.jobs.map((job) => [job.id, job]));
  const found = new Map<string, { result: JobResult; attempts: number; usd: number | null }>();
  for (const ref of [...options.batches].reverse()) {
    const provider = options.providers.get(ref.provider);
    if (!provider) continue;
    const read = await readBatch(provider, ref, wanted, options);
    if (read === 'gone') continue;
    for (const [jobId, result] of read) {
      const earlier = found.get(jobId);
      if (!earlier) found.set(jobId, { result, attempts: 1, usd: result.costUsd });
      else {
        earlier.attempts++;
        earlier.usd = earlier.usd === null || result.costUsd === null ? null : earlier.usd + result.costUsd;
      }
    }
  }
  const recollected: Recollected = { results: [], paid: new Map() };
  for (const [jobId, { result: newest, attempts, usd }] of found) {
    const job = wanted.get(jobId)!;
    const result: JobResult = { ...newest, attempts, costUsd: usd };
    if (result.status === 'invalid' && attempts <= job.retryInvalid) {
      const answer = result.rawResponse;
      await write(options.writer, {
        ...result,
        status: 'failed',
        isSuccess: false,
        error: { code: 'resending', message: `attempt ${attempts} ended invalid; the job is sent again` },
      });
      recollected.paid.set(jobId, {
        usd: usd ?? 0,
        attempts,
        answer,
        problem: answer === null ? null : await answerProblem(job, answer),
        providerBatchId: usd !== null ? result.providerBatchId : null,
      });
    } else {
      await write(options.writer, result);
      recollected.results.push(result);
    }
  }
  return recollected;
}

/** One batch's billed outcomes for the wanted jobs, read whole (a stream that broke is read again), or 'gone'. */
async function readBatch(
  provider: BatchProvider,
  ref: ProviderBatchRef,
  wanted: ReadonlyMap<string, NormalizedJob>,
  options: { prices: PriceTable; retry: Required<RetryOptions>; logger: Logger },
): Promise<Map<string, JobResult> | 'gone'> {
  const { retry, logger } = options;
  let delay = retry.initialDelayMs;
  for (let attempt = 1; ; attempt++) {
    const read = new Map<string, JobResult>();
    try {
      for await (const outcome of provider.results(ref)) {
        const job = wanted.get(jobIdOf(outcome.customId));
        if (!job || !billed(outcome)) continue;
        read.set(job.id, await buildResult(job, outcome, ref.id, options.prices, logger));
      }
      return read;
    } catch (error) {
      if (error instanceof ProviderError && error.statusCode === 404) {
        logger.warn(
          `provider batch ${ref.id} is gone (${messageOf(error)}): its answers cannot be read again`,
        );
        return 'gone';
      }
      if (attempt >= retry.attempts) {
        throw new BatchwiseError(
          'results_failed',
          `reading the results of provider batch ${ref.id} again failed: ${messageOf(error)}. Nothing was sent: run ` +
            'again to read them (the provider keeps them 29 days after the batch was created).',
          { cause: error },
        );
      }
      logger.warn(`reading provider batch ${ref.id} again failed, trying again: ${messageOf(error)}`);
      await sleep(delay);
      delay = Math.min(retry.maxDelayMs, delay * 2);
    }
  }
}

/** Written before it counts: not on disk, it would be paid again by the next resume. */
async function write(writer: ResultsWriter | undefined, result: JobResult): Promise<void> {
  try {
    await writer?.writeResult(result);
  } catch (error) {
    throw new BatchwiseError(
      'write_failed',
      `the answer of job "${result.jobId}", read again from provider batch ${result.providerBatchId}, could not be ` +
        `written to ${writer?.resultPath(result.jobId)}: ${messageOf(error)}. Nothing was sent.`,
      { jobId: result.jobId, cause: error },
    );
  }
}

/** `<submission id>_<job id>`: submission ids hold no "_", job ids may. */
function jobIdOf(customId: string): string {
  return customId.slice(customId.indexOf('_') + 1);
}

/** An answer that was paid for: a success, or a request that ran and was billed without a usable answer. */
function billed(outcome: JobOutcome): boolean {
  return outcome.status === 'succeeded' || outcome.billed !== undefined;
}
