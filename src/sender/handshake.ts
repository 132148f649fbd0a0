/**
 * One real TLS handshake that trusts only the given anchors: the served chain, whether it verified,
 * which anchor it led to, and the host-name check — or the precise reason it failed.
 */
import { isIP } from 'node:net';
import tls from 'node:tls';
import { encodePem } from '../pki/formats/pem.js';
import { type CertFacts, certFacts, signedBy } from '../truststore/anchor.js';
import { namesChain } from '../truststore/cert-names.js';
import { type FailureReason, socketFailure, verifyFailure } from './reasons.js';

/** Where to connect and what to trust. */
export interface HandshakeParams {
  host: string;
  port: number;
  /** SNI and the name checked; defaults to the host unless it is an IP address (then the IP is checked). */
  servername?: string;
  anchors: readonly Uint8Array[];
  timeoutMs: number;
}

/** One certificate as served. */
export interface ServedCert {
  subject: string;
  issuer: string;
  sha256: string;
  notAfter: string;
  /** True when the certificate is itself one of the truststore's anchors. */
  anchor: boolean;
}

/** The outcome of a handshake. */
export interface HandshakeResult {
  ok: boolean;
  failure?: FailureReason;
  /** The chain as the client saw it, leaf first (empty when no TLS session was made). */
  chain: ServedCert[];
  /** The anchor that validated the chain. */
  anchor?: { sha256: string; subject: string };
  protocol?: string;
  ms: number;
}

function peerChain(socket: tls.TLSSocket): CertFacts[] {
  const out: CertFacts[] = [];
  const seen = new Set<string>();
  let c: tls.DetailedPeerCertificate | undefined = socket.getPeerCertificate(true);
  while (c?.raw && !seen.has(c.fingerprint256)) {
    seen.add(c.fingerprint256);
    out.push(certFacts(new Uint8Array(c.raw)));
    c = c.issuerCertificate;
  }
  return out;
}

/** The anchor a chain leads to: one equal to a chain certificate, or one that signed its last one. */
export function findAnchor(
  chain: readonly CertFacts[],
  anchors: readonly CertFacts[],
): CertFacts | undefined {
  for (const c of chain) {
    const same = anchors.find((a) => a.sha256 === c.sha256);
    if (same) return same;
    const issuer = anchors.find((a) => namesChain(c.der, a.der) && signedBy(c, a));
    if (issuer) return issuer;
  }
  return undefined;
}

/** Runs the handshake. Never throws for network reasons: the failure is in the result. */
export function handshake(p: HandshakeParams): Promise<HandshakeResult> {
  const started = performance.now();
  const anchorFacts = p.anchors.map((d) => certFacts(d));
  const name = p.servername ?? p.host;
  const target = `${p.host}:${p.port}`;
  return new Promise((resolvePromise) => {
    let settled = false;
    const done = (r: Omit<HandshakeResult, 'ms'>) => {
      if (settled) return;
      settled = true;
      socket.destroy();
      resolvePromise({ ...r, ms: Math.round(performance.now() - started) });
    };
    const socket = tls.connect({
      host: p.host,
      port: p.port,
      ...(isIP(name) ? {} : { servername: name }),
      // An empty list trusts nothing: Node adds its bundled roots only when `ca` is absent.
      ca: anchorFacts.map((a) => encodePem('CERTIFICATE', a.der)),
      rejectUnauthorized: false,
    });
    socket.setTimeout(p.timeoutMs, () => {
      const e = new Error('timeout') as NodeJS.ErrnoException;
      e.code = 'ROLLOVER_TIMEOUT';
      done({ ok: false, failure: socketFailure(e, target, p.timeoutMs), chain: [] });
    });
    socket.on('error', (e) => done({ ok: false, failure: socketFailure(e, target, p.timeoutMs), chain: [] }));
    socket.on('secureConnect', () => {
      const facts = peerChain(socket);
      const anchorSet = new Set(anchorFacts.map((a) => a.sha256));
      const chain: ServedCert[] = facts.map((c) => ({
        subject: c.subject,
        issuer: c.issuer,
        sha256: c.sha256,
        notAfter: c.notAfter.toISOString(),
        anchor: anchorSet.has(c.sha256),
      }));
      const protocol = socket.getProtocol() ?? undefined;
      const base = { chain, ...(protocol ? { protocol } : {}) };
      if (!socket.authorized) {
        const err = socket.authorizationError as unknown as { code?: string; message?: string } | string;
        const code = typeof err === 'string' ? err : (err?.code ?? String(err));
        let message = typeof err === 'string' ? err : (err?.message ?? code);
        // Node runs the host-name check itself and keeps only its code: ask again for the sentence.
        if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
          message = tls.checkServerIdentity(name, socket.getPeerCertificate())?.message ?? message;
        }
        const anchor = findAnchor(facts, anchorFacts);
        done({
          ok: false,
          failure: verifyFailure(code, message),
          ...base,
          ...(anchor ? { anchor: { sha256: anchor.sha256, subject: anchor.subject } } : {}),
        });
        return;
      }
      const hostError = tls.checkServerIdentity(name, socket.getPeerCertificate());
      const anchor = findAnchor(facts, anchorFacts);
      const anchorView = anchor ? { anchor: { sha256: anchor.sha256, subject: anchor.subject } } : {};
      if (hostError) {
        done({
          ok: false,
          failure: { code: 'HOST_NOT_COVERED', reason: `host name mismatch: ${hostError.message}` },
          ...base,
          ...anchorView,
        });
        return;
      }
      done({ ok: true, ...base, ...anchorView });
    });
  });
}
