/** The human form of `rollover renewal status`: per tenant and per sender. */
import type { CliContext } from '../context.js';

/** The parts of a RenewalDetail the printer reads. */
export interface RenewalDetailView {
  id: string;
  state: string;
  exchangeAt: string;
  safeRemovalAt: string;
  newRootSha256: string;
  oldRootSha256: string;
  gatePolicy: string;
  gate: { decision: string; reason: string };
  readiness: Record<string, number>;
  steps: Array<{ step: number | null; kind: string; actor: string; at: string }>;
  tenants: Array<{ id: string; name: string; forwarded: boolean; forwardedBy: string | null }>;
  senders: Array<{
    id: string;
    name: string;
    tenantId: string;
    state: string;
    reason?: string;
    failuresAfterT: number;
  }>;
  nodes: Array<{ name: string; stagedAckAt: string | null; verifiedAt: string | null; late: boolean }>;
  statusUrl: string;
  announcementUrl: string;
}

/** Prints a renewal. */
export function printRenewal(ctx: CliContext, d: RenewalDetailView): void {
  const o = (s: string) => ctx.out(`${s}\n`);
  o(`renewal ${d.id}: ${d.state}`);
  o(`  T                ${d.exchangeAt}`);
  o(`  safe removal     ${d.safeRemovalAt}`);
  o(`  new root         ${d.newRootSha256}`);
  o(`  old root         ${d.oldRootSha256}`);
  o(`  gate (${d.gatePolicy})      ${d.gate.decision}: ${d.gate.reason}`);
  o(
    `  readiness        ${Object.entries(d.readiness)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ')}`,
  );
  o(`  announcement     ${d.announcementUrl}`);
  o(`  status           ${d.statusUrl}`);
  o('nodes');
  for (const n of d.nodes)
    o(
      `  ${n.name.padEnd(16)} staged ${n.stagedAckAt ?? '-'}  verified ${n.verifiedAt ?? '-'}${n.late ? '  LATE' : ''}`,
    );
  for (const t of d.tenants) {
    o(`tenant ${t.name} (${t.id})  ${t.forwarded ? `forwarded by ${t.forwardedBy}` : 'not forwarded yet'}`);
    for (const s of d.senders.filter((x) => x.tenantId === t.id)) {
      o(
        `  ${s.name.padEnd(20)} ${s.state.padEnd(16)}${s.failuresAfterT ? ` ${s.failuresAfterT} failure(s) after T` : ''}${s.reason ? `  (${s.reason})` : ''}`,
      );
    }
  }
  o('steps');
  for (const s of d.steps) o(`  ${s.at}  ${s.step ?? '-'}  ${s.kind.padEnd(14)} ${s.actor}`);
}
