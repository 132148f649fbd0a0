import assert from 'node:assert/strict';
import { test } from 'node:test';
import { type ClientAfter, withoutProbes } from './sender-traffic.js';

const client: ClientAfter = {
  client: '127.0.0.1',
  failedAfter: 2,
  failedBefore: 0,
  okAfter: 3,
  okBefore: 1,
  okNew: 3,
  lastFailure: null,
  okLast: {},
};

test("the coordinator's own probes come off a client's completed handshakes first, then off its failures", () => {
  assert.deepEqual(withoutProbes(client, 1), { ...client, okAfter: 2, okNew: 2 });
  // More probes than completed handshakes: the rest were seen as failures (a probe closed early).
  assert.deepEqual(withoutProbes(client, 4), { ...client, okAfter: 0, okNew: 0, failedAfter: 1 });
  assert.deepEqual(withoutProbes({ ...client, okAfter: 0, okNew: 0 }, 5), {
    ...client,
    okAfter: 0,
    okNew: 0,
    failedAfter: 0,
  });
});
