import { hostname } from 'node:os';
import type { Command } from 'commander';
import { fail } from '../../shared/errors.js';
import { parseTruststoreType, TRUSTSTORE_TYPES } from '../../truststore/formats/index.js';
import type { StoreRef } from '../../truststore/operations.js';
import type { CliContext } from '../context.js';
import { passwordFrom } from '../secrets.js';

/** The flags every truststore-reading command shares. */
export interface StoreFlags {
  type?: string;
  rootDir?: string;
  password?: string;
  passwordFile?: string;
}

// ../options.js is not imported here: it loads the X.509 library (for --key-type), ~90 ms of start time.

/** Collects a repeatable flag into an array. */
export function collectValues(value: string, previous: string[] = []): string[] {
  return [...previous, value];
}

/** Reads a positive whole number flag value. */
export function positiveWhole(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`"${value}" is not a positive whole number`);
  return n;
}

/** Adds `--type`, `--root-dir`, `--password`, `--password-file`. */
export function addStoreOptions(cmd: Command): Command {
  return cmd
    .option('--type <type>', `store type (${TRUSTSTORE_TYPES.join('|')}); detected when left out`)
    .option('--root-dir <dir>', 'for the system store: the root of the file system to work on (default /)')
    .option('--password <password>', 'store password (PKCS#12, JKS)')
    .option('--password-file <file>', 'file whose first line is the store password');
}

/** A store reference from a FILE argument and the shared flags. */
export async function storeRef(file: string, o: StoreFlags): Promise<StoreRef> {
  const password = await passwordFrom(o);
  return {
    path: file,
    ...(o.type ? { type: parseTruststoreType(o.type) } : {}),
    ...(o.rootDir ? { rootDir: o.rootDir } : {}),
    ...(password !== undefined ? { password } : {}),
  };
}

/** Adds `--report URL`, `--token T`, `--report-ca FILE` and `--sender ID`. */
export function addReportOptions(cmd: Command): Command {
  return cmd
    .option('--report <url>', 'post the record to the coordinator (…/api/v1/renewals/{id}/evidence)')
    .option('--token <token>', 'the sender-scoped API token for --report (or set ROLLOVER_TOKEN)')
    .option('--report-ca <file>', "PEM file of CA certificates to trust for the coordinator's HTTPS")
    .option('--sender <id>', "this sender's identifier at the coordinator (default: the host name)");
}

/** The report target from the flags, or undefined without --report. */
export async function reportTarget(
  ctx: CliContext,
  o: { report?: string; token?: string; reportCa?: string },
): Promise<{ url: string; token: string; ca?: string } | undefined> {
  if (!o.report) return undefined;
  const token = o.token ?? ctx.env.ROLLOVER_TOKEN;
  if (!token)
    fail('BAD_ARGUMENT', '--report needs --token T (or ROLLOVER_TOKEN): the token scoped to this sender');
  const ca = o.reportCa
    ? (await (await import('../../files/atomic.js')).readFileChecked(o.reportCa)).toString()
    : undefined;
  return { url: o.report, token, ...(ca ? { ca } : {}) };
}

/** The sender identifier: `--sender`, else ROLLOVER_SENDER, else the host name. */
export function senderId(ctx: CliContext, o: { sender?: string }): string {
  return o.sender ?? ctx.env.ROLLOVER_SENDER ?? hostname();
}
