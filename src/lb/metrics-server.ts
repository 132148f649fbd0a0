import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HostPort } from '../shared/host-port.js';

/** Serves `GET /metrics` in the Prometheus text format from `collect`. */
export async function startMetricsServer(
  listen: HostPort,
  collect: () => Promise<{ contentType: string; text: string }>,
): Promise<{ server: Server; address: HostPort }> {
  const server = createServer(async (req, res) => {
    if (req.method !== 'GET' || (req.url ?? '').split('?')[0] !== '/metrics') {
      res.writeHead(404).end('only GET /metrics here\n');
      return;
    }
    try {
      const m = await collect();
      res.writeHead(200, { 'content-type': m.contentType }).end(m.text);
    } catch (e) {
      res.writeHead(500).end(`metrics unavailable: ${(e as Error).message}\n`);
    }
  });
  server.listen(listen.port, listen.host);
  await once(server, 'listening');
  const a = server.address() as AddressInfo;
  return { server, address: { host: a.address, port: a.port } };
}
