import { ERROR_CODES, type ErrorCode, isRolloverError } from '../shared/errors.js';
import type { CliContext } from './context.js';

/** Exit codes: 0 success, 1 a refusal or failure, 2 a usage error (bad flag values), 3 unexpected. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

const USAGE_CODES: ReadonlySet<ErrorCode> = new Set([
  'BAD_ARGUMENT',
  'BAD_DURATION',
  'BAD_TIME',
  'UNSUPPORTED_KEY_TYPE',
]);

/** Exit code for a typed error code. */
export function exitCodeFor(code: ErrorCode): number {
  return USAGE_CODES.has(code) ? EXIT.usage : EXIT.failed;
}

/** Prints a value as pretty JSON. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints an error (as JSON on stdout when `json`, else one line on stderr) and returns its exit code. */
export function reportError(ctx: CliContext, e: unknown, json: boolean): number {
  if (isRolloverError(e)) {
    if (json) printJson(ctx, { error: { code: e.code, message: e.message, ...e.details } });
    else {
      ctx.err(`error[${e.code}]: ${e.message}\n`);
      const checks = e.details.checks as Array<{ name: string; ok: boolean; reason: string }> | undefined;
      if (checks) for (const c of checks) if (!c.ok) ctx.err(`  ✗ ${c.name}: ${c.reason}\n`);
    }
    return exitCodeFor(e.code);
  }
  const message = e instanceof Error ? e.message : String(e);
  if (json) printJson(ctx, { error: { code: 'INTERNAL', message } });
  else ctx.err(`error[INTERNAL]: ${message} (${ERROR_CODES.INTERNAL})\n`);
  return EXIT.internal;
}
