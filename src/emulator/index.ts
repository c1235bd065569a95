/**
 * A local emulator of the OpenAI Batch + Files and Anthropic Message Batches APIs that the official clients talk to
 * over real HTTP, for developing and testing batch code with no network and no API keys.
 *
 * @example
 * ```ts
 * import { startEmulator } from 'batchwise/emulator';
 * import Anthropic from '@anthropic-ai/sdk';
 *
 * const emulator = await startEmulator({ processingMs: 100 });
 * const client = new Anthropic({ apiKey: 'test', baseURL: emulator.anthropicBaseURL });
 * // ... client.messages.batches.create(...)
 * await emulator.close();
 * ```
 * @module batchwise/emulator
 */

export type { BilledRequest, BilledTokens, BilledTotals, EmulatorBilling } from './billing.js';
export type { Provider } from './http.js';
export type { ExtraModels } from './models.js';
export type {
  BatchLimits,
  CitedShape,
  EmulatorOptions,
  FaultKind,
  FaultRule,
  LineValidator,
} from './options.js';
export { DEFAULT_LIMITS } from './options.js';
export type { EmulatedAnswer, EmulatedRequest, RespondHook, TokenUsage } from './respond/answer.js';
export { CITED_SHAPES } from './respond/cited-json.js';
export { anthropicImageTokens, openaiImageTokens } from './respond/image-tokens.js';
export type { TextCounter } from './respond/tokens.js';
export { textCounter } from './respond/tokens.js';
export type { Emulator, EmulatorSettings } from './server.js';
export { startEmulator } from './server.js';
export type { EmulatorStats } from './state.js';
