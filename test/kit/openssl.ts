import { execFileSync } from 'node:child_process';

/** Runs `openssl ARGS…` and returns stdout; throws with stderr on failure. */
export function openssl(args: string[], opts: { cwd?: string; input?: string } = {}): string {
  return execFileSync('openssl', args, {
    cwd: opts.cwd,
    input: opts.input,
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Runs `openssl ARGS…` and reports whether it succeeded, with its output. */
export function opensslTry(args: string[], opts: { cwd?: string } = {}): { ok: boolean; output: string } {
  try {
    return { ok: true, output: openssl(args, opts) };
  } catch (e) {
    const err = e as { stdout?: string; stderr?: string };
    return { ok: false, output: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}
