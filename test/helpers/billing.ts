import type { BilledRequest } from '../../src/emulator/billing.js';
import { batchCost } from '../../src/pricing/prices.js';

/**
 * What the emulator billed for one request, in dollars at the batch price. The emulator reports input billed at the
 * full price apart from cache reads and writes; `batchCost` takes the whole input with the cache's share named.
 */
export function billedCost(request: BilledRequest): number | null {
  return batchCost(request.model, request.provider, {
    ...request,
    inputTokens: request.inputTokens + request.cacheReadTokens + request.cacheWriteTokens,
  });
}
