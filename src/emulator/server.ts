import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { messageBatchRoutes } from './anthropic/batches.js';
import { countTokensRoutes } from './anthropic/count-tokens.js';
import { authenticate } from './auth.js';
import type { EmulatorBilling } from './billing.js';
import { collectBilling } from './billing-report.js';
import { FaultPlan } from './faults.js';
import { errorBody, errorTypeFor, HttpError, type Provider, readBody, sendJson } from './http.js';
import type { ExtraModels } from './models.js';
import { batchRoutes } from './openai/batches.js';
import { fileRoutes } from './openai/files.js';
import {
  type BatchLimits,
  type CitedShape,
  type EmulatorOptions,
  type FaultRule,
  type LineValidator,
  type ResolvedOptions,
  resolveOptions,
} from './options.js';
import { randomId } from './random.js';
import type { RespondHook } from './respond/answer.js';
import { compilePath, type Reply, type Route } from './route.js';
import { EmulatorState, type EmulatorStats } from './state.js';

/** What can be changed on a running emulator; it applies to batches created from then on. */
export interface EmulatorSettings {
  processingMs?: number;
  cancelMs?: number;
  erroredShare?: number;
  expire?: { completedShare: number } | null;
  respond?: RespondHook | undefined;
  validateLine?: LineValidator | undefined;
  citedShapes?: CitedShape[];
  limits?: { openai?: Partial<BatchLimits>; anthropic?: Partial<BatchLimits> };
  /** Model names served besides the providers' own (see `EmulatorOptions.models`). */
  models?: ExtraModels;
  /** Anthropic: the workspace's default inference geo (see `EmulatorOptions.defaultInferenceGeo`). */
  defaultInferenceGeo?: 'global' | 'us';
}

/** A running emulator of the OpenAI Batch + Files and Anthropic Message Batches APIs. */
export interface Emulator {
  /** `http://127.0.0.1:PORT` */
  readonly url: string;
  readonly port: number;
  /** `baseURL` for the `openai` client (it includes `/v1`). */
  readonly openaiBaseURL: string;
  /** `baseURL` for the `@anthropic-ai/sdk` client (without `/v1`). */
  readonly anthropicBaseURL: string;
  /** A copy of the counters: calls per route, batches created, most batches active at once. */
  stats(): EmulatorStats;
  /** Zeroes the counters, and starts `billing()` afresh: it then covers only batches created after this call. */
  resetStats(): void;
  /**
   * What the providers would bill: every processed request (an OpenAI 200 row, an Anthropic `succeeded` result) of
   * the batches created since the emulator started or since the last `resetStats()`, per request, batch and model.
   * Errored, expired and cancelled requests are not billed. Batches whose time has come are ended first (their
   * results written as a poll would), so a batch nobody polled counts too; `unfinished` lists those still running.
   */
  billing(): Promise<EmulatorBilling>;
  configure(settings: EmulatorSettings): void;
  /**
   * Ends now every batch still processing (not cancelled), as if its `processingMs` had just run out; returns how
   * many. With a long `processingMs`, a test holds batches in progress until a condition holds, then lets them end:
   * no test has to guess how long a loaded machine takes to reach that condition.
   */
  finishProcessing(): Promise<number>;
  /** Adds a fault rule; `times` defaults to 1 here. */
  injectFault(rule: FaultRule): void;
  clearFaults(): void;
  close(): Promise<void>;
}

const routes = [...fileRoutes, ...batchRoutes, ...messageBatchRoutes, ...countTokensRoutes].map((route) => ({
  route,
  match: compilePath(route.path),
}));

function findRoute(
  method: string,
  pathname: string,
): { route: Route; params: Record<string, string> } | undefined {
  for (const { route, match } of routes) {
    if (route.method !== method) continue;
    const params = match(pathname);
    if (params) return { route, params };
  }
  return undefined;
}

function providerOf(req: IncomingMessage, pathname: string): Provider {
  return pathname.startsWith('/v1/messages') || req.headers['anthropic-version'] ? 'anthropic' : 'openai';
}

function writeReply(res: ServerResponse, reply: Reply, requestHeaders: Record<string, string>): void {
  if ('json' in reply) {
    sendJson(res, reply.status, reply.json, { ...requestHeaders, ...reply.headers });
    return;
  }
  res.writeHead(reply.status, {
    'content-type': reply.contentType,
    'content-length': reply.raw.length,
    ...requestHeaders,
  });
  res.end(reply.raw);
}

/** Sends the headers and half of the body, then drops the connection: the client sees a truncated response. */
function writeTruncated(res: ServerResponse, reply: Reply): void {
  const body = 'json' in reply ? Buffer.from(JSON.stringify(reply.json)) : reply.raw;
  res.writeHead(reply.status, {
    'content-type': 'json' in reply ? 'application/json' : reply.contentType,
    'content-length': body.length,
  });
  res.write(body.subarray(0, Math.floor(body.length / 2)), () => res.socket?.destroy());
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  let resolved: ResolvedOptions = resolveOptions(options);
  const state = new EmulatorState(options.dataDir);
  const faults = new FaultPlan(options.faults ?? [], options.seed ?? 1);
  /** Calls a `late` fault has yet to process (undefined) or is processing: `close()` waits for them. */
  const late = new Map<NodeJS.Timeout, Promise<unknown> | undefined>();

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://emulator');
    const method = req.method ?? 'GET';
    const found = findRoute(method, url.pathname);
    const provider = found?.route.provider ?? providerOf(req, url.pathname);
    const requestId = randomId('req_');
    const idHeader: Record<string, string> =
      provider === 'anthropic' ? { 'request-id': requestId } : { 'x-request-id': requestId };
    const routeKey = found ? `${method} ${found.route.path}` : 'unknown';
    state.stats.calls[routeKey] = (state.stats.calls[routeKey] ?? 0) + 1;

    try {
      if (!found) {
        const message =
          provider === 'anthropic'
            ? `Not found: ${method} ${url.pathname}`
            : `Invalid URL (${method} ${url.pathname})`;
        throw new HttpError(404, errorTypeFor(provider, 404), message);
      }
      authenticate(req, provider, resolved.apiKey);
      const fault = faults.pick(routeKey);
      const kind = fault?.kind ?? 'status';
      if (fault && kind === 'reset') {
        req.socket.destroy();
        return;
      }
      if (fault && kind === 'status') {
        req.resume();
        sendFault(req, res, fault, provider, requestId, idHeader);
        return;
      }
      const context = {
        req,
        params: found.params,
        query: url.searchParams,
        origin: `http://${req.headers.host ?? 'localhost'}`,
        options: resolved,
        state,
      };
      if (fault && kind === 'late') {
        // The whole request reached the backend; the gateway's answer comes first, the call's effect after it.
        const body = await readBody(req, Number.MAX_SAFE_INTEGER);
        sendFault(req, res, { status: 504, ...fault }, provider, requestId, idHeader);
        const replay = Object.assign(Readable.from([body]), {
          headers: req.headers,
        }) as unknown as IncomingMessage;
        const timer = setTimeout(() => {
          late.set(
            timer,
            found.route
              .handle({ ...context, req: replay })
              .catch(() => undefined)
              .finally(() => late.delete(timer)),
          );
        }, fault.lateMs ?? 1_000);
        late.set(timer, undefined);
        return;
      }
      const handled = found.route.handle(context);
      if (fault && (kind === 'lost' || kind === 'status-after')) {
        // The call was processed in full, whatever its outcome; only its answer goes missing.
        await handled.catch(() => undefined);
        req.resume();
        if (kind === 'lost') req.socket.destroy();
        else sendFault(req, res, fault, provider, requestId, idHeader);
        return;
      }
      const reply = await handled;
      if (fault?.kind === 'truncate') writeTruncated(res, reply);
      else writeReply(res, reply, idHeader);
    } catch (cause) {
      const error =
        cause instanceof HttpError
          ? cause
          : new HttpError(500, errorTypeFor(provider, 500), `Internal emulator error: ${String(cause)}`);
      req.resume();
      if (!res.headersSent) sendJson(res, error.status, errorBody(provider, error, requestId), idHeader);
      else res.destroy();
    }
  }

  const server: Server = createServer((req, res) => {
    void handle(req, res);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${options.host ?? '127.0.0.1'}:${port}`;

  return {
    url,
    port,
    openaiBaseURL: `${url}/v1`,
    anthropicBaseURL: url,
    stats: () => ({ ...structuredClone(state.stats), lateCallsPending: late.size }),
    resetStats: () => state.resetStats(),
    billing: () => collectBilling({ state, options: resolved }),
    configure: (settings) => {
      resolved = resolveOptions({
        ...options,
        ...resolvedAsOptions(resolved),
        ...settings,
        limits: {
          openai: { ...resolved.limits.openai, ...settings.limits?.openai },
          anthropic: { ...resolved.limits.anthropic, ...settings.limits?.anthropic },
        },
      });
    },
    finishProcessing: () => state.finishProcessing(),
    injectFault: (rule) => faults.add({ times: 1, ...rule }),
    clearFaults: () => faults.clear(),
    close: async () => {
      // A call still to take effect is dropped, as a backend going down would drop it; one under way is finished.
      for (const [timer, running] of late) if (running === undefined) clearTimeout(timer);
      await Promise.allSettled([...late.values()]);
      await Promise.allSettled([...state.finalizing.values()]);
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

function resolvedAsOptions(resolved: ResolvedOptions): EmulatorOptions {
  return {
    apiKey: resolved.apiKey,
    processingMs: resolved.processingMs,
    cancelMs: resolved.cancelMs,
    erroredShare: resolved.erroredShare,
    expire: resolved.expire,
    respond: resolved.respond,
    validateLine: resolved.validateLine,
    seed: resolved.seed,
    citedShapes: resolved.citedShapes,
    models: resolved.models,
    defaultInferenceGeo: resolved.defaultInferenceGeo,
  };
}

/** A fault's error answer in the provider's shape; 429/5xx carry `retry-after` so that SDK retries are fast. */
function sendFault(
  req: IncomingMessage,
  res: ServerResponse,
  fault: FaultRule,
  provider: Provider,
  requestId: string,
  idHeader: Record<string, string>,
): void {
  const status = fault.status ?? 500;
  const retryAfter = fault.retryAfterSeconds ?? 0;
  const echo = fault.echoHeaders ? ` Request headers: ${JSON.stringify(req.headers)}` : '';
  const error = new HttpError(status, errorTypeFor(provider, status), `${faultMessage(status)}${echo}`);
  sendJson(res, status, errorBody(provider, error, requestId), {
    ...idHeader,
    'retry-after': String(retryAfter),
    'retry-after-ms': String(retryAfter * 1000),
  });
}

function faultMessage(status: number): string {
  if (status === 429) return 'Rate limit reached. Please retry after a short wait.';
  if (status === 529) return 'Overloaded';
  return 'The server had an error while processing your request.';
}
