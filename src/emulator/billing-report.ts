import { anthropicPhase } from './anthropic/batch-record.js';
import { finalizeAnthropicBatch } from './anthropic/finalize.js';
import type { BilledTokens, BilledTotals, EmulatorBilling } from './billing.js';
import { openaiPhase } from './openai/batch-record.js';
import { finalizeOpenAIBatch } from './openai/finalize.js';
import type { StateContext } from './route.js';

/**
 * Ends (writing results, as a poll would) every batch in scope whose time has come, then adds up what the ledger
 * holds for them. Batches nobody polled are counted too.
 */
export async function collectBilling(context: StateContext): Promise<EmulatorBilling> {
  const { state } = context;
  const now = Date.now();
  const unfinished: EmulatorBilling['unfinished'] = [];
  for (const record of state.openaiBatches.all()) {
    if (record.final || !state.inBillingScope(record.id)) continue;
    const phase = openaiPhase(record, now);
    if (phase.terminal) {
      await state.finalizeOnce(record.id, () => finalizeOpenAIBatch(context, record, phase));
    } else {
      unfinished.push({ provider: 'openai', batchId: record.id });
    }
  }
  for (const record of state.anthropicBatches.all()) {
    if (record.final || !state.inBillingScope(record.id)) continue;
    const phase = anthropicPhase(record, now);
    if (phase.status === 'ended') {
      await state.finalizeOnce(record.id, () => finalizeAnthropicBatch(context, record, phase));
    } else {
      unfinished.push({ provider: 'anthropic', batchId: record.id });
    }
  }

  const billing: EmulatorBilling = { requests: [], byBatch: {}, byModel: {}, total: zero(), unfinished };
  for (const entry of state.billing.all()) {
    if (!state.inBillingScope(entry.id)) continue;
    const batch = { provider: entry.provider, ...zero() };
    billing.byBatch[entry.id] = batch;
    for (const { customId, model, ...tokens } of entry.requests) {
      billing.requests.push({ provider: entry.provider, batchId: entry.id, customId, model, ...tokens });
      billing.byModel[model] ??= zero();
      for (const totals of [batch, billing.byModel[model], billing.total]) add(totals, tokens);
    }
  }
  return billing;
}

function zero(): BilledTotals {
  return {
    requests: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
    cacheWrite1hTokens: 0,
  };
}

function add(totals: BilledTotals, tokens: BilledTokens): void {
  totals.requests++;
  totals.inputTokens += tokens.inputTokens;
  totals.outputTokens += tokens.outputTokens;
  totals.cacheReadTokens += tokens.cacheReadTokens;
  totals.cacheWriteTokens += tokens.cacheWriteTokens;
  totals.cacheWrite1hTokens += tokens.cacheWrite1hTokens;
}
