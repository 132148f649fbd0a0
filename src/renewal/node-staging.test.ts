import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeStaging } from './node-staging.js';

const acked = { stagedAckAt: '2026-12-02T10:00:00Z', verifiedAt: null };
const none = { stagedAckAt: null, verifiedAt: null };

test('a held or cancelled renewal says whether the node still holds the new credential, and why', () => {
  assert.equal(nodeStaging(none, 'held-at-gate').state, 'unstaged');
  assert.match(nodeStaging(none, 'held-at-gate').text, /held at the gate; it keeps serving the old/);
  assert.equal(nodeStaging(acked, 'held-at-gate').state, 'unstaging');
  assert.equal(
    nodeStaging({ ...none, lastError: 'not unstaged yet: ECONNREFUSED' }, 'cancelled').state,
    'unstaging',
  );
  assert.match(nodeStaging(none, 'cancelled').text, /cancelled/);
});

test('before T a node is staged or being staged; after it switched, verified or not', () => {
  assert.equal(nodeStaging(acked, 'staged').state, 'staged');
  assert.equal(nodeStaging(none, 'staging').state, 'staging');
  assert.equal(nodeStaging({ ...acked, verifiedAt: '2026-12-02T11:00:00Z' }, 'verified').state, 'switched');
  assert.match(nodeStaging(acked, 'exchanged').text, /not verified yet/);
  assert.equal(nodeStaging(none, 'planned').state, 'not-announced');
});
