import { type CliRun as Run, runInProcess } from '../../src/cli/in-process.js';
import { runCli } from '../../src/cli/program.js';

/** The result of running the CLI in-process. */
export interface CliRun extends Run {
  /** stdout parsed as JSON (throws when it is not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  json: () => any;
}

/** Runs `rollover ARGS…` in-process with a captured output and the given environment. */
export async function cli(
  args: string[],
  opts: { env?: Record<string, string>; now?: Date; cwd?: string } = {},
): Promise<CliRun> {
  const r = await runInProcess(
    {
      env: { ROLLOVER_PASSPHRASE: 'test-passphrase', ...opts.env },
      cwd: opts.cwd ?? process.cwd(),
      now: () => opts.now ?? new Date(),
      out: () => {},
      err: () => {},
      cli: runCli,
    },
    args,
  );
  return { ...r, json: () => JSON.parse(r.stdout) };
}
