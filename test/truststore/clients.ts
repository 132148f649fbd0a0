/**
 * Outside TLS clients for the truststore tests: curl, openssl s_client and Python's ssl, each told to
 * trust only the given PEM bundle or hashed directory. Each returns whether the handshake verified.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

/** Where a client takes its anchors from. */
export type Anchors = { cafile: string } | { capath: string };

async function attempt(cmd: string, args: string[], input?: string): Promise<{ ok: boolean; out: string }> {
  try {
    const child = exec(cmd, args, { timeout: 20_000 });
    if (input !== undefined) {
      child.child.stdin?.end(input);
    }
    const r = await child;
    return { ok: true, out: `${r.stdout}${r.stderr}` };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string; message: string };
    return { ok: false, out: `${err.stdout ?? ''}${err.stderr ?? ''}${err.message}` };
  }
}

/** `curl --cacert F` or `curl --capath D` against 127.0.0.1:port. */
export function curl(port: number, a: Anchors): Promise<{ ok: boolean; out: string }> {
  const trust = 'cafile' in a ? ['--cacert', a.cafile] : ['--capath', a.capath];
  return attempt('curl', ['-sS', '--max-time', '10', ...trust, `https://127.0.0.1:${port}/`]);
}

/** `openssl s_client -verify_return_error` with -CAfile or -CApath (and no default store). */
export function sClient(port: number, a: Anchors): Promise<{ ok: boolean; out: string }> {
  const trust = 'cafile' in a ? ['-CAfile', a.cafile, '-no-CApath'] : ['-CApath', a.capath, '-no-CAfile'];
  return attempt(
    'openssl',
    ['s_client', '-connect', `127.0.0.1:${port}`, '-verify_return_error', '-no-CAstore', ...trust, '-brief'],
    '',
  );
}

const PY = `
import json, ssl, socket, sys
port, kind, where = int(sys.argv[1]), sys.argv[2], sys.argv[3]
ctx = ssl.create_default_context(**({'cafile': where} if kind == 'cafile' else {'capath': where}))
try:
    with socket.create_connection(('127.0.0.1', port), timeout=10) as s:
        with ctx.wrap_socket(s, server_hostname='127.0.0.1') as t:
            print('ok', t.version())
except ssl.SSLError as e:
    print('fail', e); sys.exit(1)
`;

/** Python's ssl with create_default_context(cafile=…) or (capath=…). */
export function python(port: number, a: Anchors): Promise<{ ok: boolean; out: string }> {
  const [kind, where] = 'cafile' in a ? ['cafile', a.cafile] : ['capath', a.capath];
  return attempt('python3', ['-c', PY, String(port), kind, where]);
}
