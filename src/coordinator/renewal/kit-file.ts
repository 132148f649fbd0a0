/** One file of a renewal's sender kit (the new root, and the old one until removal), built on demand. */
import { readOneCertificate } from '../../pki/certificate.js';
import { buildKit, DEFAULT_STORE_PASSWORD, KIT_FILES } from '../../pki/kit.js';
import { notFound } from '../env.js';
import type { RenewalFacts } from './model.js';

/** A kit file's bytes and content type. */
export interface KitFile {
  content: string | Uint8Array;
  contentType: string;
}

/** Builds the kit of a renewal and returns `file` from it (NOT_FOUND for a name not in the kit); `statusUrl` goes into its instructions. */
export async function kitFile(
  f: RenewalFacts,
  file: string,
  now: Date,
  statusUrl?: string,
): Promise<KitFile> {
  if (!(KIT_FILES as readonly string[]).includes(file)) notFound('kit file', file);
  const kit = await buildKit({
    root: readOneCertificate(f.newCred.rootPem, 'root'),
    ...(f.oldCred ? { oldRoot: readOneCertificate(f.oldCred.rootPem, 'root') } : {}),
    password: DEFAULT_STORE_PASSWORD,
    now,
    ...(statusUrl ? { statusUrl } : {}),
    ...(f.renewal.bridge ? { bridgeUntil: new Date(f.renewal.bridge.until) } : {}),
  });
  const content = kit.files[file as (typeof KIT_FILES)[number]];
  const text = file.endsWith('.txt') || file.endsWith('.md') || file.endsWith('.pem');
  return { content, contentType: text ? 'text/plain; charset=utf-8' : 'application/octet-stream' };
}
