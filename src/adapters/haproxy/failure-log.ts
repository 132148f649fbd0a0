import { createSocket } from 'node:dgram';
import type { HostPort } from '../../shared/host-port.js';

/** A refused handshake as HAProxy's error log reports it. */
export interface HandshakeFailure {
  virtualServer: string;
  client: string;
  /** `unknown_ca`, `bad_certificate`, `certificate_unknown`, or `other`. */
  reason: string;
}

/**
 * The `error-log-format` line the new side's TLS frontend sends (docs/adapters.md):
 * `rollover-tls-fail VS %ci %[ssl_fc_err_str]`. `ssl_fc_err_str` is OpenSSL's text for the alert the
 * client sent ("tlsv1 alert unknown ca"); a line that is not ours is undefined.
 */
export function parseFailureLine(line: string): HandshakeFailure | undefined {
  const m = /rollover-tls-fail (\S+) (\S+) (.*)$/.exec(line.trim());
  if (!m) return undefined;
  const text = m[3]!.toLowerCase();
  const reason = text.includes('alert unknown ca')
    ? 'unknown_ca'
    : text.includes('alert bad certificate')
      ? 'bad_certificate'
      : text.includes('alert certificate unknown')
        ? 'certificate_unknown'
        : 'other';
  return { virtualServer: m[1]!, client: m[2]!, reason };
}

/**
 * Listens for HAProxy's log lines over UDP (syslog, `log HOST:PORT local0 info`) and reports each
 * refused handshake. HAProxy sends only what the frontend's `error-log-format` says, so the listener
 * sees handshake errors and connections closed before a request, nothing else.
 */
export async function listenFailureLog(
  at: HostPort,
  onFailure: (f: HandshakeFailure) => void,
): Promise<{ address: HostPort; close(): void }> {
  const sock = createSocket(at.host.includes(':') ? 'udp6' : 'udp4');
  sock.on('message', (m) => {
    const f = parseFailureLine(m.toString('utf8'));
    if (f && f.reason !== 'other') onFailure(f);
  });
  await new Promise<void>((resolve, reject) => {
    sock.once('error', reject);
    sock.bind(at.port, at.host, () => {
      sock.off('error', reject);
      resolve();
    });
  });
  sock.on('error', () => undefined);
  const a = sock.address();
  return { address: { host: a.address, port: a.port }, close: () => sock.close() };
}
