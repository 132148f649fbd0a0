import assert from 'node:assert/strict';
import { BlockList, isIP, SocketAddress } from 'node:net';
import { test } from 'node:test';
import {
  addressMatches,
  blockText,
  canonicalAddress,
  clientKey,
  ipVersion,
  parseAddress,
  parseBlock,
} from './ip.js';

test('ipVersion agrees with node:net isIP on addresses and non-addresses', () => {
  const samples = [
    '127.0.0.1',
    '0.0.0.0',
    '255.255.255.255',
    '256.0.0.1',
    '1.2.3',
    '01.2.3.4',
    '1.2.3.4.5',
    '::1',
    '::',
    'fe80::1',
    '2001:db8::8a2e:370:7334',
    '::ffff:192.0.2.1',
    '1::2::3',
    'gggg::1',
    'lb.example.com',
    '',
    '12345::',
    '[::1]',
  ];
  for (const s of samples) assert.equal(ipVersion(s), isIP(s), s);
});

test('an IPv6 zone id, which no certificate can carry, is not an address for ipVersion', () => {
  assert.equal(isIP('fe80::1%eth0'), 6);
  assert.equal(ipVersion('fe80::1%eth0'), 0);
});

test('one canonical text per address: every spelling of loopback, mapped IPv4, case, zone ids', () => {
  const same: Array<[string, string[]]> = [
    ['::1', ['::1', '0:0:0:0:0:0:0:1', '0::1', '::0001', '0000:0000:0000:0000:0000:0000:0000:0001']],
    [
      '127.0.0.1',
      ['127.0.0.1', '::ffff:127.0.0.1', '::FFFF:127.0.0.1', '::ffff:7f00:1', '0:0:0:0:0:ffff:7f00:1'],
    ],
    ['2001:db8::a', ['2001:DB8::A', '2001:db8:0:0:0:0:0:a', '2001:0db8::000a']],
    ['fe80::1', ['fe80::1%eth0', 'FE80::1%2', 'fe80:0::1%en0']],
    ['2001:db8:0:1:1:1:1:1', ['2001:db8:0:1:1:1:1:1']],
    ['2001:db8::1:0:0:1', ['2001:db8:0:0:1:0:0:1']],
    ['::', ['::', '0:0:0:0:0:0:0:0']],
  ];
  for (const [canonical, spellings] of same) {
    for (const s of spellings) assert.equal(canonicalAddress(s), canonical, s);
  }
  for (const bad of [
    '',
    'localhost',
    '::1/128',
    '10.0.0.1/32',
    '1::2::3',
    '[::1]',
    '01.2.3.4',
    'fe80::1%',
    '10.0.0.1%eth0',
    '::1%a b',
  ]) {
    assert.equal(canonicalAddress(bad), undefined, bad);
  }
});

/** A seeded generator, so a failure is reproducible. */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

/** An IPv6 address with many zero words (to exercise `::`), in a random spelling: case, leading zeros, compression. */
function randomV6(r: () => number): { words: number[]; text: string } {
  const words = Array.from({ length: 8 }, () => (r() < 0.5 ? 0 : Math.floor(r() * 0x10000)));
  const word = (w: number) => {
    const h = w.toString(16).padStart(r() < 0.3 ? 4 : 1, '0');
    return r() < 0.5 ? h.toUpperCase() : h;
  };
  const full = words.map(word);
  // Compress one random run of zero words, if any.
  const zeros: number[] = [];
  for (let i = 0; i < 8; i++) if (words[i] === 0) zeros.push(i);
  if (zeros.length && r() < 0.7) {
    const start = zeros[Math.floor(r() * zeros.length)]!;
    let end = start;
    while (end + 1 < 8 && words[end + 1] === 0) end++;
    return { words, text: `${full.slice(0, start).join(':')}::${full.slice(end + 1).join(':')}` };
  }
  return { words, text: full.join(':') };
}

test('canonical IPv6 text is what the WHATWG URL serialiser and node:net SocketAddress read back as the same address', () => {
  const r = random(7);
  for (let i = 0; i < 3000; i++) {
    const { words, text } = randomV6(r);
    const c = canonicalAddress(text);
    if (words.slice(0, 6).join() === '0,0,0,0,0,65535') {
      assert.equal(isIP(c!), 4, `${text} is IPv4-mapped`);
      assert.equal(c, [words[6]! >> 8, words[6]! & 255, words[7]! >> 8, words[7]! & 255].join('.'));
      continue;
    }
    // RFC 5952 form: the URL serialiser writes it (never a dotted quad, unlike inet_ntop for ::a.b.c.d).
    assert.equal(c, new URL(`http://[${text}]/`).hostname.slice(1, -1), text);
    // The same 128 bits as node:net reads them.
    assert.equal(
      new SocketAddress({ address: c!, family: 'ipv6' }).address,
      new SocketAddress({ address: text, family: 'ipv6' }).address,
      text,
    );
  }
});

test('addressMatches agrees with node:net BlockList on random addresses and blocks of both families', () => {
  const r = random(11);
  const v4 = () => Array.from({ length: 4 }, () => Math.floor(r() * 256)).join('.');
  for (let i = 0; i < 3000; i++) {
    const family = r() < 0.5 ? 'ipv4' : 'ipv6';
    const base = family === 'ipv4' ? v4() : randomV6(r).text;
    const prefix = Math.floor(r() * (family === 'ipv4' ? 33 : 129));
    // Addresses near the block's network (same leading bits) as often as not.
    const near =
      family === 'ipv4'
        ? base.replace(/\.\d+$/, `.${Math.floor(r() * 256)}`)
        : `${base.split('::')[0]}::${Math.floor(r() * 0xffff).toString(16)}`;
    for (const addr of [base, near, v4(), randomV6(r).text, `::ffff:${v4()}`]) {
      if (!isIP(addr)) continue;
      const list = new BlockList();
      list.addSubnet(base, prefix, family);
      const expected = list.check(addr, isIP(addr) === 4 ? 'ipv4' : 'ipv6');
      const hintV6BelowMapped = family === 'ipv6' && prefix < 96;
      const addrIsV4 = canonicalAddress(addr)!.includes('.');
      // The one difference, on purpose: an IPv6 block shorter than /96 (`::/0`) does not hold IPv4
      // addresses here — IPv4 and IPv6 blocks never overlap, as in the grace table.
      if (hintV6BelowMapped && addrIsV4) {
        assert.equal(addressMatches(addr, `${base}/${prefix}`), false, `${addr} in ${base}/${prefix}`);
        continue;
      }
      assert.equal(addressMatches(addr, `${base}/${prefix}`), expected, `${addr} in ${base}/${prefix}`);
    }
  }
});

test('a client address is attributed through an address or a block, IPv4 or IPv6, in any spelling', () => {
  assert.equal(addressMatches('127.0.0.4', '127.0.0.4'), true);
  assert.equal(addressMatches('::ffff:127.0.0.4', '127.0.0.4'), true);
  assert.equal(addressMatches('127.0.0.4', '::ffff:127.0.0.4'), true);
  assert.equal(addressMatches('127.0.0.4', '127.0.0.2'), false);
  assert.equal(addressMatches('10.1.2.3', '10.1.0.0/16'), true);
  assert.equal(addressMatches('10.2.2.3', '10.1.0.0/16'), false);
  assert.equal(addressMatches('10.2.2.3', '0.0.0.0/0'), true);
  assert.equal(addressMatches('200.1.2.3', '200.1.2.0/24'), true, 'a high first octet is unsigned');
  assert.equal(addressMatches('10.1.2.3', '10.1.2.3/32'), true);
  assert.equal(addressMatches('10.1.2.3', '10.1.0.0/33'), false, 'a prefix beyond 32 bits matches nothing');
  assert.equal(
    addressMatches('10.1.2.3', '::ffff:10.0.0.0/104'),
    true,
    'an IPv4-mapped block is its IPv4 block',
  );
  assert.equal(addressMatches('::ffff:10.1.2.3', '10.0.0.0/8'), true);
  assert.equal(addressMatches('2001:db8::1', '2001:db8::/32'), true);
  assert.equal(addressMatches('2001:DB8:0:0::1', '2001:0db8::/32'), true);
  assert.equal(addressMatches('2001:db9::1', '2001:db8::/32'), false);
  assert.equal(addressMatches('0:0:0:0:0:0:0:1', '::1'), true);
  assert.equal(addressMatches('fe80::1%eth0', 'fe80::/10'), true, 'a zone id on the address is dropped');
  assert.equal(addressMatches('::1', '::1/129'), false);
  assert.equal(addressMatches('10.0.0.1', '::/0'), false, 'IPv4 is not inside an IPv6 block');
  assert.equal(addressMatches('::1', '0.0.0.0/0'), false);
  assert.equal(addressMatches('not-an-address', '0.0.0.0/0'), false);
});

test('blocks are read in canonical form with host bits cleared; zone ids and junk are refused', () => {
  const text = (s: string) => {
    const b = parseBlock(s);
    return b && blockText(b);
  };
  assert.equal(text('10.1.2.3/16'), '10.1.0.0/16');
  assert.equal(text('2001:DB8::7/32'), '2001:db8::/32');
  assert.equal(text('::1'), '::1/128');
  assert.equal(text('::ffff:10.0.0.0/104'), '10.0.0.0/8');
  assert.equal(text('::ffff:0:0/96'), '0.0.0.0/0');
  assert.equal(text('::/0'), '::/0');
  for (const bad of [
    '10.0.0.0/33',
    '::/129',
    'fe80::1%eth0',
    'fe80::%eth0/64',
    'proxy.example',
    '10.0.0.0/8/1',
    '10.0.0.0/',
    '10.0.0.0/a',
    '10.0.0.0/-1',
  ]) {
    assert.equal(parseBlock(bad), undefined, bad);
  }
  assert.equal(parseAddress('10.0.0.0/32'), undefined, 'a block is not an address');
});

test('a client is counted by its IPv4 address or its IPv6 /64, whatever the spelling', () => {
  assert.equal(clientKey('203.0.113.7'), '203.0.113.7');
  assert.equal(clientKey('::ffff:203.0.113.7'), '203.0.113.7');
  assert.equal(clientKey('::1'), '::/64');
  assert.equal(clientKey('0:0:0:0:0:0:0:1'), '::/64');
  assert.equal(clientKey('2001:db8:1:2:aaaa:bbbb:cccc:dddd'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:DB8:1:2::FFFF'), '2001:db8:1:2::/64');
  assert.equal(clientKey('2001:db8:1:3::1'), '2001:db8:1:3::/64', 'the next /64 is another client');
  assert.equal(clientKey('fe80::1%eth0'), 'fe80::/64');
  assert.equal(clientKey('unknown'), 'unknown');
});
