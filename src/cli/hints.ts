/**
 * Advice in the CLI's own terms (flags, environment variables, commands) for codes whose remedy
 * depends on the edge: the cores say what is wrong, this edge says which flag fixes it.
 */
import type { ErrorCode, RolloverError } from '../shared/errors.js';

const HINTS: Partial<Record<ErrorCode, string>> = {
  PASSPHRASE_REQUIRED: 'give the passphrase with --passphrase-file FILE or ROLLOVER_PASSPHRASE',
};

/** The flags that set an input field the cores name in `details.field`. */
const FIELD_HINTS: Record<string, string> = {
  hosts: 'give --host NAME or --ip ADDRESS (each repeatable)',
  days: 'change --days',
  root: 'check --root: it takes the new root CA certificate',
  oldRoot: 'check --old-root: it takes the root CA certificate in use today',
  virtualServerIds: 'name each virtual server with --vs',
  credentialId: 'give --credential DIR or --issue-from CA (one of them)',
  subjectCa: 'cross-sign it with `rollover ca cross-sign --ca OLD-ROOT-DIR --subject-ca NEW-ROOT-DIR`',
  issuer: 'give the URLs to an intermediate or leaf issued with --issuer CA-DIR',
  type: 'give --type (pem, pkcs12, jks, dir or system)',
  rootDir: 'give the store as "system" with --root-dir DIR',
  allowPrivateKeys: 'add --allow-private-keys to edit the trusted entries and leave the keys as they are',
  alias: 'choose another --alias, or leave it out for a name derived from the certificate',
  password: 'give the store password with --password P or --password-file F',
  allowLeaf: 'add --allow-leaf to pin a leaf certificate',
  selector: 'give exactly one of --fingerprint, --alias or --subject',
  force: 'override with --force --reason TEXT (recorded in the report)',
  report: 'give --report an https:// URL (the renewal page shows yours)',
  out: 'choose another --out, or add --force to replace the files',
};

/** The hint to print with an error: its own `details.hint`, else the CLI's for its field or code. */
export function cliHint(e: RolloverError): string | undefined {
  if (typeof e.details.hint === 'string') return e.details.hint;
  const field = e.details.field;
  return (typeof field === 'string' ? FIELD_HINTS[field] : undefined) ?? HINTS[e.code];
}
