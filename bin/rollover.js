#!/usr/bin/env node
// The `rollover` command: runs the compiled CLI (npm ci runs `prepare`, which compiles it).
import('../dist/src/main/cli.js').catch((e) => {
  if (e && e.code === 'ERR_MODULE_NOT_FOUND' && String(e.message).includes('dist/src/main/cli.js')) {
    process.stderr.write('rollover is not built yet: run `npm run build` (npm ci does it for you)\n');
    process.exit(3);
  }
  throw e;
});
