/** The secret box in memory: a fake of the port for unit tests (see ../fakes.ts). */
import type { SecretBox } from '../secrets.js';

/** A secret box that "seals" by wrapping the text with its context (no secrecy; the context is checked). */
export class FakeSecretBox implements SecretBox {
  seal(context: string, plain: string) {
    return `fake-sealed:${Buffer.from(JSON.stringify([context, plain])).toString('base64')}`;
  }
  unseal(context: string, sealed: string) {
    const [c, plain] = JSON.parse(
      Buffer.from(sealed.replace(/^fake-sealed:/, ''), 'base64').toString('utf8'),
    ) as [string, string];
    if (c !== context) throw new Error('the sealed secret belongs to another context');
    return plain;
  }
  linkKey() {
    return Buffer.alloc(32, 9);
  }
}
