import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of the emulator at `target`: `handle` gets each request, a `forward` that passes it on, and the
 * response (to see when it is done); a request it never forwards is never answered, as by a provider that accepted
 * the connection and went silent.
 */
export async function proxyFor(
  target: string,
  handle: (req: IncomingMessage, forward: () => void, res: ServerResponse) => void,
) {
  const proxy = createServer((req, res) => {
    handle(
      req,
      () => {
        const upstream = request(
          `${target}${req.url}`,
          { method: req.method, headers: req.headers },
          (answer) => {
            res.writeHead(answer.statusCode ?? 502, answer.headers);
            answer.pipe(res);
          },
        );
        req.pipe(upstream);
      },
      res,
    );
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  const { port } = proxy.address() as AddressInfo;
  return {
    baseURL: `http://127.0.0.1:${port}`,
    close: async () => {
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    },
  };
}
