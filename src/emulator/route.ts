import type { IncomingMessage } from 'node:http';
import type { Provider } from './http.js';
import type { ResolvedOptions } from './options.js';
import type { EmulatorState } from './state.js';

export type Reply =
  | { status: number; json: unknown; headers?: Record<string, string> }
  | { status: number; raw: Buffer; contentType: string };

export interface RouteContext {
  req: IncomingMessage;
  params: Record<string, string>;
  query: URLSearchParams;
  /** `http://host:port` as the client reached us: results URLs must point back here. */
  origin: string;
  options: ResolvedOptions;
  state: EmulatorState;
}

/** What work done outside a request (finalising a batch for `billing()`) needs of a route context. */
export type StateContext = Pick<RouteContext, 'state' | 'options'>;

export interface Route {
  method: string;
  /** `/v1/batches/{id}` style; `{name}` matches one path segment. */
  path: string;
  provider: Provider;
  handle(context: RouteContext): Promise<Reply>;
}

/** Turns `/v1/batches/{id}` into a matcher returning the named segments. */
export function compilePath(path: string): (pathname: string) => Record<string, string> | null {
  const names: string[] = [];
  const source = path.replace(/\{(\w+)\}/g, (_, name: string) => {
    names.push(name);
    return '([^/]+)';
  });
  const pattern = new RegExp(`^${source}/?$`);
  return (pathname) => {
    const match = pattern.exec(pathname);
    if (!match) return null;
    return Object.fromEntries(names.map((name, i) => [name, decodeURIComponent(match[i + 1]!)]));
  };
}
