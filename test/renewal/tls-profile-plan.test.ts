/**
 * The coordinator refuses to plan a renewal whose new credential a node would not serve under the TLS
 * profile it reports (KEY_NOT_IN_TLS_PROFILE, 422), and plans nothing; once a node acknowledges
 * staging, the renewal's node table (the renewal page) shows the profile it reported.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Credential } from '../../src/pki/credential.js';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink, until } from './harness.js';
import { buildLandscape } from './world.js';

const oldRoot = await mintRoot('Profile Old Root');
const newRoot = await mintRoot('Profile New Root');
const oldCred = await mintCredential(oldRoot, ['lb.test']);
const newEc = await mintCredential(newRoot, ['lb.test']);
const newRsa = await mintCredential(newRoot, ['lb.test'], { keyType: 'rsa-2048' });
const pem = (c: { der: Uint8Array }[]) => encodeCertificatesPem(c.map((x) => x.der));
const upload = (name: string, c: Credential) => ({
  name,
  chainPem: pem(c.chain),
  rootPem: pem([c.root]),
  keyPem: privateKeyToPem(c.key.keyObject),
});

const backend = BACKENDS[0]!;
test(`a node serving the modern profile: an RSA credential is refused at planning, an EC one is planned (${backend.name})`, {
  timeout: 90_000,
}, async () => {
  const smtp = new SmtpSink();
  await smtp.start();
  const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
  await co.start();
  try {
    const w = await buildLandscape(co, tempDir('rollover-profile-plan-'), oldCred, newEc, 1, 1, {
      tlsProfile: 'modern',
    });
    const exchangeAt = new Date(Date.now() + 60_000).toISOString();
    const credsBefore = (await co.call('GET', '/api/v1/credentials')).length;
    const refused = await co.call(
      'POST',
      '/api/v1/renewals',
      { virtualServerIds: [w.vsId], credential: upload('rsa', newRsa), exchangeAt },
      undefined,
      422,
    );
    assert.equal(refused.code, 'KEY_NOT_IN_TLS_PROFILE');
    assert.match(refused.detail, /node n1 serves virtual server web with the modern TLS profile/);
    assert.equal((await co.call('GET', '/api/v1/renewals')).length, 0, 'nothing planned');
    assert.equal((await co.call('GET', '/api/v1/credentials')).length, credsBefore, 'nothing imported');
    const ok = await co.call('POST', '/api/v1/renewals', {
      virtualServerIds: [w.vsId],
      credentialId: w.newCredId,
      exchangeAt,
    });
    assert.ok(ok.id);
    // Staged: the node's acknowledgement carries its profile, which the renewal's node table shows.
    await co.call('POST', `/api/v1/renewals/${ok.id}/announce`);
    const staged = await until('staged', async () => {
      const d = await co.call('GET', `/api/v1/renewals/${ok.id}`);
      return d.state === 'staged' ? d : undefined;
    });
    assert.equal(staged.nodes[0].tlsProfile, 'modern');
  } finally {
    await co.stop();
    await smtp.stop();
  }
});
