import assert from 'node:assert/strict';
import { test } from 'node:test';
import { readSenderCsv, splitCsv } from './sender-csv.js';

test('quoted cells keep commas, quotes and line breaks', () => {
  const { records, problems } = splitCsv('a,b\n"x, y","say ""hi""\nthere"\n');
  assert.deepEqual(problems, []);
  assert.deepEqual(records[1], { line: 2, cells: ['x, y', 'say "hi"\nthere'] });
});

test('a sender CSV becomes rows with list cells split on semicolons and spaces', () => {
  const csv =
    'name,contacts,truststore_kind,source_addresses,client_cert_subject\r\n' +
    'payroll,ops@a.test; oncall@a.test,jks,192.0.2.0/24 198.51.100.7,"CN=payroll,O=Acme"\r\n' +
    'billing,b@a.test,pem,,\r\n';
  const { rows, problems } = readSenderCsv(csv);
  assert.deepEqual(problems, []);
  assert.deepEqual(rows, [
    {
      line: 2,
      fields: {
        name: 'payroll',
        contacts: ['ops@a.test', 'oncall@a.test'],
        truststoreKind: 'jks',
        sourceAddresses: ['192.0.2.0/24', '198.51.100.7'],
        clientCertSubject: 'CN=payroll,O=Acme',
      },
    },
    { line: 3, fields: { name: 'billing', contacts: ['b@a.test'], truststoreKind: 'pem' } },
  ]);
});

test('a missing column, an unknown column, a short row and an open quote are each reported with their line', () => {
  assert.match(
    readSenderCsv('name,contacts\nx,y\n').problems[0]!.message,
    /lacks the column "truststore_kind"/,
  );
  assert.match(
    readSenderCsv('name,contacts,truststore_kind,colour\nx,y,pem,red\n').problems[0]!.message,
    /unknown column "colour"/,
  );
  const short = readSenderCsv('name,contacts,truststore_kind\nx,y,pem\nz,w\n').problems;
  assert.deepEqual(short, [{ line: 3, message: '2 cells where the header has 3' }]);
  assert.match(
    readSenderCsv('name,contacts,truststore_kind\n"x,y,pem\n').problems[0]!.message,
    /never closed/,
  );
  assert.match(readSenderCsv('').problems[0]!.message, /empty/);
  assert.match(readSenderCsv('name,contacts,truststore_kind\n').problems[0]!.message, /no sender rows/);
});
