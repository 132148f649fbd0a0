import { type Command, Option } from 'commander';
import { KEY_TYPES, parseKeyType } from '../pki/keys.js';
import { fail } from '../shared/errors.js';

/** Collects a repeatable flag (`--host a --host b`) into an array. */
export function collect(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Reads a positive integer flag value. */
export function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) fail('BAD_ARGUMENT', `"${value}" is not a positive whole number`);
  return n;
}

/** The shared `--key-type` option. */
export function keyTypeOption(defaultType = 'ec-p256'): Option {
  return new Option('--key-type <type>', `key algorithm: ${KEY_TYPES.join('|')}`)
    .argParser((v: string) => parseKeyType(v))
    .default(defaultType);
}

/** Adds `--password P` and `--password-file F`. */
export function addPasswordOptions(cmd: Command, what = 'store password'): Command {
  return cmd
    .option('--password <password>', what)
    .option('--password-file <file>', `file whose first line is the ${what}`);
}

/** Adds `--passphrase-file F` (the key passphrase; ROLLOVER_PASSPHRASE is the alternative). */
export function addPassphraseOption(cmd: Command): Command {
  return cmd.option(
    '--passphrase-file <file>',
    'file whose first line is the key passphrase (or set ROLLOVER_PASSPHRASE)',
  );
}
