import { once } from 'node:events';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { Credential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { onFileEnd } from './cleanup.js';

/** Starts an HTTPS server on 127.0.0.1 presenting `cred`, answering "ok"; closed when the file ends. */
export async function startTlsServer(
  cred: Credential,
): Promise<{ port: number; url: string; close: () => void }> {
  const server = https.createServer(
    {
      key: privateKeyToPem(cred.key.keyObject),
      cert: encodeCertificatesPem(cred.chain.map((c) => c.der)),
    },
    (_req, res) => res.end('ok'),
  );
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = (server.address() as AddressInfo).port;
  const close = () => {
    server.closeAllConnections();
    server.close();
  };
  onFileEnd(close);
  return { port, url: `https://127.0.0.1:${port}`, close };
}
