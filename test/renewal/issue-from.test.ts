/**
 * `plan --issue-from CA`: the coordinator issues the credential from a CA it holds (key sealed) for the
 * virtual server's hosts; an external root (no key) or an unknown CA is refused and nothing is planned.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { encodeCertificatesPem } from '../../src/pki/formats/pem.js';
import { privateKeyToPem } from '../../src/pki/keys.js';
import { generateMasterKey } from '../../src/store/seal.js';
import { BACKENDS } from '../coordinator/stores.js';
import { mintCredential, mintRoot } from '../kit/ca.js';
import { tempDir } from '../kit/tmp.js';
import { Coordinator, SmtpSink } from './harness.js';
import { buildLandscape } from './world.js';

const oldCred = await mintCredential(await mintRoot('Old Root'), ['lb.test']);
const newCred = await mintCredential(await mintRoot('Unused Root'), ['lb.test']);
const issuing = await mintRoot('Issuing Root');
const external = await mintRoot('External Root');

for (const backend of BACKENDS) {
  test(`a renewal can be planned with a credential the coordinator issues from its CA (${backend.name})`, async () => {
    const smtp = new SmtpSink();
    await smtp.start();
    const co = new Coordinator(backend.config(), generateMasterKey(), () => smtp.port);
    await co.start();
    try {
      const w = await buildLandscape(co, tempDir('rollover-issue-'), oldCred, newCred, 1, 1);
      const ca = await co.call('POST', '/api/v1/cas', {
        name: 'issuing',
        certificatePem: encodeCertificatesPem([issuing.cert.der]),
        keyPem: privateKeyToPem(issuing.key.keyObject),
      });
      const ext = await co.call('POST', '/api/v1/cas', {
        name: 'external',
        certificatePem: encodeCertificatesPem([external.cert.der]),
      });
      const exchangeAt = new Date(Date.now() + 60_000).toISOString();
      const credsBefore = (await co.call('GET', '/api/v1/credentials')).length;
      assert.equal(
        (
          await co.call(
            'POST',
            '/api/v1/renewals',
            { virtualServerIds: [w.vsId], issueFromCaId: ext.id, exchangeAt },
            undefined,
            409,
          )
        ).code,
        'CA_HAS_NO_KEY',
      );
      assert.equal(
        (
          await co.call(
            'POST',
            '/api/v1/renewals',
            { virtualServerIds: [w.vsId], issueFromCaId: 'ca_nope', exchangeAt },
            undefined,
            404,
          )
        ).code,
        'NOT_FOUND',
      );
      assert.equal((await co.call('GET', '/api/v1/credentials')).length, credsBefore);
      assert.equal((await co.call('GET', '/api/v1/renewals')).length, 0);
      const d = await co.call('POST', '/api/v1/renewals', {
        virtualServerIds: [w.vsId],
        issueFromCaId: ca.id,
        exchangeAt,
        rollbackWindow: '48h',
      });
      assert.equal(d.state, 'planned');
      assert.equal(d.newRootSha256, issuing.cert.sha256);
      const issued = (await co.call('GET', '/api/v1/credentials')).find(
        (c: { rootFingerprint: string }) => c.rootFingerprint === issuing.cert.sha256,
      );
      assert.deepEqual([...issued.hosts].sort(), ['127.0.0.1', 'lb.test']);
      assert.ok(Date.parse(issued.notAfter) > Date.parse(exchangeAt) + 48 * 3_600_000);
    } finally {
      await co.stop();
      await smtp.stop();
    }
  });
}
