import { createServer, type IncomingMessage, request } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A proxy in front of the emulator at `target`: `handle` gets each request and a `forward` that passes it on; a
 * request it never forwards is never answered, as by a provider that accepted the connection and went silent.
 */
export async function proxyFor(target: string, handle: (req: IncomingMessage, forward: () => void) => void) {
  const proxy = createServer((req, res) => {
    handle(req, () => {
      const upstream = request(
        `${target}${req.url}`,
        { method: req.method, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      req.pipe(upstream);
    });
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
