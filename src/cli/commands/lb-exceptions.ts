import { resolve } from 'node:path';
import type { Command } from 'commander';
import type { ExceptionsBody } from '../../lb/control-client.js';
import { fail } from '../../shared/errors.js';
import { formatInstant, parseInstant } from '../../shared/time.js';
import type { CliContext } from '../context.js';
import type { Runner } from '../types.js';
import { onNode, report, virtualServer } from './lb-dataplane.js';

interface ExceptionOptions {
  stateDir: string;
  vs?: string;
  virtualServer?: string;
  add?: string[];
  remove?: string[];
  clear?: boolean;
  until?: string;
  auto?: string;
  json?: boolean;
}

/**
 * `rollover lb grace|early`: per client address, keep serving the old credential after T until a
 * deadline (grace), or serve the new one before T (an early switch). Applied per handshake by the
 * running node, persisted with its slot.
 */
export function registerLbExceptions(lb: Command, ctx: CliContext, run: Runner): void {
  const base = (cmd: Command) =>
    cmd
      .requiredOption('--state-dir <dir>', 'state directory of the running data plane')
      .option('--vs <name>', 'which virtual server (needed when the node has several)')
      .option('--virtual-server <name>', 'the same as --vs')
      .option('--add <cidr...>', 'addresses or CIDRs to add (IPv4, IPv6; IPv4-mapped count as IPv4)')
      .option('--remove <cidr...>', 'addresses or CIDRs to remove')
      .option('--json', 'print the virtual server status as JSON');

  const act = (serve: 'old' | 'new') =>
    run(async (o: ExceptionOptions) => {
      const ops = [o.add, o.remove, o.clear, o.auto].filter((x) => x !== undefined && x !== false);
      if (ops.length !== 1)
        fail(
          'BAD_ARGUMENT',
          `give exactly one of --add, --remove${serve === 'old' ? ', --clear or --auto' : ''}`,
        );
      if (serve === 'old' && o.add && !o.until)
        fail('BAD_ARGUMENT', '--add needs --until (the grace deadline)');
      if ((serve === 'new' || !o.add) && o.until) fail('BAD_ARGUMENT', '--until goes only with grace --add');
      const change: ExceptionsBody = o.auto
        ? { op: 'auto', until: o.auto === 'off' ? null : parseInstant(o.auto).toISOString() }
        : o.add
          ? {
              op: 'add',
              serve,
              cidrs: o.add,
              ...(o.until ? { until: parseInstant(o.until).toISOString() } : {}),
            }
          : o.remove
            ? { op: 'remove', serve, cidrs: o.remove }
            : { op: 'clear', serve };
      const stateDir = resolve(ctx.cwd, o.stateDir);
      const name = await virtualServer(stateDir, o.vs ?? o.virtualServer);
      const status = await onNode(stateDir, (c) => c.exceptions(name, change));
      const what = serve === 'old' ? 'grace' : 'early';
      const line = o.auto
        ? `automatic fallback: ${o.auto === 'off' ? 'off' : `on until ${formatInstant(parseInstant(o.auto))}`}`
        : o.add
          ? `${what}: ${o.add.join(', ')}${o.until ? ` until ${formatInstant(parseInstant(o.until))}` : ''}`
          : o.remove
            ? `${what}: removed ${o.remove.join(', ')}`
            : `${what}: cleared`;
      report(ctx, status, o.json, line);
      return 0;
    });

  base(
    lb
      .command('grace')
      .description(
        'keep serving the old credential after T to these client addresses until --until (refused after the old certificate expires)',
      ),
  )
    .option('--until <time>', 'the grace deadline (RFC 3339 with a zone), with --add')
    .option('--clear', 'remove every grace entry')
    .option(
      '--auto <time|off>',
      'automatic fallback: until this time, a client that refuses the new certificate (unknown CA, bad certificate) is put into grace by the node itself; off stops it',
    )
    .action(act('old'));

  base(
    lb
      .command('early')
      .description('serve the staged (new) credential before T to these client addresses (proven senders)'),
  ).action(act('new'));
}
