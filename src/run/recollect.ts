import { BatchwiseError, messageOf } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import type { Logger } from '../log/logger.js';
import type { ProviderName } from '../models/registry.js';
import type { PriceTable } from '../pricing/prices.js';
import type { BatchProvider, JobOutcome } from '../providers/provider.js';
import type { ResultsWriter } from '../store/results-writer.js';
import type { JobResult } from '../types.js';
import { buildResult } from './build-result.js';

/**
 * Reads again, from the provider batches a resumed state had, the answers of jobs it would otherwise send: their
 * result files are gone (a results directory deleted or cleaned after their batches ended), but the providers keep a
 * batch's results for 29 days, and sending the jobs again would pay for them twice. Batches are read newest first and
 * a job takes the first answer found (the last one it was paid for); only billed outcomes count, since an errored or
 * expired request was never an answer, and an `invalid` one is left out (it may have been sent again after it). Each answer is written before it is
 * returned. A batch that cannot be read (gone past its 29 days, a provider down) is skipped with a warning: its jobs
 * are sent again, as they would have been.
 */
export async function recollect(options: {
  /** The jobs the resume would send; those found are not sent. */
  jobs: readonly NormalizedJob[];
  /** The state's provider batches, oldest first. */
  batches: readonly { provider: ProviderName; id: string }[];
  providers: ReadonlyMap<ProviderName, BatchProvider>;
  writer: ResultsWriter | undefined;
  prices: PriceTable;
  logger: Logger;
}): Promise<JobResult[]> {
  const { providers, writer, logger } = options;
  const wanted = new Map(options.jobs.map((job) => [job.id, job]));
  const found: JobResult[] = [];
  for (const ref of [...options.batches].reverse()) {
    if (wanted.size === 0) break;
    const provider = providers.get(ref.provider);
    if (!provider) continue;
    try {
      for await (const outcome of provider.results(ref)) {
        const job = wanted.get(jobIdOf(outcome.customId));
        if (!job || !billed(outcome)) continue;
        const result = await buildResult(job, outcome, ref.id, options.prices, logger);
        // An answer that failed its schema may have been sent again (`retryInvalid`) after it: the job goes out.
        if (result.status === 'invalid') continue;
        try {
          await writer?.writeResult(result);
        } catch (error) {
          // Not on disk, it would be paid again by the next resume: nothing is sent until it can be written.
          throw new BatchwiseError(
            'write_failed',
            `the answer of job "${job.id}", read again from provider batch ${ref.id}, could not be written to ` +
              `${writer?.resultPath(job.id)}: ${messageOf(error)}. Nothing was sent.`,
            { jobId: job.id, cause: error },
          );
        }
        wanted.delete(job.id);
        found.push(result);
      }
    } catch (error) {
      if (error instanceof BatchwiseError && error.code === 'write_failed') throw error;
      logger.warn(`could not read the results of provider batch ${ref.id} again: ${messageOf(error)}`);
    }
  }
  return found;
}

/** `<submission id>_<job id>`: submission ids hold no "_", job ids may. */
function jobIdOf(customId: string): string {
  return customId.slice(customId.indexOf('_') + 1);
}

/** An answer that was paid for: a success, or a request that ran and was billed without a usable answer. */
function billed(outcome: JobOutcome): boolean {
  return outcome.status === 'succeeded' || outcome.billed !== undefined;
}
