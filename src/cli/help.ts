/**
 * What `--help` adds to the commander definitions: the top-level list grouped by the role that uses
 * each command, required options marked, and worked examples on the commands each role types.
 * Kept in one table so the help and docs/cli.md (./reference.ts) say the same.
 */
import type { Command, Help, Option } from 'commander';

/** Top-level command → the heading it is listed under in `rollover --help`. */
export const ROLE_GROUPS: Record<string, string> = {
  up: 'Try it on this machine:',
  demo: 'Try it on this machine:',
  walkthrough: 'Try it on this machine:',
  ca: 'LB admin (new root, new credential, the renewal):',
  cert: 'LB admin (new root, new credential, the renewal):',
  csr: 'LB admin (new root, new credential, the renewal):',
  kit: 'LB admin (new root, new credential, the renewal):',
  renewal: 'LB admin (new root, new credential, the renewal):',
  notice: 'LB admin (new root, new credential, the renewal):',
  lb: 'LB admin (new root, new credential, the renewal):',
  vs: 'LB admin (new root, new credential, the renewal):',
  tenant: 'LB admin and tenant admins (tenants, senders, forwarding):',
  sender: 'Sender admins (add the new root, prove it, remove the old one):',
  truststore: 'Sender admins (add the new root, prove it, remove the old one):',
  audit: 'Auditors:',
  login: 'Everyone (sign in, people, tokens):',
  user: 'Everyone (sign in, people, tokens):',
  token: 'Everyone (sign in, people, tokens):',
  server: 'Operators (run and back up the coordinator):',
  backup: 'Operators (run and back up the coordinator):',
  restore: 'Operators (run and back up the coordinator):',
};

/** Command path ("renewal plan") → examples, each a comment line and the command. */
export const EXAMPLES: Record<string, string[]> = {
  'ca create': [
    '# lb-admin: a new root, then an issuing CA under it',
    'rollover ca create --subject "CN=Example Root 2026,O=Example" --days 3650 --out new-root',
    'rollover ca create --subject "CN=Example Issuing CA 2026,O=Example" --days 1825 --issuer new-root --out issuing-ca',
  ],
  'cert issue': [
    '# lb-admin: the new server credential under the new root',
    'rollover cert issue --ca issuing-ca --host shop.example.com --days 90 --out credential',
  ],
  kit: [
    '# lb-admin: the files senders need, holding both roots until the old one may go',
    'rollover kit --root new-root/ca.crt --old-root old-root/ca.crt --out kit',
  ],
  'renewal plan': [
    '# lb-admin: plan T a week ahead with a 24 h rollback window',
    'rollover renewal plan --vs shop --credential credential --exchange-at 2026-12-09T02:00:00Z --rollback-window 24h',
  ],
  'renewal announce': [
    '# lb-admin: stage on every node and tell the tenant admins',
    'rollover renewal announce REN_ID',
  ],
  'renewal forward': [
    '# tenant-admin: pass the renewal on to your senders',
    'rollover renewal forward REN_ID --tenant acme --message "Please add the new root before T."',
  ],
  'renewal remind': [
    '# tenant-admin: remind, now, every sender of acme that has not proven the new root',
    'rollover renewal remind REN_ID --tenant acme',
  ],
  'renewal status': [
    '# any role: what is true for each sender now, and what to do next',
    'rollover renewal status REN_ID',
  ],
  'renewal override': [
    '# lb-admin: let a held gate through, naming why',
    'rollover renewal override REN_ID --reason "ledger is a known straggler; its owner agreed"',
  ],
  'renewal complete': ['# lb-admin: finish a retiring renewal', 'rollover renewal complete REN_ID'],
  'truststore add': [
    '# sender-admin: add the new root (keep the old one until the renewal says it may go)',
    'rollover truststore add /etc/app/truststore.p12 root.pem --password-file store.pass',
  ],
  'sender verify': [
    '# sender-admin, before T: prove the new root against the preview listener and report it',
    'ROLLOVER_TOKEN="$(cat sender.token)" rollover sender verify --truststore /etc/app/truststore.p12 \\',
    '  --password-file store.pass --url https://lb.example.com:8443 --servername shop.example.com \\',
    '  --report https://rollover.example.com/api/v1/renewals/REN_ID/evidence --sender SENDER_ID',
    '# after T: the same against the virtual server itself',
    'rollover sender verify --truststore /etc/app/truststore.p12 --password-file store.pass --url https://shop.example.com',
  ],
  'truststore remove': [
    '# sender-admin, after the renewal says it is safe for this sender: remove the old root',
    'rollover truststore remove /etc/app/truststore.p12 --password-file store.pass --fingerprint OLD_ROOT_SHA256 \\',
    '  --renewal-status https://rollover.example.com/api/v1/renewals/REN_ID/status.json --sender SENDER_ID',
  ],
  'audit verify': [
    '# auditor: check that no audit row was edited, inserted or deleted',
    'rollover audit verify',
  ],
  'audit export': [
    '# auditor: every event as JSON lines, into a file',
    'rollover audit export --out audit.jsonl',
  ],
};

/** The text listed after a command's help, or undefined when it has no examples. */
export function examplesText(path: string): string | undefined {
  const lines = EXAMPLES[path];
  return lines ? `\nExamples:\n${lines.map((l) => `  ${l}`).join('\n')}\n` : undefined;
}

/** Help settings every command inherits: a required option says so. Call before adding commands. */
export function configureRoleHelp(program: Command): void {
  program.configureHelp({
    optionDescription(this: Help, o: Option): string {
      const base = Object.getPrototypeOf(this).optionDescription.call(this, o) as string;
      return o.mandatory ? `(required) ${base}` : base;
    },
  });
}

/** After the commands are added: groups the top-level list by role and attaches the examples. */
export function decorateCommands(program: Command): void {
  // Commander lists groups in the order their first command appears: sort by the table's order.
  const order = [...new Set(Object.values(ROLE_GROUPS))];
  const rank = (c: Command) => {
    const g = ROLE_GROUPS[c.name()];
    return g ? order.indexOf(g) : order.length;
  };
  (program.commands as Command[]).sort((a, b) => rank(a) - rank(b));
  for (const cmd of program.commands) {
    const group = ROLE_GROUPS[cmd.name()];
    if (group) cmd.helpGroup(group);
  }
  const walk = (cmd: Command, path: string[]) => {
    for (const sub of cmd.commands) {
      const p = [...path, sub.name()];
      const text = examplesText(p.join(' '));
      if (text) sub.addHelpText('after', text);
      walk(sub, p);
    }
  };
  walk(program, []);
}
