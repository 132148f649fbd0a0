import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createCsr } from '../pki/csr.js';
import { generateKeyPair } from '../pki/keys.js';
import { RolloverError } from '../shared/errors.js';
import { cliHint } from './hints.js';

test('a core names the field it needs, never a flag; the CLI turns the field into its flag', async () => {
  const keys = await generateKeyPair('ec-p256');
  await assert.rejects(createCsr(keys, []), (e) => {
    assert.ok(e instanceof RolloverError);
    assert.doesNotMatch(e.message, /--/);
    assert.equal(e.details.field, 'hosts');
    assert.match(cliHint(e) ?? '', /--host NAME or --ip ADDRESS/);
    return true;
  });
});

test("an edge's own hint wins over the CLI's table; a code without one has none", () => {
  const own = new RolloverError('PASSPHRASE_REQUIRED', 'x', { hint: 'from the edge' });
  assert.equal(cliHint(own), 'from the edge');
  assert.match(cliHint(new RolloverError('PASSPHRASE_REQUIRED', 'x')) ?? '', /--passphrase-file/);
  assert.equal(cliHint(new RolloverError('EXPIRED', 'x')), undefined);
});
