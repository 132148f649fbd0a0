import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { CredentialRecord } from '../../lb/credential-record.js';
import { msecAtLeast } from './msec-regex.js';
import { NginxTimeSwitchDriver, planMapFile } from './time-switch.js';

const rec = (sha: string, bridge?: { sha: string; until: number }): CredentialRecord => ({
  sha256: sha.repeat(64 / sha.length),
  subject: 'CN=x',
  notAfter: '2030-01-01T00:00:00.000Z',
  rootSha256: '0'.repeat(64),
  keyAlgorithm: 'ec',
  keyPem: 'KEY',
  certPem: 'CERT',
  rootPem: 'ROOT',
  ...(bridge
    ? {
        bridge: { certPem: 'BRIDGE', sha256: bridge.sha.repeat(64 / bridge.sha.length), until: bridge.until },
      }
    : {}),
});
const T = Date.parse('2026-12-01T12:00:00Z');
const B = Date.parse('2026-12-15T12:00:00Z');
const oldR = rec('a', { sha: 'c', until: T });
const newR = rec('b', { sha: 'd', until: B });
const slot = (r: CredentialRecord, bridged: boolean) => NginxTimeSwitchDriver.fileSlot(r, bridged);

test('with bridges, one class: newest instant first — plain new from the deadline, bridged new from T, bridged old before', () => {
  const text = planMapFile('vs', { old: oldR, new: newR, from: T, entries: [] });
  const lines = text.split('\n').filter((l) => l.startsWith('    '));
  assert.deepEqual(lines, [
    `    default ${slot(oldR, true)};`,
    `    "~${msecAtLeast(B)}" ${slot(newR, false)};  # from 2026-12-15T12:00:00.000Z`,
    `    "~${msecAtLeast(T)}" ${slot(newR, true)};  # from 2026-12-01T12:00:00.000Z`,
  ]);
  assert.notEqual(slot(newR, true), slot(newR, false));
});

test('with bridges and a grace entry past the deadline: that class gets the old chain plain until its step, then the new one plain', () => {
  const G = Date.parse('2026-12-20T12:00:00Z');
  const text = planMapFile('vs', {
    old: oldR,
    new: newR,
    from: T,
    entries: [{ cidr: '10.0.0.0/8', from: G }],
  });
  assert.match(text, /geo \$remote_addr/);
  const s1 = text.split('\n').filter((l) => l.includes('^s1\\|'));
  assert.deepEqual(
    s1.map((l) => l.trim().split(' ')[1]),
    [`${slot(newR, false)};`, `${slot(oldR, false)};`, `${slot(oldR, true)};`],
    'from G plain new; from B (still before G) plain old; from T plain old… and bridged old before T',
  );
});

test('after the exchange (one credential with its forward bridge): the bridge until the deadline, then plain', () => {
  const text = planMapFile('vs', { old: newR, new: newR, from: 0, entries: [] });
  const lines = text.split('\n').filter((l) => l.startsWith('    '));
  assert.deepEqual(lines, [
    `    default ${slot(newR, true)};`,
    `    "~${msecAtLeast(B)}" ${slot(newR, false)};  # from 2026-12-15T12:00:00.000Z`,
  ]);
});
