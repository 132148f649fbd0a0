import { resolve } from 'node:path';
import type { Command } from 'commander';
import { readCredentialDir } from '../../files/credential-dir.js';
import {
  type ControlClient,
  controlClientFor,
  stageBody,
  type VirtualServerStatus,
} from '../../lb/control-client.js';
import type { LbNodeFlags } from '../../main/lb-node.js';
import { parseDuration } from '../../shared/duration.js';
import { fail, isRolloverError, withHint } from '../../shared/errors.js';
import { formatInstant, parseInstant } from '../../shared/time.js';
import type { CliContext } from '../context.js';
import { addPassphraseOption, collect, positiveInt } from '../options.js';
import { printJson } from '../output.js';
import { passphraseFrom } from '../secrets.js';
import type { Runner } from '../types.js';

/**
 * `rollover lb run|stage|unstage|activate|rollback|status`: the built-in data plane and its control
 * face. The control commands find the address and token in control.json in `--state-dir`.
 */
export function registerLbDataPlane(lb: Command, ctx: CliContext, run: Runner): void {
  lb.command('run')
    .description('run the built-in data plane: TLS-terminating virtual servers that swap credentials at T')
    .option('--config <file>', 'configuration file (JSON or YAML) with one or more virtual servers')
    .option('--listen <host:port>', 'listen address of the one virtual server (without --config)')
    .option('--host <name>', 'host name (SNI) or IP the virtual server answers to (repeatable)', collect, [])
    .option('--credential <dir>', 'initial credential directory (tls.key, tls.crt, ca.crt)')
    .option(
      '--backend <url>',
      'backend URL: http:// or https:// (mode http), tcp://HOST:PORT or tls://HOST:PORT (mode tcp); repeatable',
      collect,
      [],
    )
    .option('--mode <mode>', 'http (reverse proxy, default) or tcp (decrypted stream to the backend)')
    .option('--proxy-protocol <version>', 'tcp mode: PROXY header to the backend, v2 (default), v1 or off')
    .option(
      '--alpn <protocol>',
      'tcp mode: ALPN protocol offered, in order (repeatable; default http/1.1)',
      collect,
      [],
    )
    .option('--backend-ca <file>', 'CA certificate (PEM) that https backends are verified with')
    .option('--state-dir <dir>', 'where the node keeps its state and control.json')
    .option('--name <name>', 'virtual server name (without --config)', 'default')
    .option('--preview <host:port>', 'preview listener serving the staged credential')
    .option('--control <host:port>', 'control interface address (loopback)', '127.0.0.1:0')
    .option('--metrics <host:port>', 'Prometheus /metrics listener (loopback unless a host is given)')
    .option('--no-session-tickets', 'turn session resumption off (every handshake a full one)')
    .option('--workers <n>', 'worker processes (default: one per core)', positiveInt)
    .option(
      '--health-path <path>',
      'HTTP path the health check requests (default / in mode http; mode tcp checks by TCP connect without it)',
    )
    .option(
      '--tls-profile <profile>',
      'TLS profile: modern, intermediate (default) or old (without --config)',
    )
    .option('--ciphers <list>', "OpenSSL cipher list for TLS 1.2 and below, replacing the profile's")
    .option('--min-version <version>', "lowest TLS version offered (TLSv1…TLSv1.3), replacing the profile's")
    .option('--log-level <level>', 'pino log level', 'info')
    .option('--coordinator <url>', 'pull the desired state from this coordinator (a remote node)')
    .option('--node-token <token>', 'the node token for --coordinator (or ROLLOVER_NODE_TOKEN)')
    .action(
      run(async (o: LbNodeFlags) => {
        const nodeToken = o.nodeToken ?? ctx.env.ROLLOVER_NODE_TOKEN;
        if (o.coordinator && !nodeToken) {
          fail(
            'BAD_ARGUMENT',
            '--coordinator needs --node-token T (or ROLLOVER_NODE_TOKEN): issue one with POST /api/v1/lbs/{lb}/nodes/{node}/token',
          );
        }
        const { runLbNode } = await import('../../main/lb-node.js');
        await runLbNode({ ...o, ...(nodeToken ? { nodeToken } : {}) }, { cwd: ctx.cwd, now: ctx.now });
        return 0;
      }),
    );

  const common = (cmd: Command) =>
    cmd
      .requiredOption('--state-dir <dir>', 'state directory of the running data plane')
      .option('--virtual-server <name>', 'which virtual server (needed when the node has several)')
      .option('--json', 'print the virtual server status as JSON');

  addPassphraseOption(
    common(
      lb
        .command('stage')
        .description(
          'stage a credential that every handshake from --at on gets (refused unless it passes the checks)',
        )
        .requiredOption(
          '--credential <dir>',
          'credential directory (tls.key, tls.crt, ca.crt with the new root)',
        )
        .requiredOption('--at <time>', 'the exchange time T (RFC 3339 with a zone)')
        .option(
          '--valid-for <duration>',
          'how long after T it must stay valid (for example the rollback window)',
        ),
    ),
  ).action(
    run(
      async (
        o: ControlOptions & { credential: string; at: string; validFor?: string; passphraseFile?: string },
      ) => {
        const activateAt = parseInstant(o.at);
        const validForMs = o.validFor ? parseDuration(o.validFor) : undefined;
        const cred = await readCredentialDir(resolve(ctx.cwd, o.credential), await passphraseFrom(ctx, o));
        const body = stageBody(cred, activateAt, validForMs);
        const stateDir = resolve(ctx.cwd, o.stateDir);
        const name = await virtualServer(stateDir, o.virtualServer);
        const status = await onNode(stateDir, (c) => c.stage(name, body));
        report(ctx, status, o.json, `staged ${body.sha256} for ${formatInstant(activateAt)}`);
        return 0;
      },
    ),
  );

  for (const [verb, text] of [
    ['unstage', 'drop the staged credential (nothing to do when none is staged)'],
    ['activate', 'serve the staged credential now, without waiting for T'],
    ['rollback', 'go back to the previous credential now'],
  ] as const) {
    common(lb.command(verb).description(text)).action(
      run(async (o: ControlOptions) => {
        const stateDir = resolve(ctx.cwd, o.stateDir);
        const name = await virtualServer(stateDir, o.virtualServer);
        if (verb === 'unstage') {
          const before = await onNode(stateDir, (c) => c.status());
          const vs = before.virtualServers.find((v) => v.name === name);
          if (vs && vs.staged === null) {
            report(ctx, vs, o.json, `nothing is staged on ${name}: nothing to do`);
            return 0;
          }
        }
        const status = await onNode(stateDir, (c) => c[verb](name));
        report(ctx, status, o.json, `${verb}: now serving ${status.served.sha256}`);
        return 0;
      }),
    );
  }

  lb.command('status')
    .description('what a running data plane serves: per listener the served and staged certificate, T, clock')
    .requiredOption('--state-dir <dir>', 'state directory of the running data plane')
    .option('--json', 'print as JSON')
    .action(
      run(async (o: { stateDir: string; json?: boolean }) => {
        const status = await onNode(resolve(ctx.cwd, o.stateDir), (c) => c.status());
        if (o.json) printJson(ctx, status);
        else {
          ctx.out(`node pid ${status.pid}, ${status.workers} worker(s), clock ${status.clock}\n`);
          if (status.metrics) ctx.out(`metrics ${status.metrics}\n`);
          for (const vs of status.virtualServers) printVirtualServer(ctx, vs);
        }
        return 0;
      }),
    );
}

interface ControlOptions {
  stateDir: string;
  virtualServer?: string;
  json?: boolean;
}

/** Calls the node whose state directory is `stateDir`; when it is not there, says how to start it. */
export async function onNode<T>(stateDir: string, fn: (c: ControlClient) => Promise<T>): Promise<T> {
  try {
    return await fn(await controlClientFor(stateDir));
  } catch (e) {
    if (isRolloverError(e, 'FILE_NOT_FOUND') || isRolloverError(e, 'CONNECT_FAILED'))
      throw withHint(e, `is \`rollover lb run --state-dir ${stateDir}\` running?`);
    throw e;
  }
}

/** The virtual server to act on: the one named, or the node's only one. */
export async function virtualServer(stateDir: string, name: string | undefined): Promise<string> {
  if (name) return name;
  const status = await onNode(stateDir, (c) => c.status());
  if (status.virtualServers.length !== 1) {
    fail(
      'BAD_ARGUMENT',
      `this node has ${status.virtualServers.length} virtual servers (${status.virtualServers.map((v) => v.name).join(', ')}): choose one with --virtual-server`,
    );
  }
  return status.virtualServers[0]!.name;
}

/** Prints a virtual server's status after a change (or its JSON). */
export function report(
  ctx: CliContext,
  status: VirtualServerStatus,
  json: boolean | undefined,
  line: string,
): void {
  if (json) printJson(ctx, status);
  else {
    ctx.out(`${line}\n`);
    printVirtualServer(ctx, status);
  }
}

function printVirtualServer(ctx: CliContext, vs: VirtualServerStatus): void {
  ctx.out(
    `${vs.name}  listen ${vs.listen ?? '-'}${vs.preview ? `  preview ${vs.preview}` : ''}  hosts ${vs.hosts.join(', ')}\n`,
  );
  ctx.out(`  served    ${vs.served.sha256}  ${vs.served.subject}  until ${vs.served.notAfter}\n`);
  ctx.out(
    vs.staged ? `  staged    ${vs.staged.sha256}  from ${vs.staged.activateAt}\n` : '  staged    none\n',
  );
  ctx.out(`  previous  ${vs.previous ? vs.previous.sha256 : 'none'}\n`);
  if (vs.previewServed) ctx.out(`  preview   ${vs.previewServed.sha256}\n`);
  if (vs.tlsProfile) {
    const o = vs.tlsProfile.overrides;
    const extra = o
      ? `; overrides: ${Object.entries(o)
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')}`
      : '';
    ctx.out(`  tls       ${vs.tlsProfile.name} (${vs.tlsProfile.protocols.join(', ')})${extra}\n`);
  }
  if (vs.lastSwap) {
    ctx.out(
      `  last swap ${vs.lastSwap.at}${vs.lastSwap.latenessMs !== null ? `, first new handshake ${vs.lastSwap.latenessMs} ms after T` : ', no new handshake seen yet'}\n`,
    );
  }
  for (const b of vs.backends)
    ctx.out(`  backend   ${b.url}  ${b.up ? 'up' : `down${b.lastError ? ` (${b.lastError})` : ''}`}\n`);
  // An HAProxy/nginx agent reports its kind; those data planes do not count handshakes per entry.
  const agent = (vs as { kind?: string }).kind;
  for (const e of vs.exceptions ?? []) {
    const until = e.serve === 'old' ? `  until ${e.until}${e.live ? '' : ' (over)'}` : '';
    const auto = e.auto ? '  (automatic fallback)' : '';
    const count = agent ? '' : `  ${e.handshakes} handshake(s)`;
    ctx.out(`  ${e.serve === 'old' ? 'grace' : 'early'}     ${e.cidr}${until}${count}${auto}\n`);
  }
  const pending = (vs as { exceptionsPendingUntil?: string | null }).exceptionsPendingUntil;
  if (pending) ctx.out(`  pending   the latest table reaches ${agent} at ${pending} (batched reload)\n`);
  if (vs.autoGrace) ctx.out(`  fallback  on until ${vs.autoGrace.until}\n`);
}
