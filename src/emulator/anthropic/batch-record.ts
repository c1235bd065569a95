export interface StoredRequest {
  custom_id: string;
  params: Record<string, unknown>;
}

export interface ResultCounts {
  processing: number;
  succeeded: number;
  errored: number;
  canceled: number;
  expired: number;
}

export interface AnthropicBatchRecord {
  id: string;
  createdMs: number;
  processingMs: number;
  cancelMs: number;
  requests: StoredRequest[];
  cancelRequestedMs: number | null;
  expireCompletedShare: number | null;
  erroredShare: number;
  /** The `anthropic-version` header of the create: it decides which params fields are accepted. Absent in data
   * written before it was kept, which were all 2023-06-01. */
  apiVersion?: string;
  /** Set once the batch has ended and its results (kept as a blob) were written. */
  final: { endedMs: number; counts: ResultCounts } | null;
}

export interface Phase {
  status: 'in_progress' | 'canceling' | 'ended';
  /** Share of requests that ran; the rest end `canceled` or `expired`. */
  doneShare: number;
  outcomeOfUnrun: 'canceled' | 'expired';
  endedAtMs: number | null;
}

/** Where a batch is at `now`, derived from its timestamps so that a restarted emulator carries on. */
export function anthropicPhase(record: AnthropicBatchRecord, now: number): Phase {
  const end = record.createdMs + record.processingMs;
  if (record.cancelRequestedMs !== null) {
    const doneShare = Math.min(
      1,
      Math.max(0, (record.cancelRequestedMs - record.createdMs) / (record.processingMs || 1)),
    );
    const endedAt = record.cancelRequestedMs + record.cancelMs;
    if (now < endedAt) return { status: 'canceling', doneShare, outcomeOfUnrun: 'canceled', endedAtMs: null };
    return { status: 'ended', doneShare, outcomeOfUnrun: 'canceled', endedAtMs: endedAt };
  }
  if (now < end) return { status: 'in_progress', doneShare: 0, outcomeOfUnrun: 'expired', endedAtMs: null };
  return {
    status: 'ended',
    doneShare: record.expireCompletedShare ?? 1,
    outcomeOfUnrun: 'expired',
    endedAtMs: end,
  };
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

export function batchObject(
  record: AnthropicBatchRecord,
  phase: Phase,
  origin: string,
): Record<string, unknown> {
  const ended = record.final !== null;
  const counts: ResultCounts = record.final?.counts ?? {
    processing: record.requests.length,
    succeeded: 0,
    errored: 0,
    canceled: 0,
    expired: 0,
  };
  return {
    id: record.id,
    type: 'message_batch',
    processing_status: ended ? 'ended' : phase.status === 'ended' ? 'in_progress' : phase.status,
    request_counts: counts,
    ended_at: iso(record.final?.endedMs ?? null),
    created_at: iso(record.createdMs),
    expires_at: iso(record.createdMs + 86_400_000),
    archived_at: null,
    cancel_initiated_at: iso(record.cancelRequestedMs),
    results_url: ended ? `${origin}/v1/messages/batches/${record.id}/results` : null,
  };
}
