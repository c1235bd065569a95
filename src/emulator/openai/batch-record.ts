export interface ValidationError {
  code: string;
  message: string;
  param: string | null;
  line: number | null;
}

export interface OpenAIBatchRecord {
  id: string;
  endpoint: string;
  inputFileId: string;
  completionWindow: string;
  metadata: Record<string, string> | null;
  model: string | null;
  createdMs: number;
  processingMs: number;
  cancelMs: number;
  requestCount: number;
  /** Prompt tokens this batch holds against its model's enqueued-token limit while it has not ended. */
  enqueuedTokens?: number;
  validationErrors: ValidationError[] | null;
  cancelRequestedMs: number | null;
  /** Set when the batch was created under the emulator's `expire` knob. */
  expireCompletedShare: number | null;
  erroredShare: number;
  final: {
    status: 'completed' | 'failed' | 'expired' | 'cancelled';
    endedMs: number;
    outputFileId: string | null;
    errorFileId: string | null;
    counts: { total: number; completed: number; failed: number };
    usage: { input_tokens: number; output_tokens: number; total_tokens: number };
  } | null;
}

export type OpenAIStatus =
  | 'validating'
  | 'failed'
  | 'in_progress'
  | 'finalizing'
  | 'completed'
  | 'expired'
  | 'cancelling'
  | 'cancelled';

export interface Phase {
  status: OpenAIStatus;
  terminal: boolean;
  /** Share of requests done so far (the partial share of an expired or cancelled batch once it ends). */
  doneShare: number;
  inProgressAtMs: number | null;
  finalizingAtMs: number | null;
  endedAtMs: number | null;
}

/** Where a batch is at `now`: derived from its timestamps, so a restarted emulator picks up where it was. */
export function openaiPhase(record: OpenAIBatchRecord, now: number): Phase {
  const validatedAt = record.createdMs + record.processingMs * 0.1;
  const progressEnd = record.createdMs + record.processingMs * 0.9;
  const end = record.createdMs + record.processingMs;
  const progressAt = (t: number) => clamp((t - validatedAt) / (progressEnd - validatedAt || 1));
  const base = { inProgressAtMs: null, finalizingAtMs: null, endedAtMs: null };

  if (record.validationErrors) {
    if (now < validatedAt) return { ...base, status: 'validating', terminal: false, doneShare: 0 };
    return { ...base, status: 'failed', terminal: true, doneShare: 0, endedAtMs: validatedAt };
  }
  if (record.cancelRequestedMs !== null) {
    const share = progressAt(record.cancelRequestedMs);
    const cancelledAt = record.cancelRequestedMs + record.cancelMs;
    const inProgressAtMs = record.cancelRequestedMs >= validatedAt ? validatedAt : null;
    if (now < cancelledAt)
      return { ...base, inProgressAtMs, status: 'cancelling', terminal: false, doneShare: share };
    return {
      ...base,
      inProgressAtMs,
      status: 'cancelled',
      terminal: true,
      doneShare: share,
      endedAtMs: cancelledAt,
    };
  }
  if (now < validatedAt) return { ...base, status: 'validating', terminal: false, doneShare: 0 };
  if (record.expireCompletedShare !== null) {
    if (now < end) {
      const share = Math.min(progressAt(now), record.expireCompletedShare);
      return {
        ...base,
        status: 'in_progress',
        terminal: false,
        doneShare: share,
        inProgressAtMs: validatedAt,
      };
    }
    return {
      status: 'expired',
      terminal: true,
      doneShare: record.expireCompletedShare,
      inProgressAtMs: validatedAt,
      finalizingAtMs: null,
      endedAtMs: end,
    };
  }
  if (now < progressEnd) {
    return {
      ...base,
      status: 'in_progress',
      terminal: false,
      doneShare: progressAt(now),
      inProgressAtMs: validatedAt,
    };
  }
  if (now < end) {
    return {
      status: 'finalizing',
      terminal: false,
      doneShare: 1,
      inProgressAtMs: validatedAt,
      finalizingAtMs: progressEnd,
      endedAtMs: null,
    };
  }
  return {
    status: 'completed',
    terminal: true,
    doneShare: 1,
    inProgressAtMs: validatedAt,
    finalizingAtMs: progressEnd,
    endedAtMs: end,
  };
}

function clamp(value: number): number {
  return Math.min(1, Math.max(0, value));
}

const seconds = (ms: number | null) => (ms === null ? null : Math.floor(ms / 1000));

/** The batch object exactly as the API returns it: every field present, unset ones null. */
export function batchObject(record: OpenAIBatchRecord, phase: Phase): Record<string, unknown> {
  const final = record.final;
  const status = final ? final.status : phase.status;
  const counts = final
    ? final.counts
    : phase.status === 'validating' || phase.status === 'failed'
      ? { total: 0, completed: 0, failed: 0 }
      : {
          total: record.requestCount,
          completed: Math.floor(record.requestCount * phase.doneShare),
          failed: 0,
        };
  const endedAt = seconds(phase.endedAtMs);
  return {
    id: record.id,
    object: 'batch',
    endpoint: record.endpoint,
    model: record.model,
    errors: record.validationErrors ? { object: 'list', data: record.validationErrors } : null,
    input_file_id: record.inputFileId,
    completion_window: record.completionWindow,
    status,
    output_file_id: final?.outputFileId ?? null,
    error_file_id: final?.errorFileId ?? null,
    created_at: seconds(record.createdMs),
    in_progress_at: seconds(phase.inProgressAtMs),
    expires_at: seconds(record.createdMs + 86_400_000),
    finalizing_at: seconds(phase.finalizingAtMs),
    completed_at: status === 'completed' ? endedAt : null,
    failed_at: status === 'failed' ? endedAt : null,
    expired_at: status === 'expired' ? endedAt : null,
    cancelling_at: seconds(record.cancelRequestedMs),
    cancelled_at: status === 'cancelled' ? endedAt : null,
    request_counts: counts,
    usage: final?.usage
      ? {
          input_tokens: final.usage.input_tokens,
          input_tokens_details: { cached_tokens: 0 },
          output_tokens: final.usage.output_tokens,
          output_tokens_details: { reasoning_tokens: 0 },
          total_tokens: final.usage.total_tokens,
        }
      : null,
    metadata: record.metadata,
  };
}
