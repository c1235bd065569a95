import { citedBlocks } from '../citations/extract-citations.js';
import { mapCitations } from '../citations/map-citations.js';
import { messageOf } from '../errors.js';
import type { NormalizedJob } from '../jobs/normalized-job.js';
import { invalidOutputMessage, parseAnswer } from '../jobs/retry-note.js';
import type { Logger } from '../log/logger.js';
import { batchCost, type PriceTable } from '../pricing/prices.js';
import type { JobOutcome } from '../providers/provider.js';
import type { JobResult } from '../types.js';
import { outcomeToResult } from './to-job-result.js';

/**
 * The JobResult for a provider outcome: citations extracted; with a `responseModel`, the answer parsed and validated
 * with the job's own schema (a failure is status `invalid`, never a half-parsed success) and its fields mapped to
 * citations.
 */
export async function buildResult(
  job: NormalizedJob,
  outcome: JobOutcome,
  providerBatchId: string,
  prices: PriceTable,
  logger: Logger,
): Promise<JobResult> {
  // Requests that errored, expired or were cancelled are not billed; one that ran but gave no usable answer (an
  // OpenAI refusal, an empty answer cut by the token limit) is, and its tokens are kept.
  const usage =
    outcome.status === 'succeeded'
      ? outcome
      : (outcome.billed ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0 });
  const costUsd = batchCost(job.model, job.provider, usage, prices);
  const result = {
    ...outcomeToResult(job, outcome, providerBatchId),
    ...(outcome.status !== 'succeeded' &&
      outcome.billed && {
        inputTokens: usage.inputTokens,
        outputTokens: usage.outputTokens,
        totalTokens: usage.inputTokens + usage.outputTokens,
      }),
    attempts: job.attempt,
    costUsd,
  };
  if (outcome.status !== 'succeeded') return result;
  // Anthropic's document_index counts the job's PDF and text files, in order (images are not documents).
  const titles =
    job.content.kind === 'file' ? job.content.files.filter((f) => f.kind !== 'image').map((f) => f.name) : [];
  const blocks = citedBlocks(outcome.content, titles);
  const citations = blocks.flatMap((block) => block.citations);
  if (!job.output) return { ...result, citations };

  const parsed = await parseAnswer(job, outcome.text, job.output);
  if (!parsed.ok && parsed.notJson && outcome.truncated) {
    // Cut off by the token budget before its JSON was whole: not an answer the model got wrong, so not one
    // `retryInvalid` pays to ask again (the same budget would cut it again). A whole JSON answer that fails the
    // schema is invalid, however the model stopped.
    return {
      ...result,
      status: 'failed',
      isSuccess: false,
      citations,
      error: {
        code: 'output_truncated',
        message: `The answer was cut off at maxTokens (${job.maxTokens}) before it was complete, so it does not match responseModel (${parsed.message}). Raise maxTokens; it was not sent again, since the same budget would cut it again.`,
        issues: parsed.issues,
      },
    };
  }
  if (!parsed.ok) {
    return {
      ...result,
      status: 'invalid',
      isSuccess: false,
      citations,
      error: {
        code: 'invalid_output',
        message: invalidOutputMessage(job, parsed.message),
        issues: parsed.issues,
      },
    };
  }
  return {
    ...result,
    parsedResponse: parsed.value,
    citations,
    citationMappings: citations.length > 0 ? mappingsOf(job, blocks, parsed.json, logger) : {},
  };
}

/**
 * The field -> citations map, or none when mapping failed: the answer and its citations are paid for and valid, and
 * a flaw in the mapping heuristics must never cost the result (nor fail the batch's collection).
 */
function mappingsOf(
  job: NormalizedJob,
  blocks: ReturnType<typeof citedBlocks>,
  json: unknown,
  logger: Logger,
): JobResult['citationMappings'] {
  try {
    return mapCitations(blocks, json);
  } catch (error) {
    logger.warn(
      `job ${job.id}: mapping its citations to fields failed (${messageOf(error)}); the result keeps its citations without citationMappings`,
    );
    return {};
  }
}
