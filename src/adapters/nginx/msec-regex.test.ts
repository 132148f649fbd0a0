import assert from 'node:assert/strict';
import { test } from 'node:test';
import { msecAtLeast, msecText } from './msec-regex.js';

test('msec prints as nginx prints $msec', () => {
  assert.equal(msecText(1795781858580), '1795781858.580');
  assert.equal(msecText(1795781858005), '1795781858.005');
});

test('the expression matches exactly the instants at or after T, across every digit boundary', () => {
  const ts = [
    1795781858580, 1799999999999, 1800000000000, 1795781858999, 1795781859000, 1700000000001, 1999999999998,
  ];
  for (const T of ts) {
    const re = new RegExp(msecAtLeast(T));
    const probes = [
      T,
      T - 1,
      T + 1,
      T - 999,
      T + 999,
      T - 1000,
      T + 1000,
      T - 86_400_000,
      T + 86_400_000,
      T + 10 ** 9,
      T - 10 ** 9,
    ];
    for (let i = 0; i < 200; i++) probes.push(T + Math.round((Math.random() - 0.5) * 2 * 10 ** (i % 12)));
    for (const v of probes.filter((p) => p >= 1e12 && p < 1e13)) {
      assert.equal(re.test(msecText(v)), v >= T, `T=${T} v=${v} (${msecText(v)})`);
    }
  }
});

test('a time far in the future (more digits of seconds) is after T', () => {
  assert.ok(new RegExp(msecAtLeast(1795781858580)).test('10000000000.000'));
});
