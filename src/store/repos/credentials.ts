/** CAs and credentials over SQL; keys are sealed here under `table:id` and opened only on request. */
import type { Kysely, Selectable } from 'kysely';
import type { Ca, Credential, CredentialRepo } from '../../coordinator/ports/credentials.js';
import { getRow, insertRow, listRows } from '../entities.js';
import { newId } from '../ids.js';
import type { CaTable, CredentialTable, Database } from '../schema.js';

/** A CA row as the domain value. */
export function toCa(r: Selectable<CaTable>): Ca {
  return {
    id: r.id,
    name: r.name,
    certificatePem: r.certificate_pem,
    fingerprint: r.fingerprint,
    hasKey: r.key_sealed !== null,
    notAfter: r.not_after,
    createdAt: r.created_at,
  };
}

/** A credential row as the domain value (without its sealed key). */
export function toCredential(r: Selectable<CredentialTable>): Credential {
  return {
    id: r.id,
    name: r.name,
    chainPem: r.chain_pem,
    rootPem: r.root_pem,
    fingerprint: r.fingerprint,
    notAfter: r.not_after,
    createdAt: r.created_at,
  };
}

/** How the store seals and opens a row's key. */
export interface KeySeal {
  seal(table: 'cas' | 'credentials', id: string, pem: string): string;
  open(table: 'cas' | 'credentials', id: string): Promise<string | undefined>;
}

/** CAs and credentials on `db`. */
export function sqlCredentials(db: Kysely<Database>, keys: KeySeal): CredentialRepo {
  return {
    async addCa(ca) {
      const id = newId('ca');
      return toCa(
        await insertRow(db, 'cas', {
          id,
          name: ca.name,
          certificate_pem: ca.certificatePem,
          key_sealed: ca.keyPem === undefined ? null : keys.seal('cas', id, ca.keyPem),
          fingerprint: ca.fingerprint,
          not_after: ca.notAfter,
          created_at: ca.createdAt,
        }),
      );
    },
    async ca(id) {
      const r = await getRow(db, 'cas', id);
      return r && toCa(r);
    },
    async cas() {
      return (await listRows(db, 'cas')).map(toCa);
    },
    async addCredential(c) {
      const id = newId('cred');
      return toCredential(
        await insertRow(db, 'credentials', {
          id,
          name: c.name,
          chain_pem: c.chainPem,
          root_pem: c.rootPem,
          key_sealed: keys.seal('credentials', id, c.keyPem),
          fingerprint: c.fingerprint,
          not_after: c.notAfter,
          created_at: c.createdAt,
        }),
      );
    },
    async credential(id) {
      const r = await getRow(db, 'credentials', id);
      return r && toCredential(r);
    },
    async credentials() {
      return (await listRows(db, 'credentials')).map(toCredential);
    },
    caKeyPem: (id) => keys.open('cas', id),
    credentialKeyPem: (id) => keys.open('credentials', id),
  };
}
