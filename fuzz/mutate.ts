/**
 * Seed-corpus mutation (the libFuzzer/AFL operators without coverage feedback): bit flips,
 * interesting bytes, runs of inserted or deleted bytes, copies within the input, splices with another
 * seed, truncation, and DER-aware edits that change a length or a tag so a parser meets inconsistent
 * structure deep inside an otherwise valid file. Deterministic for a given PRNG state.
 */

/** A small fast PRNG (xorshift32): reproducible runs from a seed number. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0 || 0x9e3779b9;
  }
  /** A 32-bit unsigned integer. */
  next(): number {
    let x = this.s;
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    this.s = x >>> 0;
    return this.s;
  }
  /** An integer in [0, n). */
  below(n: number): number {
    return n <= 0 ? 0 : this.next() % n;
  }
}

const INTERESTING = [
  0x00, 0x01, 0x02, 0x7f, 0x80, 0x81, 0x82, 0x83, 0x84, 0xff, 0x30, 0x31, 0x04, 0x05, 0x06,
];

/** The offsets of plausible DER length bytes (after a constructed or common primitive tag). */
function derLengthOffsets(b: Uint8Array, rng: Rng, max = 64): number[] {
  const out: number[] = [];
  const start = rng.below(Math.max(1, b.length));
  for (let i = start; i < b.length - 1 && out.length < max; i++) {
    const t = b[i]!;
    if (t === 0x30 || t === 0x31 || t === 0x04 || t === 0x02 || t === 0x06 || t === 0xa0 || t === 0x03)
      out.push(i + 1);
  }
  return out;
}

/** One mutation of `input` (never longer than `maxLen`); `other` is a second seed for splicing. */
export function mutate(input: Uint8Array, other: Uint8Array, rng: Rng, maxLen = 64 * 1024): Uint8Array {
  let b: Uint8Array = input.slice();
  const rounds = 1 + rng.below(4);
  for (let r = 0; r < rounds; r++) {
    const op = rng.below(11);
    const at = rng.below(b.length + 1);
    switch (op) {
      case 0: // flip a bit
        if (b.length) b[rng.below(b.length)]! ^= 1 << rng.below(8);
        break;
      case 1: // an interesting byte
        if (b.length) b[rng.below(b.length)] = INTERESTING[rng.below(INTERESTING.length)]!;
        break;
      case 2: // a random byte
        if (b.length) b[rng.below(b.length)] = rng.below(256);
        break;
      case 3: {
        // insert random bytes
        const n = 1 + rng.below(rng.below(2) ? 4 : 64);
        const ins = new Uint8Array(n).map(() => rng.below(256));
        b = concat(b.subarray(0, at), ins, b.subarray(at));
        break;
      }
      case 4: {
        // delete a run
        const n = 1 + rng.below(Math.min(64, Math.max(1, b.length - at)));
        b = concat(b.subarray(0, at), b.subarray(Math.min(b.length, at + n)));
        break;
      }
      case 5: {
        // duplicate a run of the input elsewhere in it
        if (!b.length) break;
        const from = rng.below(b.length);
        const n = 1 + rng.below(Math.min(256, b.length - from));
        b = concat(b.subarray(0, at), b.slice(from, from + n), b.subarray(at));
        break;
      }
      case 6: {
        // splice: a head of this input and a tail of the other seed
        const cut = rng.below(other.length + 1);
        b = concat(b.subarray(0, at), other.subarray(cut));
        break;
      }
      case 7: // truncate
        b = b.subarray(0, at);
        break;
      case 8: {
        // a DER length byte made wrong (short/long form, too large, indefinite)
        const offs = derLengthOffsets(b, rng);
        if (!offs.length) break;
        const o = offs[rng.below(offs.length)]!;
        const choices = [0x80, 0x81, 0x84, 0xff, 0x00, 0x7f, (b[o]! + 1) & 0xff, (b[o]! - 1) & 0xff];
        b[o] = choices[rng.below(choices.length)]!;
        break;
      }
      case 9: {
        // a long-form length of four bytes with a huge value
        const offs = derLengthOffsets(b, rng);
        if (!offs.length) break;
        const o = offs[rng.below(offs.length)]!;
        b = concat(
          b.subarray(0, o),
          Uint8Array.of(0x84, 0x7f, 0xff, 0xff, rng.below(256)),
          b.subarray(o + 1),
        );
        break;
      }
      default: {
        // a tag changed (universal ↔ context, primitive ↔ constructed)
        const offs = derLengthOffsets(b, rng);
        if (!offs.length) break;
        const o = offs[rng.below(offs.length)]! - 1;
        b[o] = [0x30, 0x31, 0x04, 0x02, 0x06, 0xa0, 0xa3, 0x80, 0x05, 0x13, 0x0c][rng.below(11)]!;
      }
    }
  }
  return b.length > maxLen ? b.subarray(0, maxLen) : b;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}
