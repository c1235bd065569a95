import type { ErrorInfo } from '../errors.js';
import type { ProviderName } from '../models/registry.js';
import type { Citation, JobResult, JobStatus, MappedCitation } from '../types.js';

/** The fields most results of a provider batch have in common: one object for all of them. */
interface ResultShape {
  status: JobStatus;
  isSuccess: boolean;
  provider: ProviderName;
  model: string;
  providerBatchId: string | null;
  stopReason: string | null;
  attempts: number;
}

/** What few results have: citations, their mappings, an error. */
interface ResultExtras {
  citations: Citation[];
  citationMappings: Record<string, MappedCitation[]>;
  error: ErrorInfo | null;
}

/**
 * A job's result as a run keeps it until the end: what is its own (id, answer, tokens, cost), one shared object for
 * what its provider batch's results have in common, and citations or an error only when it has them. A result of a
 * short answer takes a third of the memory of its {@link JobResult} (issue 14: a run holds every result to the end);
 * {@link toJobResult} gives the whole object back.
 */
export class StoredResult {
  private constructor(
    readonly jobId: string,
    private readonly rawResponse: string | null,
    private readonly parsedResponse: unknown,
    private readonly inputTokens: number,
    private readonly outputTokens: number,
    private readonly totalTokens: number,
    private readonly costUsd: number | null,
    private readonly shape: ResultShape,
    private readonly extras: ResultExtras | null,
  ) {}

  get status(): JobStatus {
    return this.shape.status;
  }

  get isSuccess(): boolean {
    return this.shape.isSuccess;
  }

  get error(): ErrorInfo | null {
    return this.extras?.error ?? null;
  }

  /** The result as it was stored: a new object each time, its answer, citations and error the same objects. */
  toJobResult(): JobResult {
    const { shape, extras } = this;
    return {
      jobId: this.jobId,
      status: shape.status,
      isSuccess: shape.isSuccess,
      rawResponse: this.rawResponse,
      parsedResponse: this.parsedResponse,
      citations: extras?.citations ?? [],
      citationMappings: extras?.citationMappings ?? {},
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      totalTokens: this.totalTokens,
      costUsd: this.costUsd,
      error: extras?.error ?? null,
      provider: shape.provider,
      model: shape.model,
      providerBatchId: shape.providerBatchId,
      stopReason: shape.stopReason,
      attempts: shape.attempts,
    };
  }

  /** `result` stored compactly, its common fields shared through `shapes`. */
  static of(result: JobResult, shapes: ResultShapes): StoredResult {
    // A result file of an older version read on resume may lack a field: it comes back empty.
    const hasExtras =
      (result.citations?.length ?? 0) > 0 ||
      Object.keys(result.citationMappings ?? {}).length > 0 ||
      (result.error ?? null) !== null;
    return new StoredResult(
      result.jobId,
      result.rawResponse,
      result.parsedResponse,
      result.inputTokens,
      result.outputTokens,
      result.totalTokens,
      result.costUsd,
      shapes.intern(result),
      hasExtras
        ? { citations: result.citations, citationMappings: result.citationMappings, error: result.error }
        : null,
    );
  }
}

/** One {@link ResultShape} per distinct set of common fields (a few per provider batch). */
export class ResultShapes {
  private readonly byKey = new Map<string, ResultShape>();

  intern(result: JobResult): ResultShape {
    const { status, isSuccess, provider, model, providerBatchId, stopReason, attempts } = result;
    const key = JSON.stringify([status, isSuccess, provider, model, providerBatchId, stopReason, attempts]);
    let shape = this.byKey.get(key);
    if (!shape) {
      shape = Object.freeze({ status, isSuccess, provider, model, providerBatchId, stopReason, attempts });
      this.byKey.set(key, shape);
    }
    return shape;
  }
}
