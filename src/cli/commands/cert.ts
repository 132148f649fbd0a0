import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';
import { registerCertCheck } from './cert-check.js';
import { registerCertExport } from './cert-export.js';
import { registerCertImport } from './cert-import.js';
import { registerCertInspect } from './cert-inspect.js';
import { registerCertIssue } from './cert-issue.js';

/** `rollover cert …`: issue, import, check, inspect, export server credentials. */
export function registerCert(program: Command, ctx: CliContext, run: Runner): Command {
  const cert = program
    .command('cert')
    .description('server credentials: issue, import, check, inspect, export (offline)');
  registerCertIssue(cert, ctx, run);
  registerCertImport(cert, ctx, run);
  registerCertCheck(cert, ctx, run);
  registerCertInspect(cert, ctx, run);
  registerCertExport(cert, ctx, run);
  return cert;
}
