/** `rollover server`: run the coordinator (API and store) until interrupted. */
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';

/** Registers `rollover server`. */
export function registerServer(program: Command, ctx: CliContext, run: Runner): void {
  program
    .command('server')
    .description(
      'run the coordinator: REST API and store (SQLite in the data directory, or PostgreSQL with DATABASE_URL)',
    )
    .option('--data-dir <dir>', 'data directory (store, master key, initial admin token)', './rollover-data')
    .option('--listen <host:port>', 'where to listen', '127.0.0.1:8080')
    .option('--tls-credential <dir>', 'serve HTTPS with this credential directory (tls.key, tls.crt, ca.crt)')
    .option(
      '--master-key-file <file>',
      'the store master key (else ROLLOVER_MASTER_KEY or DATA_DIR/master.key)',
    )
    .action(
      run(async (o: { dataDir: string; listen: string; tlsCredential?: string; masterKeyFile?: string }) => {
        // The composition root owns the process (signals); this command only hands it the options.
        // Loaded here, not at the top: the server's modules (store drivers, HTTP) would slow every command.
        const { runServer } = await import('../../main/server.js');
        await runServer({
          dataDir: o.dataDir,
          listen: o.listen,
          tlsCredential: o.tlsCredential,
          masterKeyFile: o.masterKeyFile,
          env: ctx.env,
          cwd: ctx.cwd,
          log: (line) => ctx.err(`${line}\n`),
        });
        return undefined;
      }),
    );
}
