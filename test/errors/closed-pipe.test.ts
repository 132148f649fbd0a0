/**
 * `rollover … | head`: a reader that stops early closes the pipe, and the command ends quietly with
 * its own exit code, as any Unix tool does (it crashed with an unhandled EPIPE before).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';

const BIN = join(import.meta.dirname, '../../../bin/rollover.js');
const BUNDLE = '/etc/ssl/certs/ca-certificates.crt';

test('a reader that closes the pipe early ends the command quietly', {
  skip: !existsSync(BUNDLE) && `${BUNDLE} is missing`,
}, async () => {
  const child = spawn(process.execPath, [BIN, 'truststore', 'list', BUNDLE, '--json'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => {
    stderr += d;
  });
  // Go away before the command writes, like a `head` that has already read its lines.
  child.stdout.destroy();
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0, stderr);
  assert.doesNotMatch(stderr, /EPIPE|Error/);
});
