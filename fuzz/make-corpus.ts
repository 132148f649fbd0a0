/**
 * `node dist/fuzz/make-corpus.js`: writes each target's run-time seeds that hold no private key into
 * fuzz/corpus/<target>/ (PEM key blocks and PKCS#12 files with key bags are left out; the JKS seed's
 * "protected key" is filler bytes, not a key).
 */

import { decodePkcs12 } from '../src/pki/formats/pkcs12.js';
import { addToCorpus } from './corpus.js';
import { TARGETS } from './targets.js';

async function keyFree(target: string, input: Uint8Array): Promise<boolean> {
  if (Buffer.from(input).toString('latin1').includes('PRIVATE KEY')) return false;
  if (target !== 'pkcs12') return true;
  try {
    const s = await decodePkcs12(input, 'changeit');
    return s.entries.every((e) => e.kind === 'trusted-cert');
  } catch {
    return false;
  }
}

for (const t of TARGETS) {
  await t.setup?.();
  let n = 0;
  for (const input of await t.seeds()) if ((await keyFree(t.name, input)) && addToCorpus(t.name, input)) n++;
  process.stdout.write(`${t.name}: ${n} seed(s)\n`);
}
process.exit(0);
