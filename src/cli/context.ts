/** What every CLI command receives from the composition root: no command reads process.* itself. */
export interface CliContext {
  env: Record<string, string | undefined>;
  cwd: string;
  /** The current instant (the real clock in production, a fixed one in tests). */
  now: () => Date;
  out: (text: string) => void;
  err: (text: string) => void;
}
