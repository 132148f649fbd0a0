/**
 * Composition root of the CLI: the only place that reads process.argv, process.env and the real clock.
 */
import { runCli } from '../cli/program.js';

const code = await runCli(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
process.exitCode = code;
