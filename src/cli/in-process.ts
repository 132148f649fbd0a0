/**
 * The one way to run `rollover` commands in this process (the walkthrough, the demo, the tests): the
 * program's own runner travels in the context (`ctx.cli`, set by ./program.ts and ./groups.ts), so no
 * command module imports the program that registers it.
 */
import { fail, isErrorCode, RolloverError } from '../shared/errors.js';
import type { CliContext } from './context.js';

/** The exit code and output of one in-process run. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Runs `rollover ARGV` in this process, capturing its output; with `passthrough` the output goes to
 * the caller's context as well. `env` replaces the context's environment for this run.
 */
export async function runInProcess(
  ctx: CliContext,
  argv: string[],
  opts: { env?: CliContext['env']; passthrough?: boolean } = {},
): Promise<CliRun> {
  const cli = ctx.cli ?? fail('INTERNAL', 'this context has no in-process runner (ctx.cli)');
  let stdout = '';
  let stderr = '';
  const code = await cli(argv, {
    ...ctx,
    env: opts.env ?? ctx.env,
    out: (t) => {
      stdout += t;
      if (opts.passthrough) ctx.out(t);
    },
    err: (t) => {
      stderr += t;
      if (opts.passthrough) ctx.err(t);
    },
  });
  return { code, stdout, stderr };
}

/** The typed error a failed run stands for: the code it printed (`error[CODE]: …`), else INTERNAL. */
export function failureOf(run: CliRun, argv: string[]): RolloverError {
  const printed = /^error\[([A-Z_]+)\]/m.exec(run.stderr)?.[1];
  return new RolloverError(
    isErrorCode(printed) ? printed : 'INTERNAL',
    `\`rollover ${argv.slice(0, 2).join(' ')}\` failed: ${(run.stderr || run.stdout).trim()}`,
  );
}
