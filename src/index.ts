/**
 * batchwise: thousands of LLM requests through the OpenAI and Anthropic batch APIs at half price, behind one typed,
 * crash-safe builder.
 * @module
 */
export type { ErrorInfo } from './errors.js';
export { BatchwiseError } from './errors.js';
