/**
 * The coordinator's announcement key: a P-256 key generated at first start and kept sealed in the
 * store (so every server process on one PostgreSQL signs with the same key).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { publicJwk } from '../../notice/jws.js';
import type { Store } from '../../store/store.js';
import type { AnnouncementKey } from './ports.js';
import { sealSecret, unsealSecret } from './sealing.js';

const META_KEY = 'announcement_key';

/** Loads the announcement key, creating it on first use (the first writer wins on a race). */
export async function loadAnnouncementKey(store: Store): Promise<AnnouncementKey> {
  let sealed = await store.meta(META_KEY);
  if (!sealed) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await store.db
      .insertInto('meta')
      .values({ key: META_KEY, value: sealSecret(store, META_KEY, pem) })
      .onConflict((oc) => oc.column('key').doNothing())
      .execute();
    sealed = (await store.meta(META_KEY))!;
  }
  const privateKey = createPrivateKey(unsealSecret(store, META_KEY, sealed));
  return { privateKey, jwk: await publicJwk(createPublicKey(privateKey)) };
}
