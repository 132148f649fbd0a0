import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseFailureLine } from './failure-log.js';

test('HAProxy error-log lines: the alert the client sent, the client and the virtual server', () => {
  const line = (s: string) => `<134>Dec  2 18:12:37 haproxy[25266]: rollover-tls-fail vs1 ${s}`;
  assert.deepEqual(parseFailureLine(line('127.0.0.8 error:0A000418:SSL routines::tlsv1 alert unknown ca')), {
    virtualServer: 'vs1',
    client: '127.0.0.8',
    reason: 'unknown_ca',
  });
  assert.equal(
    parseFailureLine(line('::1 error:0A000412:SSL routines::sslv3 alert bad certificate'))?.reason,
    'bad_certificate',
  );
  assert.equal(
    parseFailureLine(line('10.0.0.1 error:0A000416:SSL routines::sslv3 alert certificate unknown'))?.reason,
    'certificate_unknown',
  );
  // A connection closed before a request (a client that verifies after the handshake, like Node's): no alert.
  assert.equal(parseFailureLine(line('127.0.0.7 -'))?.reason, 'other');
  assert.equal(parseFailureLine('<134>Dec  2 haproxy[1]: 127.0.0.1:5 [02/Dec] fe be 0/0 200'), undefined);
});
