import { relative } from 'node:path';
import type { Command } from 'commander';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';

/** `rollover up`: the whole system on loopback with a demo landscape, until Ctrl-C. */
export function registerUp(program: Command, ctx: CliContext, run: Runner): void {
  program
    .command('up')
    .description(
      'run the coordinator, the built-in LB and a tenant back-end on loopback, with a demo landscape',
    )
    .option('--data-dir <dir>', 'data directory (created and seeded when empty)', 'rollover-data')
    .option('--listen <host:port>', 'coordinator (web UI and API)', '127.0.0.1:8080')
    .option('--lb-listen <host:port>', 'the virtual server senders call', '127.0.0.1:8443')
    .option('--preview <host:port>', 'the preview listener (serves a staged credential)', '127.0.0.1:9443')
    .option('--backend <host:port>', 'the tenant back-end', '127.0.0.1:8081')
    .action(
      run(
        async (o: {
          dataDir: string;
          listen: string;
          lbListen: string;
          preview: string;
          backend: string;
        }) => {
          const [{ startUp }, { waitForShutdownSignal }] = await Promise.all([
            import('../../main/up.js'),
            import('../../main/signals.js'),
          ]);
          const up = await startUp({
            dataDir: o.dataDir,
            listen: o.listen,
            lbListen: o.lbListen,
            previewListen: o.preview,
            backendListen: o.backend,
            env: ctx.env,
            cwd: ctx.cwd,
            clock: { now: () => ctx.now().getTime() },
            log: (line) => ctx.err(`${line}\n`),
          });
          const l = up.landscape;
          const url = up.coordinator.url;
          const rel = (p: string) => relative(ctx.cwd, p) || p;
          ctx.out(`\nrollover is up.\n\n  coordinator (web UI and API)  ${url}\n`);
          ctx.out(
            `  ${`virtual server "${l.virtualServer.name}"`.padEnd(28)}  https://${l.virtualServer.listen}  (${l.virtualServer.hosts.join(', ')})\n`,
          );
          ctx.out(
            `  preview listener              https://${l.virtualServer.preview}\n  tenant back-end               ${up.backendUrl}\n\n`,
          );
          ctx.out(
            'Sign in as each role (one-time links, valid 24 h; a new set is printed at every start):\n',
          );
          for (const u of l.users) {
            ctx.out(
              `  ${u.roles[0]!.padEnd(14)} ${u.name.padEnd(13)} ${up.signInLinks[u.name] ?? '(no link)'}\n`,
            );
          }
          ctx.out('\nSenders and their truststores (all trust the old root only):\n');
          for (const s of l.senders)
            ctx.out(
              `  ${s.name.padEnd(15)} ${s.kind.padEnd(7)} from ${s.sourceAddress}  ${rel(s.truststore)}\n`,
            );
          ctx.out(
            `\nThe CLI run from this directory reaches the coordinator (${rel(up.coordinator.dataDir)}/client.json).\n`,
          );
          ctx.out(
            'Next: `rollover demo` runs the whole renewal against this landscape. Ctrl-C stops everything.\n',
          );
          const signal = await waitForShutdownSignal();
          ctx.err(`${signal}: stopping\n`);
          await up.close();
          return 0;
        },
      ),
    );
}
