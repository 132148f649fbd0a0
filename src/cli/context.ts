/** What every CLI command receives from the composition root: no command reads process.* itself. */
export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  /** The current instant (the real clock in production, a fixed one in tests). */
  now: () => Date;
  out: (text: string) => void;
  err: (text: string) => void;
  /** Runs `rollover ARGV` in this process (set by the program's runner; see ./in-process.ts). */
  cli?: (argv: string[], ctx: CliContext) => Promise<number>;
}
