import { connect } from 'node:net';
import { fail } from '../../shared/errors.js';

/**
 * Sends one command to HAProxy's Runtime API (a `stats socket … level admin`) and returns its answer.
 * One connection per command, as HAProxy closes the socket after answering in non-interactive mode.
 */
export function runtimeCommand(socketPath: string, command: string, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const sock = connect(socketPath);
    const chunks: Buffer[] = [];
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`HAProxy did not answer "${command.split('\n')[0]}" within ${timeoutMs} ms`));
    }, timeoutMs);
    sock.on('connect', () => sock.end(command.endsWith('\n') ? command : `${command}\n`));
    sock.on('data', (c) => chunks.push(c));
    sock.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot reach HAProxy's Runtime API at ${socketPath}: ${e.message}`));
    });
    sock.on('close', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
  });
}

/**
 * The `set ssl cert` command with its payload. HAProxy ends the payload at the first empty line and
 * would run whatever follows as commands, so blank lines are removed from the PEM.
 */
export function setSslCertCommand(crtPath: string, pem: string): string {
  if (/\s/.test(crtPath)) fail('BAD_ARGUMENT', `the crt path "${crtPath}" must not contain spaces`);
  const payload = pem
    .split(/\r?\n/)
    .filter((l) => l.trim().length > 0)
    .join('\n');
  return `set ssl cert ${crtPath} <<\n${payload}\n\n`;
}

/** Throws unless an answer reports success (HAProxy answers errors in plain text, with exit status 0). */
export function expectOk(answer: string, what: string): string {
  if (
    /error|unable|can't|cannot|failed|unknown/i.test(answer) &&
    !/Success|Committing|Transaction created/i.test(answer)
  ) {
    fail('DATA_PLANE_REFUSED', `HAProxy refused ${what}: ${answer.trim()}`);
  }
  return answer;
}

/** The upper-case hex SHA-1 fingerprint `show ssl cert PATH` reports for the committed certificate. */
export function parseShowSslCert(answer: string): { sha1?: string; serial?: string; subject?: string } {
  const field = (name: string) => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(answer)?.[1]?.trim();
  const sha1 = field('SHA1 FingerPrint');
  const serial = field('Serial');
  const subject = field('Subject');
  return { ...(sha1 ? { sha1 } : {}), ...(serial ? { serial } : {}), ...(subject ? { subject } : {}) };
}
