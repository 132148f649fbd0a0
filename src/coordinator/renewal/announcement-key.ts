/**
 * The coordinator's announcement key: a P-256 key generated at first start and kept sealed in the
 * store (so every server process on one PostgreSQL signs with the same key).
 */
import { createPrivateKey, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { publicJwk } from '../../notice/jws.js';
import type { SecretBox } from '../ports/secrets.js';
import type { InstallationValues } from '../ports/settings.js';
import type { AnnouncementKey } from './ports.js';
import { sealSecret, unsealSecret } from './sealing.js';

const META_KEY = 'announcement_key';

/** Loads the announcement key, creating it on first use (the first writer wins on a race). */
export async function loadAnnouncementKey(store: {
  installation: InstallationValues;
  secrets: SecretBox;
}): Promise<AnnouncementKey> {
  let sealed = await store.installation.get(META_KEY);
  if (!sealed) {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    await store.installation.addIfAbsent(META_KEY, sealSecret(store, META_KEY, pem));
    sealed = (await store.installation.get(META_KEY))!;
  }
  const privateKey = createPrivateKey(unsealSecret(store, META_KEY, sealed));
  return { privateKey, jwk: await publicJwk(createPublicKey(privateKey)) };
}
