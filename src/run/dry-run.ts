import { loadJobFiles } from '../content/load-file.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import type { Logger } from '../log/logger.js';
import type { ProviderName } from '../models/registry.js';
import { estimateJob, type TokenEstimate, worstCaseUsage } from '../pricing/estimate.js';
import { batchCost, type PriceTable, sumCosts } from '../pricing/prices.js';
import type { BatchProvider } from '../providers/provider.js';
import type { JobResult } from '../types.js';
import { customIdOf, newSubmissionId } from './machine/provider-batch.js';
import { planBatches } from './plan-batches.js';
import type { RetryOptions } from './run-config.js';
import { Semaphore } from './semaphore.js';
import { withRetry } from './with-retry.js';

/** One job as a dry run sees it. */
export interface DryRunJob {
  jobId: string;
  provider: ProviderName;
  model: string;
  batchIndex: number;
  /**
   * The request exactly as it would be sent (Anthropic `{custom_id, params}`; OpenAI the JSONL line), its
   * `custom_id` carrying its batch's submission id as a run sends it (a run draws its own submission ids).
   */
  request: Record<string, unknown>;
  /** Exact when `inputTokensSource` is `counted`; otherwise an upper estimate (docs/cost.md). */
  estimatedInputTokens: number;
  /**
   * `counted`: by the provider's token-counting endpoint (`dryRun({ countTokens: true })`, Anthropic jobs);
   * `estimated`: offline (OpenAI: the real tokenizer; Claude: a measured bound).
   */
  inputTokensSource: 'counted' | 'estimated';
  estimatedOutputTokens: number;
  /** Null when the model has no known price. */
  estimatedCostUsd: number | null;
  /** Whether the cost limit would hold this job back if every job cost its estimate. */
  stoppedByCostLimit: boolean;
}

export interface DryRunBatch {
  index: number;
  /** The 8-character prefix of this batch's custom_ids (drawn for the dry run; a run draws its own). */
  submissionId: string;
  provider: ProviderName;
  model: string;
  jobIds: string[];
  estimatedCostUsd: number | null;
}

/** What a run would send and cost, found with no network call (unless a `sample` was asked for). */
export interface DryRunReport {
  jobs: DryRunJob[];
  batches: DryRunBatch[];
  totals: { jobs: number; inputTokens: number; outputTokens: number; estimatedCostUsd: number | null };
  costLimitUsd: number | null;
  /** Jobs a cost limit would stop if every job cost its estimate (results that cost less free budget for them). */
  stoppedByCostLimit: string[];
  /**
   * What `addJob` warned about, once each: models shutting down soon (with their replacement), capabilities assumed
   * for models the family table leaves open (docs/models.md).
   */
  warnings: string[];
  /** Present with `dryRun({ sample })`: a real run of a few jobs, and the total extrapolated from their actual usage. */
  sample?: {
    jobIds: string[];
    results: Record<string, JobResult>;
    actualCostUsd: number | null;
    estimatedCostUsd: number | null;
    /** totals.estimatedCostUsd x actual / estimated of the sample. */
    extrapolatedCostUsd: number | null;
  };
}

export interface DryRunInput {
  jobs: NormalizedJob[];
  providers: ReadonlyMap<ProviderName, BatchProvider>;
  itemsPerBatch: number;
  costLimitUsd: number | undefined;
  prices: PriceTable;
  /** Count input tokens with the providers' counting endpoints (where there is one) instead of estimating them. */
  countTokens?: TokenCounting;
}

export interface TokenCounting {
  /** Count requests in flight at once. */
  concurrency: number;
  retry: Required<RetryOptions>;
  logger: Logger;
}

/**
 * Builds every request and estimate, one file at a time; sends nothing but, with `countTokens`, token-count
 * requests (at most `concurrency` at once, retried like other reads).
 */
export async function dryRun(input: DryRunInput): Promise<DryRunReport> {
  const planned = planBatches(input.jobs, {
    itemsPerBatch: input.itemsPerBatch,
    limitsFor: (provider) => input.providers.get(provider)!.limits,
  });
  const counting = input.countTokens;
  const slots = new Semaphore(counting?.concurrency ?? 1);
  const built: {
    job: NormalizedJob;
    entry: Omit<DryRunJob, 'estimatedCostUsd' | 'stoppedByCostLimit'>;
    counted?: Promise<number>;
    estimate: TokenEstimate;
  }[] = [];
  const submissionIds = new Map<number, string>();
  for (const batch of planned) {
    const provider = input.providers.get(batch.provider)!;
    const submissionId = newSubmissionId();
    submissionIds.set(batch.index, submissionId);
    for (const job of batch.jobs) {
      const files = await loadJobFiles(job);
      const request = provider.toRequest(job, files);
      const estimate = await estimateJob(job, request.body, files);
      let counted: Promise<number> | undefined;
      if (counting && provider.countTokens) {
        const count = provider.countTokens.bind(provider);
        await slots.acquire();
        counted = withRetry(
          `Token count of job ${job.id}`,
          () => count(request.body),
          counting.retry,
          counting.logger,
        ).finally(() => slots.release());
        // Awaited below in job order; until then a failure must not count as unhandled.
        counted.catch(() => undefined);
      }
      built.push({
        job,
        ...(counted && { counted }),
        estimate,
        entry: {
          jobId: job.id,
          provider: job.provider,
          model: job.model,
          batchIndex: batch.index,
          request: JSON.parse(
            provider.toWireLine({ ...request, customId: customIdOf(submissionId, job.id) }),
          ),
          estimatedInputTokens: estimate.inputTokens,
          inputTokensSource: 'estimated',
          estimatedOutputTokens: estimate.outputTokens,
        },
      });
    }
  }

  const jobs: DryRunJob[] = [];
  const costsByBatch = new Map<number, (number | null)[]>();
  let committed = 0;
  for (const { job, entry, counted, estimate } of built) {
    if (counted) {
      entry.estimatedInputTokens = await counted;
      entry.inputTokensSource = 'counted';
    }
    const cost = batchCost(
      job.model,
      job.provider,
      worstCaseUsage({
        ...estimate,
        inputTokens: entry.estimatedInputTokens,
        outputTokens: entry.estimatedOutputTokens,
      }),
      input.prices,
    );
    let stopped = false;
    if (input.costLimitUsd !== undefined && cost !== null) {
      stopped = committed + cost > input.costLimitUsd + 1e-12;
      if (!stopped) committed += cost;
    }
    const costs = costsByBatch.get(entry.batchIndex) ?? [];
    costs.push(cost);
    costsByBatch.set(entry.batchIndex, costs);
    jobs.push({ ...entry, estimatedCostUsd: cost, stoppedByCostLimit: stopped });
  }
  const batches: DryRunBatch[] = planned.map((batch) => ({
    index: batch.index,
    submissionId: submissionIds.get(batch.index)!,
    provider: batch.provider,
    model: batch.model,
    jobIds: batch.jobs.map((job) => job.id),
    estimatedCostUsd: sumCosts(costsByBatch.get(batch.index) ?? []),
  }));
  return {
    jobs,
    batches,
    totals: {
      jobs: jobs.length,
      inputTokens: jobs.reduce((total, job) => total + job.estimatedInputTokens, 0),
      outputTokens: jobs.reduce((total, job) => total + job.estimatedOutputTokens, 0),
      estimatedCostUsd: sumCosts(jobs.map((job) => job.estimatedCostUsd)),
    },
    costLimitUsd: input.costLimitUsd ?? null,
    stoppedByCostLimit: jobs.filter((job) => job.stoppedByCostLimit).map((job) => job.jobId),
    warnings: [...new Set(input.jobs.flatMap((job) => job.warnings ?? []))],
  };
}

/** An even spread of about `share` of the jobs, at least one. */
export function sampleJobs(jobs: NormalizedJob[], share: number): NormalizedJob[] {
  const count = Math.max(1, Math.min(jobs.length, Math.ceil(jobs.length * share)));
  const step = jobs.length / count;
  return Array.from({ length: count }, (_, i) => jobs[Math.floor(i * step)]!);
}
