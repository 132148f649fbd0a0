/**
 * Builds and runs a `rollover` program from a registration function: the whole CLI (./program.ts)
 * or only the invoked command group (./groups.ts, for start time). No command module is imported here.
 */
import { Command, CommanderError } from 'commander';
import type { CliContext } from './context.js';
import { configureRoleHelp, decorateCommands } from './help.js';
import { EXIT, reportError } from './output.js';
import type { Register, Runner } from './types.js';

/** A built program and the exit code of the action it ran. */
export interface BuiltProgram {
  program: Command;
  exitCode: () => number;
}

/** Builds the `rollover` program with the commands `register` adds. */
export function createProgram(ctx: CliContext, register: Register): BuiltProgram {
  let code: number = EXIT.ok;
  const program = new Command('rollover')
    .description(
      "Renew a load balancer's server certificate under a new CA root without breaking a single client.",
    )
    .version('0.1.0')
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({ writeOut: ctx.out, writeErr: ctx.err })
    .exitOverride();
  configureRoleHelp(program);
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
  register(program, ctx, run);
  decorateCommands(program);
  return { program, exitCode: () => code };
}

/** Parses argv (without node and script), runs the command, and returns the exit code. */
export async function runProgram(built: BuiltProgram, argv: string[], ctx: CliContext): Promise<number> {
  try {
    await built.program.parseAsync(argv, { from: 'user' });
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
  return built.exitCode();
}
