import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { followLog, parseNginxFailure } from './failure-log.js';

test('nginx error-log lines: a refused handshake gives the client and the alert it sent', () => {
  const at = '2026/12/02 18:18:04 [info] 2605#2605: *1 ';
  assert.deepEqual(
    parseNginxFailure(
      `${at}SSL_do_handshake() failed (SSL: error:0A000418:SSL routines::tlsv1 alert unknown ca:SSL alert number 48) while SSL handshaking, client: 127.0.0.8, server: 127.0.0.1:18445`,
    ),
    { client: '127.0.0.8', reason: 'unknown_ca' },
  );
  assert.equal(
    parseNginxFailure(
      `${at}SSL_do_handshake() failed (SSL: error:0A000412:SSL routines::sslv3 alert bad certificate:SSL alert number 42) while SSL handshaking, client: ::1, server: [::1]:443`,
    )?.client,
    '::1',
  );
  assert.equal(parseNginxFailure(`${at}client 127.0.0.9 closed keepalive connection`), undefined);
});

test('followLog reads what is appended from the moment it starts, and a truncated file from its start', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'rollover-follow-'));
  const path = join(dir, 'error.log');
  writeFileSync(path, 'old line\n');
  const seen: string[] = [];
  const f = followLog(path, (l) => seen.push(l), 10);
  await f.ready;
  appendFileSync(path, 'one\ntw');
  await new Promise((r) => setTimeout(r, 60));
  appendFileSync(path, 'o\n');
  await new Promise((r) => setTimeout(r, 60));
  writeFileSync(path, 'after rotation\n');
  await new Promise((r) => setTimeout(r, 60));
  f.close();
  rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(seen, ['one', 'two', 'after rotation']);
});
