import { runCli } from '../../src/cli/program.js';

/** The result of running the CLI in-process. */
export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout parsed as JSON (throws when it is not JSON). */
  // biome-ignore lint/suspicious/noExplicitAny: tests read arbitrary JSON shapes
  json: () => any;
}

/** Runs `rollover ARGS…` in-process with a captured output and the given environment. */
export async function cli(
  args: string[],
  opts: { env?: Record<string, string>; now?: Date; cwd?: string } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    env: { ROLLOVER_PASSPHRASE: 'test-passphrase', ...opts.env },
    cwd: opts.cwd ?? process.cwd(),
    now: () => opts.now ?? new Date(),
    out: (t) => {
      stdout += t;
    },
    err: (t) => {
      stderr += t;
    },
  });
  return { code, stdout, stderr, json: () => JSON.parse(stdout) };
}
