/**
 * Start-time path of the CLI: load only the command group that argv names. Importing every group
 * pulls in the X.509 library, kysely, undici, zod and hono (~400 ms measured, see docs/benchmarks.md
 * "Truststores"); a truststore edit needs none of them. A group missing from this table, help, and
 * anything unexpected fall back to the full program (./program.ts), so this is only ever an
 * optimisation. Add a line here beside the one in ./registry.ts.
 */
import type { CliContext } from './context.js';
import { createProgram, runProgram } from './runner.js';
import type { Register } from './types.js';

const GROUPS: Record<string, () => Promise<Register>> = {
  ca: async () => (await import('./commands/ca.js')).registerCa,
  cert: async () => (await import('./commands/cert.js')).registerCert,
  csr: async () => (await import('./commands/csr.js')).registerCsr,
  kit: async () => (await import('./commands/kit.js')).registerKit,
  lb: async () => (await import('./commands/lb.js')).registerLb,
  notice: async () => (await import('./commands/notice.js')).registerNotice,
  truststore: async () => (await import('./commands/truststore.js')).registerTruststore,
  sender: async () => (await import('./commands/sender.js')).registerSender,
  // Two-word keys load less than their group: `sender verify` needs none of the inventory commands.
  'sender verify': async () => (await import('./commands/sender-verify.js')).registerSenderVerifyOnly,
  server: async () => (await import('./commands/server.js')).registerServer,
  login: async () => (await import('./commands/login.js')).registerLogin,
  vs: async () => (await import('./commands/vs.js')).registerVs,
  tenant: async () => (await import('./commands/tenant.js')).registerTenant,
  user: async () => (await import('./commands/user.js')).registerUser,
  token: async () => (await import('./commands/token.js')).registerToken,
  audit: async () => (await import('./commands/audit.js')).registerAudit,
  backup: async () => (await import('./commands/backup.js')).registerBackup,
  // registerBackup adds `restore` too.
  restore: async () => (await import('./commands/backup.js')).registerBackup,
  up: async () => (await import('./commands/up.js')).registerUp,
  demo: async () => (await import('./commands/demo.js')).registerDemo,
  walkthrough: async () => (await import('./commands/walkthrough.js')).registerWalkthrough,
  renewal: async () => (await import('./commands/renewal.js')).registerRenewal,
};

/** The group names the fast path knows (exported for the test that keeps it in step with the registry). */
export const LAZY_GROUPS: readonly string[] = Object.keys(GROUPS).filter((k) => !k.includes(' '));

/** Like `runCli`, but loads only the invoked group when it can. */
export async function runCliLazily(argv: string[], given: CliContext): Promise<number> {
  const ctx: CliContext = { ...given, cli: runCliLazily };
  const name = argv[0];
  const two = `${argv[0]} ${argv[1]}`;
  const key = Object.hasOwn(GROUPS, two) ? two : name;
  const load = key !== undefined && Object.hasOwn(GROUPS, key) ? GROUPS[key] : undefined;
  if (load) {
    const built = createProgram(ctx, await load());
    if (built.program.commands.some((c) => c.name() === name)) return runProgram(built, argv, ctx);
  }
  const { runCli } = await import('./program.js');
  return runCli(argv, ctx);
}
