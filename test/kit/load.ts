import https from 'node:https';

/** What a load run saw. */
export interface LoadResult {
  requests: number;
  failures: number;
  /** Up to three distinct error messages. */
  errors: string[];
}

/**
 * HTTPS GETs in a loop until `until` from `clients` concurrent clients that trust `ca` (PEMs): even
 * clients reuse keep-alive connections, odd ones open a new TLS connection per request. Counts
 * 200 answers and failures (any error or other status); no retries, so every failure shows.
 */
export async function httpsLoad(p: {
  port: number;
  servername: string;
  ca: string[];
  until: number;
  clients?: number;
  path?: string;
  /** The source address of every connection (127.0.0.2, 127.0.0.3…: a sender of its own). */
  localAddress?: string;
}): Promise<LoadResult> {
  const clients = p.clients ?? 8;
  const keepAlive = new https.Agent({
    keepAlive: true,
    ca: p.ca,
    servername: p.servername,
    maxSockets: clients,
  });
  const fresh = new https.Agent({ keepAlive: false, ca: p.ca, servername: p.servername });
  let requests = 0;
  let failures = 0;
  const errors = new Set<string>();
  const one = (agent: https.Agent) =>
    new Promise<void>((resolve) => {
      const req = https.get(
        {
          host: '127.0.0.1',
          port: p.port,
          path: p.path ?? '/',
          agent,
          servername: p.servername,
          timeout: 5000,
          ...(p.localAddress ? { localAddress: p.localAddress } : {}),
        },
        (res) => {
          res.resume();
          res.on('end', () => {
            if (res.statusCode === 200) requests++;
            else {
              failures++;
              errors.add(`HTTP ${res.statusCode}`);
            }
            resolve();
          });
        },
      );
      req.on('error', (e) => {
        failures++;
        errors.add(e.message);
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: clients }, async (_, i) => {
      while (Date.now() < p.until) await one(i % 2 === 0 ? keepAlive : fresh);
    }),
  );
  keepAlive.destroy();
  fresh.destroy();
  return { requests, failures, errors: [...errors].slice(0, 3) };
}
