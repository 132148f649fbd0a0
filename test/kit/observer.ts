import { createHash } from 'node:crypto';
import { type ConnectionOptions, connect as tlsConnect } from 'node:tls';
import { observeLeaf } from '../../src/adapters/observe.js';

/** One handshake as an outside client saw it: when it started and finished, and the leaf it got. */
export interface Observation {
  startedAt: number;
  doneAt: number;
  sha256?: string;
  error?: string;
}

/**
 * Opens new TLS handshakes back to back (each a full handshake, no resumption) from `from` to `until`
 * and records what each one got: an independent observer of an exchange.
 */
export async function observeHandshakes(p: {
  host: string;
  port: number;
  servername?: string;
  until: number;
  concurrency?: number;
}): Promise<Observation[]> {
  const out: Observation[] = [];
  const worker = async () => {
    while (Date.now() < p.until) {
      const startedAt = Date.now();
      try {
        const sha256 = await observeLeaf({
          host: p.host,
          port: p.port,
          ...(p.servername ? { servername: p.servername } : {}),
        });
        out.push({ startedAt, doneAt: Date.now(), sha256 });
      } catch (e) {
        out.push({ startedAt, doneAt: Date.now(), error: (e as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: p.concurrency ?? 2 }, worker));
  return out.sort((a, b) => a.startedAt - b.startedAt);
}

/**
 * What must hold across an exchange at T: no failures, nothing served the new leaf to a handshake that
 * finished before T, and (for a per-handshake switch) from the first new-leaf handshake on, nothing
 * started later got the old one. Reports the first new-leaf handshake's lateness after T and the
 * lateness from which every handshake got the new leaf.
 */
export function exchangeFacts(obs: Observation[], p: { at: number; oldSha: string; newSha: string }) {
  const failures = obs.filter((o) => o.error);
  const newBeforeT = obs.filter((o) => o.doneAt < p.at && o.sha256 === p.newSha);
  const firstNew = obs.find((o) => o.sha256 === p.newSha);
  const oldAfterFirstNew = firstNew
    ? obs.filter((o) => o.startedAt > firstNew.doneAt && o.sha256 === p.oldSha)
    : [];
  // The instant from which every handshake gets the new leaf (a graceful reload overlaps old and new
  // workers for a moment; a per-handshake switch does not).
  const lastOld = obs.filter((o) => o.sha256 === p.oldSha).at(-1);
  const settled = obs.find((o) => o.sha256 === p.newSha && (!lastOld || o.startedAt >= lastOld.doneAt));
  return {
    total: obs.length,
    failures,
    newBeforeT,
    oldAfterFirstNew,
    firstNewLatenessMs: firstNew ? firstNew.doneAt - p.at : undefined,
    settledLatenessMs: settled ? settled.doneAt - p.at : undefined,
  };
}

/**
 * One real TLS handshake from `localAddress` (127.0.0.2, 127.0.0.3… are all loopback on Linux) by a
 * client that trusts only `ca`: the leaf's SHA-256, or the verification/connection error. A fresh
 * connection each time (no resumption).
 */
export function handshakeFrom(p: {
  localAddress: string;
  port: number;
  servername: string;
  ca: string[];
  host?: string;
}): Promise<{ sha256?: string; error?: string }> {
  return new Promise((resolve) => {
    // tls.connect hands localAddress to net.connect (its option type omits it).
    const options = {
      host: p.host ?? '127.0.0.1',
      port: p.port,
      localAddress: p.localAddress,
      servername: p.servername,
      ca: p.ca,
    } as ConnectionOptions;
    const sock = tlsConnect(options);
    const timer = setTimeout(() => {
      sock.destroy();
      resolve({ error: 'timeout' });
    }, 3000);
    sock.once('secureConnect', () => {
      clearTimeout(timer);
      const raw = sock.getPeerCertificate().raw;
      sock.destroy();
      resolve({ sha256: createHash('sha256').update(raw).digest('hex') });
    });
    sock.once('error', (e) => {
      clearTimeout(timer);
      resolve({ error: (e as NodeJS.ErrnoException).code ?? e.message });
    });
  });
}
