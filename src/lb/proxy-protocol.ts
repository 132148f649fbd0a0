/**
 * The PROXY protocol header (HAProxy's spec, versions 1 and 2) that a tcp-mode virtual server writes
 * to its backend before the client's first byte, so the backend learns the client's address.
 * Written here by hand: the header is a few dozen bytes and no npm package writes the v2 TLVs we
 * need. Pure: addresses in, bytes out. Only the LB writes it; nothing a client sends can forge it.
 */
import { isIPv4, isIPv6 } from 'node:net';
import { addressBytes } from './source-exceptions.js';

/** The connection the header describes. */
export interface ProxiedConnection {
  /** The client's address and port as the TLS front saw them. */
  source: { address: string; port: number };
  /** The address and port the client connected to. */
  destination: { address: string; port: number };
  /** The ALPN protocol agreed with the client (v2: PP2_TYPE_ALPN). */
  alpn?: string | undefined;
  /** The server name the client sent (v2: PP2_TYPE_AUTHORITY). */
  servername?: string | undefined;
  /** The TLS version agreed with the client, e.g. `TLSv1.3` (v2: PP2_TYPE_SSL / PP2_SUBTYPE_SSL_VERSION). */
  tlsVersion?: string | undefined;
}

/** The 12-byte v2 signature. */
export const V2_SIGNATURE = Buffer.from([
  0x0d, 0x0a, 0x0d, 0x0a, 0x00, 0x0d, 0x0a, 0x51, 0x55, 0x49, 0x54, 0x0a,
]);

/** v2 TLV types used here (spec §2.2). */
export const PP2 = { ALPN: 0x01, AUTHORITY: 0x02, SSL: 0x20, SSL_VERSION: 0x21, CLIENT_SSL: 0x01 } as const;

/** `::ffff:a.b.c.d` is the IPv4 address a.b.c.d (a dual-stack listener reports IPv4 clients so). */
export function unmapIPv4(address: string): string {
  const m = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  return m ? m[1]! : address;
}

const ipv6Bytes = (address: string) => Buffer.from(addressBytes('ipv6', address.replace(/%.*$/, '')));
const ipv4Bytes = (address: string) => Buffer.from(addressBytes('ipv4', address));

/** Both ends in one family: IPv4 when both are IPv4 (mapped ones included), else IPv6. */
function family(c: ProxiedConnection): { v4: boolean; src: string; dst: string } | undefined {
  const src = unmapIPv4(c.source.address);
  const dst = unmapIPv4(c.destination.address);
  if (isIPv4(src) && isIPv4(dst)) return { v4: true, src, dst };
  const six = (a: string) => (isIPv4(a) ? `::ffff:${a}` : a);
  if ((isIPv4(src) || isIPv6(src)) && (isIPv4(dst) || isIPv6(dst))) {
    return { v4: false, src: six(src), dst: six(dst) };
  }
  return undefined;
}

function tlv(type: number, value: Buffer): Buffer {
  const head = Buffer.alloc(3);
  head[0] = type;
  head.writeUInt16BE(value.length, 1);
  return Buffer.concat([head, value]);
}

/** The PROXY v2 header: `PROXY` command over TCP, with ALPN, authority and TLS-version TLVs. */
export function proxyV2Header(c: ProxiedConnection): Buffer {
  const f = family(c);
  const tlvs: Buffer[] = [];
  if (c.alpn) tlvs.push(tlv(PP2.ALPN, Buffer.from(c.alpn, 'latin1')));
  if (c.servername) tlvs.push(tlv(PP2.AUTHORITY, Buffer.from(c.servername, 'utf8')));
  if (c.tlsVersion) {
    // PP2_TYPE_SSL: client flags (1 byte: the connection used TLS), verify result (4 bytes, 0 = no
    // client certificate failure), then sub-TLVs.
    const head = Buffer.from([PP2.CLIENT_SSL, 0, 0, 0, 0]);
    tlvs.push(tlv(PP2.SSL, Buffer.concat([head, tlv(PP2.SSL_VERSION, Buffer.from(c.tlsVersion, 'latin1'))])));
  }
  let famByte: number;
  let addresses: Buffer;
  if (!f) {
    famByte = 0x00; // AF_UNSPEC: the receiver ignores the addresses
    addresses = Buffer.alloc(0);
  } else {
    const ports = Buffer.alloc(4);
    ports.writeUInt16BE(c.source.port, 0);
    ports.writeUInt16BE(c.destination.port, 2);
    famByte = f.v4 ? 0x11 : 0x21; // TCP over IPv4 / IPv6
    addresses = f.v4
      ? Buffer.concat([ipv4Bytes(f.src), ipv4Bytes(f.dst), ports])
      : Buffer.concat([ipv6Bytes(f.src), ipv6Bytes(f.dst), ports]);
  }
  const body = Buffer.concat([addresses, ...tlvs]);
  const head = Buffer.alloc(16);
  V2_SIGNATURE.copy(head, 0);
  head[12] = 0x21; // version 2, command PROXY
  head[13] = famByte;
  head.writeUInt16BE(body.length, 14);
  return Buffer.concat([head, body]);
}

/** The PROXY v2 header with the LOCAL command (the LB's own connection, e.g. a health check). */
export function proxyV2Local(): Buffer {
  const head = Buffer.alloc(16);
  V2_SIGNATURE.copy(head, 0);
  head[12] = 0x20; // version 2, command LOCAL
  head[13] = 0x00;
  head.writeUInt16BE(0, 14);
  return head;
}

/** The PROXY v1 line: `PROXY TCP4|TCP6 src dst sport dport\r\n` (or `PROXY UNKNOWN`). */
export function proxyV1Header(c?: ProxiedConnection): Buffer {
  const f = c && family(c);
  if (!c || !f) return Buffer.from('PROXY UNKNOWN\r\n', 'latin1');
  return Buffer.from(
    `PROXY ${f.v4 ? 'TCP4' : 'TCP6'} ${f.src} ${f.dst} ${c.source.port} ${c.destination.port}\r\n`,
    'latin1',
  );
}

/** A parsed v2 header (for tests and for backends written in TypeScript). */
export interface ParsedProxyV2 {
  command: 'PROXY' | 'LOCAL';
  source?: { address: string; port: number };
  destination?: { address: string; port: number };
  tlvs: Map<number, Buffer>;
  /** Bytes the header took. */
  length: number;
}

/** Reads a v2 header at the start of `b`; undefined when `b` does not start with a complete one. */
export function parseProxyV2(b: Buffer): ParsedProxyV2 | undefined {
  if (b.length < 16 || !b.subarray(0, 12).equals(V2_SIGNATURE)) return undefined;
  const len = b.readUInt16BE(14);
  if (b.length < 16 + len) return undefined;
  const command = (b[12]! & 0x0f) === 1 ? 'PROXY' : 'LOCAL';
  const fam = b[13]!;
  let off = 16;
  const out: ParsedProxyV2 = { command, tlvs: new Map(), length: 16 + len };
  const hex = (x: Buffer) =>
    Array.from({ length: 8 }, (_, i) => x.readUInt16BE(i * 2).toString(16)).join(':');
  if (fam === 0x11 && len >= 12) {
    out.source = { address: [...b.subarray(16, 20)].join('.'), port: b.readUInt16BE(24) };
    out.destination = { address: [...b.subarray(20, 24)].join('.'), port: b.readUInt16BE(26) };
    off = 28;
  } else if (fam === 0x21 && len >= 36) {
    out.source = { address: hex(b.subarray(16, 32)), port: b.readUInt16BE(48) };
    out.destination = { address: hex(b.subarray(32, 48)), port: b.readUInt16BE(50) };
    off = 52;
  }
  const end = 16 + len;
  while (off + 3 <= end) {
    const t = b[off]!;
    const l = b.readUInt16BE(off + 1);
    if (off + 3 + l > end) break;
    out.tlvs.set(t, b.subarray(off + 3, off + 3 + l));
    off += 3 + l;
  }
  return out;
}
