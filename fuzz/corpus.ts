/** The seed corpus kept in the repository (fuzz/corpus/<target>/*.bin): certificate-only inputs. */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root (this file runs as dist/fuzz/corpus.js). */
export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** The corpus directory of a target. */
export function corpusDir(target: string): string {
  return join(REPO, 'fuzz', 'corpus', target);
}

/** Every committed input of a target. */
export function readCorpus(target: string): Uint8Array[] {
  const d = corpusDir(target);
  if (!existsSync(d)) return [];
  return readdirSync(d)
    .filter((n) => n.endsWith('.bin'))
    .sort()
    .map((n) => new Uint8Array(readFileSync(join(d, n))));
}

/** Adds an input to a target's corpus under its content hash; refuses anything that looks like a key. */
export function addToCorpus(target: string, input: Uint8Array): string | undefined {
  if (Buffer.from(input).toString('latin1').includes('PRIVATE KEY')) return undefined;
  const d = corpusDir(target);
  mkdirSync(d, { recursive: true });
  const name = `${createHash('sha256').update(input).digest('hex').slice(0, 16)}.bin`;
  writeFileSync(join(d, name), input);
  return name;
}
