/**
 * The human form of `rollover renewal status`: what is true for the renewal and for each sender now,
 * from the coordinator's derived status (the same one the web UI, mails and the status JSON use).
 */
import type { RenewalStatusViewJson, SenderStatusJson } from '../../api/contract/sender-status.js';
import type { CliContext } from '../context.js';

/** The parts of a RenewalDetail the printer reads. */
export interface RenewalDetailView {
  id: string;
  state: string;
  exchangeAt: string;
  exchangedAt: string | null;
  safeRemovalAt: string;
  newRootSha256: string;
  oldRootSha256: string;
  gatePolicy: string;
  unknownClients?: {
    headline: string;
    clients: Array<{ address: string; lastSeenAt: string; handshakes: number; note: string }>;
    graceThem: { available: boolean; reason: string };
  } | null;
  acceptObserved?: boolean;
  gate: { decision: string; reason: string };
  bridge?: {
    mode: 'forward' | 'both';
    until: string;
    forward: { sha256: string; notAfter: string; issuer: string };
    reverse: { sha256: string; notAfter: string; issuer: string } | null;
  } | null;
  status: RenewalStatusViewJson;
  steps: Array<{ step: number | null; kind: string; actor: string; at: string }>;
  tenants: Array<{ id: string; name: string; forwarded: boolean; forwardedBy: string | null }>;
  senders: Array<{ id: string; name: string; tenantId: string; status: SenderStatusJson }>;
  nodes: Array<{
    name: string;
    stagedAckAt: string | null;
    verifiedAt: string | null;
    late: boolean;
    staging?: { text: string };
    exceptions?: { outcome: string; detail: string | null; entries: number; autoEntries: number } | null;
  }>;
  statusUrl: string;
  announcementUrl: string;
}

const MARK: Record<SenderStatusJson['tone'], string> = {
  bad: '✗',
  action: '!',
  waiting: '…',
  good: '✓',
  done: '✓',
  neutral: '-',
};

/** Prints a renewal. */
export function printRenewal(ctx: CliContext, d: RenewalDetailView): void {
  const o = (s: string) => ctx.out(`${s}\n`);
  const v = d.status;
  o(`renewal ${d.id}: ${d.state} — ${v.headline}`);
  if (v.reason) o(`  ${v.reason}`);
  if (v.held) {
    o(`  held at the gate since ${v.held.since}: ${v.held.reason}`);
    o(`  who can release it: ${v.held.release.who}, by one of:`);
    for (const h of v.held.release.how) o(`    - ${h}`);
  }
  o(`  T (planned)      ${v.exchangeAt}`);
  const ended = v.phase === 'cancelled' ? 'cancelled' : v.phase === 'rolled-back' ? 'rolled back' : undefined;
  o(`  exchanged at     ${v.exchangedAt ?? (v.phase === 'cancelled' ? 'never (cancelled)' : 'not yet')}`);
  o(
    ended
      ? `  old root may go  never: the renewal was ${ended}; keep the old root`
      : v.held
        ? '  old root may go  not before the exchange (held at the gate)'
        : `  old root may go  from ${v.safeRemovalAt} per sender (proven, exchange verified)`,
  );
  o(`  new root         ${d.newRootSha256}`);
  o(`  old root         ${d.oldRootSha256}`);
  o(`  gate (${d.gatePolicy})      ${d.gate.decision}: ${d.gate.reason}`);
  if (d.bridge)
    o(
      `  bridge (${d.bridge.mode})  ${
        d.bridge.mode === 'both' ? 'old credential with the reverse bridge until T; ' : ''
      }new credential with the forward bridge until ${d.bridge.until} (bridge deadline)`,
    );
  else o('  bridge           off');
  o(
    `  grace (${v.grace.policy})${' '.repeat(Math.max(1, 8 - v.grace.policy.length))}${v.grace.text}; early ${v.grace.early}, automatic fallback ${v.grace.autoGrace ? 'on' : 'off'}`,
  );
  o(
    `  evidence counted verified${d.acceptObserved ? ' and observed (a preview handshake from a sender address)' : ' only (observed handshakes are shown, not counted)'}`,
  );
  o(`  announcement     ${d.announcementUrl}`);
  o(`  status           ${d.statusUrl}`);
  o('steps');
  for (const s of v.steps) o(`  ${s.done ? '✓' : ' '} ${s.step} · ${s.title.padEnd(20)} ${s.text}`);
  o('actions');
  for (const [name, a] of Object.entries(v.actions))
    o(`  ${a.available ? '+' : '-'} ${name.padEnd(12)} ${a.reason}`);
  o('nodes');
  for (const n of d.nodes)
    o(
      `  ${n.name.padEnd(16)} staged ${n.stagedAckAt ?? '-'}  verified ${n.verifiedAt ?? '-'}${n.late ? '  LATE' : ''}${n.staging ? `  (${n.staging.text})` : ''}${
        n.exceptions
          ? `  source exceptions ${n.exceptions.outcome === 'not-yet' ? 'NOT APPLIED (not yet supported by its agent)' : n.exceptions.outcome} (${n.exceptions.entries} sent${n.exceptions.autoEntries ? `, ${n.exceptions.autoEntries} added by the node` : ''})${n.exceptions.detail && n.exceptions.outcome !== 'applied' ? `: ${n.exceptions.detail}` : ''}`
          : ''
      }`,
    );
  const inGrace = d.senders.filter((x) => x.status.oldCredentialServedUntil);
  if (inGrace.length) {
    o(`senders in grace (served the old certificate until the deadline)`);
    for (const x of inGrace) {
      const g = x.status.grace;
      o(
        `  ${x.name.padEnd(20)} until ${x.status.oldCredentialServedUntil}  ${g.oldCidrs.join(', ')}${g.heldBy.length ? `  held by ${g.heldBy.map((h) => h.name).join(', ')}` : ''}${g.nodes && g.nodes.applied < g.nodes.total ? `  applied on ${g.nodes.applied} of ${g.nodes.total} node(s)` : ''}`,
      );
    }
  }
  for (const t of d.tenants) {
    o(`tenant ${t.name} (${t.id})  ${t.forwarded ? `forwarded by ${t.forwardedBy}` : 'not forwarded yet'}`);
    for (const s of d.senders.filter((x) => x.tenantId === t.id)) {
      const st = s.status;
      const tr = st.traffic;
      o(`  ${MARK[st.tone]} ${s.name.padEnd(20)} ${st.state.padEnd(16)} ${st.headline}`);
      o(`      ${st.reason}`);
      o(`      next: ${st.next.who} — ${st.next.action}${st.next.by ? ` (by ${st.next.by})` : ''}`);
      if (st.evidence)
        o(
          `      evidence: ${st.evidence.kind} — ${st.evidence.detail}${st.evidence.counts ? '' : ' (not counted by this renewal)'}`,
        );
      o(
        `      traffic: ${
          !tr.addressesKnown
            ? 'no source addresses known'
            : tr.lastHandshakeAt
              ? `last handshake ${tr.lastHandshakeAt}${tr.lastServed ? ` served the ${tr.lastServed} credential` : ''}; since the exchange ${tr.successesAfterExchange} ok, ${tr.failuresAfterExchange} failed`
              : 'no handshakes seen'
        }`,
      );
    }
  }
  const u = d.unknownClients;
  if (u?.clients.length) {
    o(u.headline);
    for (const c of u.clients)
      o(`  ${c.address.padEnd(20)} last seen ${c.lastSeenAt}  ${c.handshakes} handshake(s)  ${c.note}`);
    o(
      `  grace them too: ${u.graceThem.available ? `rollover renewal grace-unknown ${d.id} — ${u.graceThem.reason}` : `not now: ${u.graceThem.reason}`}`,
    );
  }
  o('history');
  for (const s of d.steps) o(`  ${s.at}  ${s.step ?? '-'}  ${s.kind.padEnd(14)} ${s.actor}`);
}
