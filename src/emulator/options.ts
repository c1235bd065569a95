import type { ExtraModels } from './models.js';
import type { RespondHook } from './respond/answer.js';
import { CITED_SHAPES, type CitedShape } from './respond/cited-json.js';

export type { CitedShape } from './respond/cited-json.js';

/** Request-count and byte limits of one provider's batch endpoint. */
export interface BatchLimits {
  maxRequests: number;
  maxBytes: number;
  /**
   * OpenAI only: prompt tokens that may be enqueued per model (in batches not yet ended) for the organisation. A
   * batch that would pass it fails validation with `token_limit_exceeded`, as the real service does; unset models
   * have no limit.
   */
  enqueuedTokens?: Record<string, number>;
}

export type FaultKind = 'status' | 'reset' | 'truncate' | 'lost' | 'status-after' | 'late';

/** A rule that makes some calls fail the way a real service sometimes does. */
export interface FaultRule {
  /** `METHOD /path` with ids as `{id}`, e.g. `POST /v1/messages/batches`; `*` or absent matches every route. */
  route?: string;
  /**
   * Before the call is processed: `status` answers with `status` (429 carries `retry-after`); `reset` destroys the
   * socket. After it was processed in full (a batch or file created, a cancel taken effect): `lost` destroys the
   * socket without sending a byte, `status-after` answers with `status` in the provider's error shape instead of the
   * real answer (a gateway timing out after the backend did the work), `truncate` sends the headers and half of the
   * body, then destroys the socket. `late` answers `status` (default 504) at once and processes the call `lateMs`
   * later: a gateway that gave up on a call the backend was still working on. Default `status`.
   */
  kind?: FaultKind;
  /** HTTP status for `kind: 'status'`, `'status-after'` and `'late'`. Default 500 (504 for `late`). */
  status?: number;
  /** For `kind: 'late'`: how long after the error the call takes effect, in milliseconds. Default 1000. */
  lateMs?: number;
  /** Share of matching calls that fail, 0..1 (seeded, so repeatable). Default 1. */
  share?: number;
  /** Fail this many matching calls, then drop the rule. Default: unlimited. */
  times?: number;
  /** Seconds sent in `retry-after` with a 429/529. Default 0. */
  retryAfterSeconds?: number;
  /**
   * The error's message quotes the request's headers, API key included, as a misconfigured proxy or a debugging
   * gateway in front of a provider may do: a client must not store, log or rethrow such a body as it came.
   */
  echoHeaders?: boolean;
}

export interface EmulatorOptions {
  /** Port on 127.0.0.1. Default 0 (a free port). */
  port?: number;
  host?: string;
  /** When set, only this key is accepted; otherwise any non-empty key is. */
  apiKey?: string;
  /** Time from creation until a batch has ended (OpenAI: validating 10%, in_progress 80%, finalizing 10%). */
  processingMs?: number;
  /** Time a cancel takes (`cancelling`/`canceling` -> ended). Default: a tenth of processingMs. */
  cancelMs?: number;
  /** Where batches and files are kept so that a restarted emulator still knows them. Default: memory only. */
  dataDir?: string;
  limits?: { openai?: Partial<BatchLimits>; anthropic?: Partial<BatchLimits> };
  faults?: FaultRule[];
  /** Share of requests (chosen by a hash of batch and custom_id) answered with an error row. */
  erroredShare?: number;
  /** Batches created while this is set expire once this share of their requests is done. */
  expire?: { completedShare: number } | null;
  /** Seeds fault shares and the shape of each cited answer. Default 1. */
  seed?: number;
  /**
   * The shapes a JSON answer with citations may take, one chosen per request by the seed and its custom_id:
   * `whole-json`, `fenced-recap`, `label-value`, `joiners` (docs/emulator.md). Default: all four.
   */
  citedShapes?: CitedShape[];
  /** Script the answer to any request; return undefined to get the default answer. */
  respond?: RespondHook;
  /**
   * Script a validation failure of an OpenAI input line (as `token_limit_exceeded` or a bad line would be): return
   * `{ code, message }` and the batch fails with it in `errors.data`, naming that line.
   */
  validateLine?: LineValidator;
  /**
   * Model names served besides the providers' own (src/emulator/models.ts), as an organisation's private models
   * are: any other name is refused as the real services refuse it.
   */
  models?: ExtraModels;
  /**
   * Anthropic: the workspace's default inference geo (`default_inference_geo`), where a request that sets no
   * `inference_geo` runs on Claude Opus 4.6 and later. Default `global`.
   */
  defaultInferenceGeo?: 'global' | 'us';
}

export type LineValidator = (
  line: { customId: string; body: Record<string, unknown> },
  lineNumber: number,
) => { code: string; message: string } | undefined;

export interface ResolvedOptions {
  apiKey: string | undefined;
  processingMs: number;
  cancelMs: number | undefined;
  limits: { openai: BatchLimits; anthropic: BatchLimits };
  erroredShare: number;
  expire: { completedShare: number } | null;
  respond: RespondHook | undefined;
  validateLine: LineValidator | undefined;
  seed: number;
  citedShapes: CitedShape[];
  models: ExtraModels;
  defaultInferenceGeo: 'global' | 'us';
}

export const DEFAULT_LIMITS = {
  openai: { maxRequests: 50_000, maxBytes: 200 * 1024 * 1024 },
  anthropic: { maxRequests: 100_000, maxBytes: 256 * 1024 * 1024 },
} as const;

export function resolveOptions(options: EmulatorOptions): ResolvedOptions {
  return {
    apiKey: options.apiKey,
    processingMs: options.processingMs ?? 200,
    cancelMs: options.cancelMs,
    limits: {
      openai: { ...DEFAULT_LIMITS.openai, ...options.limits?.openai },
      anthropic: { ...DEFAULT_LIMITS.anthropic, ...options.limits?.anthropic },
    },
    erroredShare: options.erroredShare ?? 0,
    expire: options.expire ?? null,
    respond: options.respond,
    validateLine: options.validateLine,
    seed: options.seed ?? 1,
    citedShapes:
      options.citedShapes && options.citedShapes.length > 0 ? options.citedShapes : [...CITED_SHAPES],
    models: options.models ?? {},
    defaultInferenceGeo: options.defaultInferenceGeo ?? 'global',
  };
}
