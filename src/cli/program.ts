import type { CliContext } from './context.js';
import { registerCommands } from './registry.js';
import { type BuiltProgram, createProgram, runProgram } from './runner.js';

/** Builds the `rollover` program. Commands are registered in ./registry.ts, one module per command group. */
export function buildProgram(ctx: CliContext): BuiltProgram {
  return createProgram(ctx, registerCommands);
}

/** Parses argv (without node and script), runs the command, and returns the exit code. */
export async function runCli(argv: string[], ctx: CliContext): Promise<number> {
  const withSelf: CliContext = { ...ctx, cli: runCli };
  return runProgram(buildProgram(withSelf), argv, withSelf);
}
