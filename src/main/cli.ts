/**
 * Composition root of the CLI: the only place that reads process.argv, process.env and the real clock.
 */
import { runCliLazily } from '../cli/groups.js';

// A reader that stops early (`rollover … | head`) closes the pipe: that ends the output, as for any
// Unix tool, instead of an unhandled EPIPE. Nothing the command changes depends on its output.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

// Only the invoked command group is loaded (start time); see src/cli/groups.ts.
const code = await runCliLazily(process.argv.slice(2), {
  env: process.env,
  cwd: process.cwd(),
  now: () => new Date(),
  out: (t) => process.stdout.write(t),
  err: (t) => process.stderr.write(t),
});
process.exitCode = code;
