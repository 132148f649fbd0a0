import { readFileChecked } from '../files/atomic.js';
import { fail } from '../shared/errors.js';
import type { CliContext } from './context.js';

/** The first line of a secret file, without its line ending. */
async function firstLine(path: string): Promise<string> {
  const text = (await readFileChecked(path)).toString('utf8');
  const line = text.split(/\r?\n/)[0] ?? '';
  if (line.length === 0) fail('BAD_ARGUMENT', `${path} is empty: put the secret on its first line`);
  return line;
}

/** The CA/credential key passphrase: `--passphrase-file`, else ROLLOVER_PASSPHRASE, else undefined. */
export async function passphraseFrom(
  ctx: CliContext,
  opts: { passphraseFile?: string },
): Promise<string | undefined> {
  if (opts.passphraseFile) return firstLine(opts.passphraseFile);
  return ctx.env.ROLLOVER_PASSPHRASE || undefined;
}

/** Like {@link passphraseFrom}, but one is required for writing an encrypted key. */
export async function requirePassphrase(
  ctx: CliContext,
  opts: { passphraseFile?: string },
  what: string,
): Promise<string> {
  const p = await passphraseFrom(ctx, opts);
  if (p === undefined) {
    fail(
      'PASSPHRASE_REQUIRED',
      `${what} is encrypted: give a passphrase with --passphrase-file FILE or ROLLOVER_PASSPHRASE (or --no-encrypt)`,
    );
  }
  return p;
}

/** A store password: `--password P`, `--password-file F`, else `fallback` (or undefined). */
export async function passwordFrom(
  opts: { password?: string; passwordFile?: string },
  fallback?: string,
): Promise<string | undefined> {
  if (opts.password !== undefined && opts.passwordFile) {
    fail('BAD_ARGUMENT', 'give either --password or --password-file, not both');
  }
  if (opts.password !== undefined) return opts.password;
  if (opts.passwordFile) return firstLine(opts.passwordFile);
  return fallback;
}
