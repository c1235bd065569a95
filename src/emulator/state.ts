import type { AnthropicBatchRecord } from './anthropic/batch-record.js';
import type { BillingRecord } from './billing.js';
import type { OpenAIBatchRecord } from './openai/batch-record.js';
import type { StoredFile } from './openai/files.js';
import { Collection } from './store.js';

/** Counters tests use to assert what reached the "provider", e.g. that a batch was created exactly once. */
export interface EmulatorStats {
  /** Calls per route, keyed `METHOD /path` with ids as `{id}`; unknown routes count under `unknown`. */
  calls: Record<string, number>;
  batchesCreated: { openai: number; anthropic: number };
  /** The most batches that were unfinished at the same moment, counted at each create. */
  maxActiveBatches: { openai: number; anthropic: number };
  createdBatchIds: { openai: string[]; anthropic: string[] };
  /** OpenAI file uploads, and how many came streamed (chunked, no Content-Length). */
  uploads: { total: number; streamed: number };
  /** Calls a `late` fault answered that have yet to take effect (or are taking it). */
  lateCallsPending: number;
}

export class EmulatorState {
  readonly files: Collection<StoredFile>;
  readonly openaiBatches: Collection<OpenAIBatchRecord>;
  readonly anthropicBatches: Collection<AnthropicBatchRecord>;
  /** What each ended batch billed, kept apart so that deleting a batch or its output file does not unbill it. */
  readonly billing: Collection<BillingRecord>;
  readonly stats: EmulatorStats = emptyStats();
  /** Finalisation in progress per batch id, so that concurrent polls generate results once. */
  readonly finalizing = new Map<string, Promise<void>>();
  /** Where deleted files stood in the list, so that a list cursor naming one still works. */
  readonly deletedFiles = new Map<string, StoredFile>();
  /** Batches `billing()` covers: null means every batch known, otherwise those created since `resetStats()`. */
  private billingScope: Set<string> | null = null;
  private lastFileSequence: number | undefined;

  constructor(dataDir: string | undefined) {
    this.files = new Collection(dataDir, 'openai-files');
    this.openaiBatches = new Collection(dataDir, 'openai-batches');
    this.anthropicBatches = new Collection(dataDir, 'anthropic-batches');
    this.billing = new Collection(dataDir, 'billing');
  }

  /** Runs `finalize` once per id, however many callers arrive while it runs. */
  async finalizeOnce(id: string, finalize: () => Promise<void>): Promise<void> {
    let pending = this.finalizing.get(id);
    if (!pending) {
      pending = finalize().finally(() => this.finalizing.delete(id));
      this.finalizing.set(id, pending);
    }
    await pending;
  }

  noteCreated(provider: 'openai' | 'anthropic', id: string, activeNow: number): void {
    this.stats.batchesCreated[provider]++;
    this.stats.createdBatchIds[provider].push(id);
    this.stats.maxActiveBatches[provider] = Math.max(this.stats.maxActiveBatches[provider], activeNow);
    this.billingScope?.add(id);
  }

  /**
   * Ends the processing of every batch still in progress now, as if its time had come: its processing time is cut to
   * what has passed. Cancelled batches and batches already past their time are left alone. Returns how many.
   */
  async finishProcessing(now = Date.now()): Promise<number> {
    let finished = 0;
    for (const collection of [this.openaiBatches, this.anthropicBatches] as Collection<
      OpenAIBatchRecord | AnthropicBatchRecord
    >[]) {
      for (const record of collection.all()) {
        if (record.final || record.cancelRequestedMs !== null) continue;
        if (record.createdMs + record.processingMs <= now) continue;
        record.processingMs = Math.max(0, now - record.createdMs);
        await collection.save(record);
        finished++;
      }
    }
    return finished;
  }

  /** Zeroes the counters; from now on `billing()` covers only batches created after this call. */
  resetStats(): void {
    Object.assign(this.stats, emptyStats());
    this.billingScope = new Set();
  }

  inBillingScope(batchId: string): boolean {
    return this.billingScope === null || this.billingScope.has(batchId);
  }

  /** A number that grows with every stored file, across restarts: orders files created within the same ms. */
  nextFileSequence(): number {
    this.lastFileSequence ??= this.files.all().reduce((max, file) => Math.max(max, file.sequence ?? 0), 0);
    this.lastFileSequence++;
    return this.lastFileSequence;
  }
}

function emptyStats(): EmulatorStats {
  return {
    calls: {},
    batchesCreated: { openai: 0, anthropic: 0 },
    maxActiveBatches: { openai: 0, anthropic: 0 },
    createdBatchIds: { openai: [], anthropic: [] },
    uploads: { total: 0, streamed: 0 },
    lateCallsPending: 0,
  };
}
