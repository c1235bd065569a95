const MARKER = Symbol.for('batchwise.error');

/** Plain, serialisable error data: the shape kept in results and the state file. */
export interface ErrorInfo {
  message: string;
  code: string;
  type?: string;
  statusCode?: number;
}

/**
 * Base of every error batchwise throws. `code` is stable and machine-readable; the message names the job (where
 * there is one) and the fix. Recognised across duplicate package copies by {@link BatchwiseError.isInstance}.
 */
export class BatchwiseError extends Error {
  readonly [MARKER] = true;
  readonly code: string;
  readonly jobId: string | undefined;
  readonly isRetryable: boolean;

  constructor(
    code: string,
    message: string,
    options: { jobId?: string; cause?: unknown; isRetryable?: boolean } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.jobId = options.jobId;
    this.isRetryable = options.isRetryable ?? false;
  }

  static isInstance(value: unknown): value is BatchwiseError {
    return typeof value === 'object' && value !== null && (value as Record<symbol, unknown>)[MARKER] === true;
  }

  toJSON(): ErrorInfo {
    return { message: this.message, code: this.code };
  }
}
