/**
 * What happened in a renewal, in words: each recorded step as a sentence with its outcome (a proof
 * that led to the new root or failed, an override with its reason), names instead of ids.
 */
import type { RenewalStep } from '../api/types.js';
import { formatInstant } from '../lib/time.js';

type D = Record<string, unknown>;
const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));

/** One step as a sentence; `name` turns a sender or tenant id into its name. */
export function stepInWords(
  s: Pick<RenewalStep, 'kind' | 'actor' | 'detail'>,
  name: (id: string) => string,
): string {
  const d = (s.detail && typeof s.detail === 'object' ? s.detail : {}) as D;
  const who = s.actor ?? 'the coordinator';
  const sender = name(str(d.sender));
  switch (s.kind) {
    case 'plan':
      return `${who} planned the renewal for T = ${formatInstant(str(d.exchangeAt))} (gate ${str(d.gate) || 'block'})`;
    case 'announce':
      return `${who} announced it to the tenant admins and staged it on the nodes`;
    case 'staged':
      return 'every node acknowledged the staging';
    case 'forward':
    case 'auto-forward':
      return `${who} ${s.kind === 'auto-forward' ? 'forwarded automatically' : 'forwarded it'} to ${d.tenant ? `${name(str(d.tenant))}'s` : `${str(d.tenants)} tenants'`} ${str(d.senders)} sender(s)${d.message ? `: "${str(d.message)}"` : ''}`;
    case 'ack':
      return `${sender} acknowledged (${who}) — an acknowledgement is not a proof`;
    case 'evidence':
      return d.state === 'failing' || d.reason
        ? `${sender}'s proof failed${d.reason ? `: ${str(d.reason)}` : ''} (${who})`
        : `${sender} proved it trusts the new root: verified (${who})`;
    case 'observed':
      return `${sender} was seen handshaking with the new credential on the preview listener from ${str(d.client)}: observed (weaker than verified)`;
    case 'grace-unknown':
      return `${who} graced ${str(d.count)} unknown client(s): they keep the old certificate after T`;
    case 'removal':
      return `${sender} removed the old root${d.forced ? ' (forced)' : ''} (${who})`;
    case 'gate':
      return `the gate decided: ${str(d.decision)}${d.reason ? ` — ${str(d.reason)}` : ''}`;
    case 'exchange-held':
      return `the exchange was held: ${str(d.reason)}`;
    case 'gate-override':
      return `${who} overrode the gate, reason: "${str(d.reason)}"`;
    case 'exchange':
      return `the nodes switched to the new credential at ${formatInstant(str(d.at) || null)}${d.plannedAt && d.at && d.at !== d.plannedAt ? ` (T was ${formatInstant(str(d.plannedAt))})` : ''}`;
    case 'verify':
      return 'the coordinator verified every node serves the new credential';
    case 'postpone':
      return `${who} postponed T from ${formatInstant(str(d.from))} to ${formatInstant(str(d.to))}`;
    case 'rollback':
      return `${who} rolled back every node to the old credential`;
    case 'retire':
      return 'the rollback window closed: the old root may go for senders proven ready';
    case 'reminder':
      return `reminder sent to ${str(d.senders)} sender(s)`;
    case 'remind':
      return `${who} reminded ${sender}`;
    case 'cancel':
      return `${who} cancelled the renewal${d.reason ? `: "${str(d.reason)}"` : ''}`;
    case 'complete':
      return d.forced
        ? `${who} completed it with items open${d.reason ? `, reason: "${str(d.reason)}"` : ''}`
        : `${who} completed it`;
    default:
      return `${s.kind} by ${who}`;
  }
}
