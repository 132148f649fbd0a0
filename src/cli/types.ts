/**
 * The types a command module needs from the program that runs it, apart from the program itself:
 * command modules import these, never ./program.ts (which imports every command module).
 */
import type { Command } from 'commander';
import type { CliContext } from './context.js';

/** The outcome of an action: an exit code, or nothing for success. */
export type ActionResult = number | undefined;

/** Runs a command action, reporting typed errors and recording the exit code. */
export type Runner = <A extends unknown[]>(
  fn: (...args: A) => Promise<ActionResult>,
) => (...args: A) => Promise<void>;

/** Adds command groups to the program. */
export type Register = (program: Command, ctx: CliContext, run: Runner) => unknown;
