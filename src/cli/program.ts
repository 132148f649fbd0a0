import { Command, CommanderError } from 'commander';
import type { CliContext } from './context.js';
import { EXIT, reportError } from './output.js';
import { registerCommands } from './registry.js';

/** The outcome of an action: an exit code, or nothing for success. */
export type ActionResult = number | undefined;

/** Runs a command action, reporting typed errors and recording the exit code. */
export type Runner = <A extends unknown[]>(
  fn: (...args: A) => Promise<ActionResult>,
) => (...args: A) => Promise<void>;

/** Builds the `rollover` program. Commands are registered in ./registry.ts, one module per command group. */
export function buildProgram(ctx: CliContext): { program: Command; exitCode: () => number } {
  let code: number = EXIT.ok;
  const program = new Command('rollover')
    .description(
      "Renew a load balancer's server certificate under a new CA root without breaking a single client.",
    )
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .exitOverride();
  const run: Runner =
    (fn) =>
    async (...args) => {
      const cmd = args[args.length - 1] as Command;
      const json = Boolean(cmd?.opts?.().json);
      try {
        code = (await fn(...args)) ?? EXIT.ok;
      } catch (e) {
        code = reportError(ctx, e, json);
      }
    };
  registerCommands(program, ctx, run);
  return { program, exitCode: () => code };
}

/** Parses argv (without node and script), runs the command, and returns the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const { program, exitCode } = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (e) {
    if (e instanceof CommanderError) {
      if (
        e.code === 'commander.helpDisplayed' ||
        e.code === 'commander.version' ||
        e.code === 'commander.help'
      ) {
        return EXIT.ok;
      }
      return EXIT.usage;
    }
    return reportError(ctx, e, argv.includes('--json'));
  }
  return exitCode();
}
