import type { Command } from 'commander';
import { registerAudit } from './commands/audit.js';
import { registerBackup } from './commands/backup.js';
import { registerCa } from './commands/ca.js';
import { registerCert } from './commands/cert.js';
import { registerCsr } from './commands/csr.js';
import { registerDemo } from './commands/demo.js';
import { registerKit } from './commands/kit.js';
import { registerLb } from './commands/lb.js';
import { registerLogin } from './commands/login.js';
import { registerNotice } from './commands/notice.js';
import { registerRenewal } from './commands/renewal.js';
import { registerSender } from './commands/sender.js';
import { registerServer } from './commands/server.js';
import { registerTenant } from './commands/tenant.js';
import { registerToken } from './commands/token.js';
import { registerTruststore } from './commands/truststore.js';
import { registerUp } from './commands/up.js';
import { registerUser } from './commands/user.js';
import { registerVs } from './commands/vs.js';
import { registerWalkthrough } from './commands/walkthrough.js';
import type { CliContext } from './context.js';
import type { Runner } from './types.js';

/**
 * Every command group, in the order `rollover --help` lists them. Each module adds its own
 * subcommands; add a line here for a new group.
 */
export function registerCommands(program: Command, ctx: CliContext, run: Runner): void {
  registerCa(program, ctx, run);
  registerCert(program, ctx, run);
  registerCsr(program, ctx, run);
  registerKit(program, ctx, run);
  registerLb(program, ctx, run);
  registerNotice(program, ctx, run);
  registerTruststore(program, ctx, run);
  registerSender(program, ctx, run);
  registerServer(program, ctx, run);
  registerLogin(program, ctx, run);
  registerVs(program, ctx, run);
  registerTenant(program, ctx, run);
  registerUser(program, ctx, run);
  registerToken(program, ctx, run);
  registerAudit(program, ctx, run);
  registerBackup(program, ctx, run);
  registerUp(program, ctx, run);
  registerDemo(program, ctx, run);
  registerWalkthrough(program, ctx, run);
  registerRenewal(program, ctx, run);
}
