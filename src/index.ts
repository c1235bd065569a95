/**
 * batchwise: thousands of LLM requests through the OpenAI and Anthropic batch APIs at half price, behind one typed
 * builder.
 *
 * @example
 * ```ts
 * import { Batch } from 'batchwise';
 *
 * const run = await new Batch({ resultsDir: './results' })
 *   .defaults({ model: 'claude-haiku-4-5', maxTokens: 512 })
 *   .addJob({ messages: [{ role: 'user', content: 'Sentiment of: great product!' }] })
 *   .run({ wait: true });
 * console.log(run.results());
 * ```
 * @module batchwise
 */
export type { BatchOptions, RunOptions } from './batch.js';
export { Batch } from './batch.js';
export type { ErrorInfo } from './errors.js';
export {
  BatchwiseError,
  ConfigurationError,
  JobValidationError,
  ProviderError,
  WaitTimeoutError,
} from './errors.js';
export type { Logger, Verbosity } from './log/logger.js';
export type { AssumedFact, ModelInfo, ModelRegistration, ProviderName } from './models/registry.js';
export { findModel, knownModelNames, registerModel } from './models/registry.js';
export type { ModelPrice, PriceTable, TokenUsage } from './pricing/prices.js';
export { BATCH_DISCOUNT, batchCost, hasPrice } from './pricing/prices.js';
export type { AnthropicProviderOptions } from './providers/anthropic/anthropic-provider.js';
export type { OpenAIProviderOptions } from './providers/openai/openai-provider.js';
export type { PollOptions, RetryOptions, StatusReport } from './run/batch-run.js';
export { BatchRun } from './run/batch-run.js';
export type { DryRunBatch, DryRunJob, DryRunReport } from './run/dry-run.js';
export type { BatchRunEvents, ProviderBatchInfo, ProviderBatchStatus } from './run/events.js';
export type { BatchPhase } from './run/machine/batch-phase.js';
export { StateFileError } from './store/state-journal.js';
export type { InferOutput, ResponseSchema, StandardResult } from './structured/schema.js';
export type {
  AnthropicRequestOptions,
  Citation,
  FileInput,
  JobInput,
  JobResult,
  JobSettings,
  JobStatus,
  MappedCitation,
  Message,
  ModelName,
  OpenAIRequestOptions,
  Progress,
  ProviderOptions,
  ReasoningEffort,
} from './types.js';
