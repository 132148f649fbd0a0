import type { Command, Option } from 'commander';
import { EXAMPLES, ROLE_GROUPS } from './help.js';
import { buildProgram } from './program.js';

function optionLine(o: Option): string {
  const def =
    o.defaultValue !== undefined &&
    o.defaultValue !== false &&
    !(Array.isArray(o.defaultValue) && o.defaultValue.length === 0)
      ? ` (default: \`${String(o.defaultValue)}\`)`
      : '';
  return `| \`${o.flags.replace(/\|/g, '\\|')}\` | ${o.description.replace(/\|/g, '\\|')}${def}${o.mandatory ? ' **required**' : ''} |`;
}

let lastGroup: string | undefined;

function render(cmd: Command, path: string[], out: string[]): void {
  const name = [...path, cmd.name()].join(' ');
  const subs = cmd.commands.filter((c) => c.name() !== 'help');
  if (path.length === 1) {
    const group = ROLE_GROUPS[cmd.name()];
    if (group && group !== lastGroup) out.push(`**${group.replace(/:$/, '')}**`, '');
    lastGroup = group;
  }
  if (path.length > 0) {
    out.push(
      `${'#'.repeat(Math.min(path.length + 1, 4))} \`${name}${cmd.usage() ? ` ${cmd.usage()}` : ''}\``,
      '',
    );
    out.push(cmd.description(), '');
    const args = cmd.registeredArguments;
    if (args.length) {
      for (const a of args) out.push(`- \`${a.name()}\`${a.description ? `: ${a.description}` : ''}`);
      out.push('');
    }
    const opts = cmd.options.filter((o) => o.long !== '--help');
    if (opts.length && subs.length === 0) {
      out.push('| option | meaning |', '|---|---|', ...opts.map(optionLine), '');
    }
    const examples = EXAMPLES[[...path.slice(1), cmd.name()].join(' ')];
    if (examples) out.push('Examples:', '', '```sh', ...examples, '```', '');
  }
  for (const s of subs) render(s, [...path, cmd.name()], out);
}

/** The CLI reference in Markdown, generated from the commander definitions themselves. */
export function renderCliReference(): string {
  const noop = () => {};
  const { program } = buildProgram({ env: {}, cwd: '.', now: () => new Date(0), out: noop, err: noop });
  lastGroup = undefined;
  const out = [
    '# rollover CLI reference',
    '',
    '<!-- Generated from the command definitions by `npm run docs:cli`; the test suite checks it is in step. -->',
    '',
    'Conventions: repeatable flags repeat (`--host a --host b`); times are RFC 3339 with a zone',
    '(`2026-12-01T02:00:00Z`); durations read `90d`, `24h`, `15m`, `30s` or ISO 8601 `P…`; fingerprints print as',
    'lowercase hex and are accepted with colons in any case; every read command takes `--json`. Errors print as',
    '`error[CODE]: message` (or `{"error":{"code":…}}` with `--json`); exit 0 success, 1 refused or failed,',
    '2 bad arguments, 3 unexpected. Key passphrases come from `--passphrase-file` or `ROLLOVER_PASSPHRASE`.',
    '',
  ];
  render(program, [], out);
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}
