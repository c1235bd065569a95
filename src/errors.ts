const MARKER = Symbol.for('batchwise.error');

/** Plain, serialisable error data: the shape kept in results and the state file. */
export interface ErrorInfo {
  message: string;
  code: string;
  type?: string;
  statusCode?: number;
  /** Where an answer failed validation (status `invalid`). */
  issues?: { path: string; message: string }[];
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

/** A job given to `addJob` breaks a rule; nothing was sent. `jobId` names the job, the message the fix. */
export class JobValidationError extends BatchwiseError {}

/** The batch's options or limits are wrong (`new Batch`, `addCostLimit`, `addTimeLimit`, `run` with no jobs). */
export class ConfigurationError extends BatchwiseError {}

/** `run.wait({ timeoutMs })` ran out of time; the run itself keeps going. */
export class WaitTimeoutError extends BatchwiseError {
  constructor(timeoutMs: number) {
    super(
      'wait_timeout',
      `The run did not finish within ${timeoutMs} ms; it keeps running. Call wait() again or shutdown().`,
    );
  }
}

/** A provider call failed; `isRetryable` says whether trying again may help. */
export class ProviderError extends BatchwiseError {
  readonly statusCode: number | undefined;
  /**
   * For a create or an upload: the call may have taken effect although it failed (a lost response, a timeout, a
   * 5xx). Such a call is looked up before it is tried again, never simply repeated.
   */
  readonly maybeDone: boolean;

  constructor(
    code: string,
    message: string,
    options: {
      statusCode?: number;
      cause?: unknown;
      isRetryable?: boolean;
      jobId?: string;
      maybeDone?: boolean;
    } = {},
  ) {
    super(code, message, options);
    this.statusCode = options.statusCode;
    this.maybeDone = options.maybeDone ?? false;
  }
}

/** The message of anything thrown. */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
