import { type ErrorCode, type ErrorKind, isRolloverError, kindOf, titleOf } from '../shared/errors.js';
import type { CliContext } from './context.js';
import { cliHint } from './hints.js';

/** Exit codes: 0 success, 1 a refusal or failure, 2 a usage error (bad flag values), 3 unexpected. */
export const EXIT = { ok: 0, failed: 1, usage: 2, internal: 3 } as const;

/** Exit code per kind of error: exhaustive, so a new kind cannot go unmapped. */
export const EXIT_FOR_KIND: Readonly<Record<ErrorKind, number>> = {
  usage: EXIT.usage,
  input: EXIT.failed,
  unsupported: EXIT.failed,
  invalid: EXIT.failed,
  'not-found': EXIT.failed,
  conflict: EXIT.failed,
  gone: EXIT.failed,
  unauthenticated: EXIT.failed,
  forbidden: EXIT.failed,
  'too-large': EXIT.failed,
  'rate-limited': EXIT.failed,
  unavailable: EXIT.failed,
  'not-yet': EXIT.failed,
  environment: EXIT.failed,
  internal: EXIT.internal,
};

/** Exit code for a typed error code. */
export function exitCodeFor(code: ErrorCode): number {
  return EXIT_FOR_KIND[kindOf(code)];
}

/** Prints a value as pretty JSON. */
export function printJson(ctx: CliContext, value: unknown): void {
  ctx.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Prints an error (as JSON on stdout when `json`, else one line on stderr) and returns its exit code. */
export function reportError(ctx: CliContext, e: unknown, json: boolean): number {
  if (isRolloverError(e)) {
    const hint = cliHint(e);
    if (json)
      printJson(ctx, {
        error: { code: e.code, message: e.message, ...e.details, ...(hint ? { hint } : {}) },
      });
    else {
      ctx.err(`error[${e.code}]: ${e.message}\n`);
      if (hint) ctx.err(`  hint: ${hint}\n`);
      const checks = e.details.checks as Array<{ name: string; ok: boolean; reason: string }> | undefined;
      if (checks) for (const c of checks) if (!c.ok) ctx.err(`  ✗ ${c.name}: ${c.reason}\n`);
    }
    return exitCodeFor(e.code);
  }
  const message = e instanceof Error ? e.message : String(e);
  if (json) printJson(ctx, { error: { code: 'INTERNAL', message } });
  else ctx.err(`error[INTERNAL]: ${message} (${titleOf('INTERNAL')})\n`);
  return EXIT.internal;
}
