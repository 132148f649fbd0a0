/** CAs and credentials in memory: a fake of the port for unit tests (see ../fakes.ts). */
import { fail } from '../../../shared/errors.js';
import type { Ca, Credential, CredentialRepo } from '../credentials.js';
import { byId } from './rows.js';

/** CAs and credentials in arrays; keys kept beside them in the clear (a fake seals nothing). */
export class FakeCredentials implements CredentialRepo {
  caRows: Ca[] = [];
  credentialRows: Credential[] = [];
  keys: Record<string, string> = {};
  private next = 0;

  private id(prefix: string) {
    return `${prefix}_${String(++this.next).padStart(6, '0')}`;
  }
  async addCa({ keyPem, ...ca }: Omit<Ca, 'id' | 'hasKey'> & { keyPem: string | undefined }) {
    if (this.caRows.some((c) => c.name === ca.name))
      fail('NAME_TAKEN', 'a CA with this name already exists: choose another name');
    const row: Ca = { ...ca, id: this.id('ca'), hasKey: keyPem !== undefined };
    if (keyPem !== undefined) this.keys[row.id] = keyPem;
    this.caRows.push(row);
    return { ...row };
  }
  async ca(id: string) {
    const c = this.caRows.find((x) => x.id === id);
    return c && { ...c };
  }
  async cas() {
    return byId(this.caRows);
  }
  async addCredential({ keyPem, ...c }: Omit<Credential, 'id'> & { keyPem: string }) {
    if (this.credentialRows.some((x) => x.name === c.name))
      fail('NAME_TAKEN', 'a credential with this name already exists: choose another name');
    const row: Credential = { ...c, id: this.id('cred') };
    this.keys[row.id] = keyPem;
    this.credentialRows.push(row);
    return { ...row };
  }
  async credential(id: string) {
    const c = this.credentialRows.find((x) => x.id === id);
    return c && { ...c };
  }
  async credentials() {
    return byId(this.credentialRows);
  }
  async caKeyPem(id: string) {
    return this.caRows.some((c) => c.id === id) ? this.keys[id] : undefined;
  }
  async credentialKeyPem(id: string) {
    return this.credentialRows.some((c) => c.id === id) ? this.keys[id] : undefined;
  }
}
