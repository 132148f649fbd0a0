/**
 * The coordinator's derived status as every page shows it: one line per sender (state, why, the next
 * action and its deadline, in the tone the state has), and the renewal's phase with the held-at-the-
 * gate banner (why, who can release it and how). Pages never re-derive truth from the clock.
 */
import type { RenewalDetail, RenewalStatusView, SenderStatus } from '../api/types.js';
import { formatInstant } from '../lib/time.js';
import { Time } from './common.js';

const WHO: Record<string, string> = {
  'tenant-admin': 'tenant admin',
  'sender-admin': 'sender admin',
  'lb-admin': 'LB admin',
  nobody: '',
};

/** Replaces ISO instants inside the coordinator's sentences with local time and UTC. */
export function readable(text: string): string {
  return text.replace(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z/g, (iso) => formatInstant(iso));
}

/** A sender's state as a pill in its tone (the text carries the meaning, colour only adds to it). */
export function StatusPill({ status }: { status: SenderStatus }) {
  return (
    <span className={`pill tone-${status.tone}`} data-state={status.state}>
      {status.state.replace(/-/g, ' ')}
    </span>
  );
}

/** The kind of a sender's strongest readiness evidence (verified, or observed: weaker), and whether it counts. */
export function EvidenceTag({ status }: { status: SenderStatus }) {
  const e = status.evidence;
  if (!e) return null;
  return (
    <div className="evidence" data-evidence={e.kind} title={readable(e.detail)}>
      Evidence: <strong>{e.kind}</strong>
      {e.kind === 'observed' ? ' (weaker than verified)' : ''}
      {e.counts ? '' : ', not counted by this renewal'}
    </div>
  );
}

/** One sender: pill, headline, reason, and who must do what by when. */
export function SenderStatusLine({ status, now }: { status: SenderStatus; now: number }) {
  const who = WHO[status.next.who];
  return (
    <div className={`sender-status tone-${status.tone}`}>
      <StatusPill status={status} /> <strong>{readable(status.headline)}</strong>
      <div className="muted">{readable(status.reason)}</div>
      <EvidenceTag status={status} />
      {status.next.who !== 'nobody' ? (
        <div className="next">
          Next{who ? ` (${who})` : ''}: {readable(status.next.action)}
          {status.next.by ? (
            <>
              {' '}
              — by <Time at={status.next.by} now={now} />
            </>
          ) : null}
        </div>
      ) : null}
    </div>
  );
}

/** The held-at-the-gate banner, shown on every role's page while the gate holds the exchange. */
export function HeldBanner({ status }: { status: RenewalStatusView | undefined }) {
  if (!status?.held) return null;
  return (
    <div className="note held" role="alert" data-held="true">
      <strong>Held at the gate</strong> since <Time at={status.held.since} />: {readable(status.held.reason)}
      <div>
        Only the LB admin can release it, by one of:
        <ul>
          {status.held.release.how.map((h) => (
            <li key={h}>{h}</li>
          ))}
        </ul>
      </div>
    </div>
  );
}

/** The renewal's phase and headline, e.g. "completed with 2 senders failing". */
export function PhaseLine({
  renewal,
  pill = true,
}: {
  renewal: Pick<RenewalDetail, 'phase' | 'headline' | 'state'>;
  /** False where the state pill stands beside it already. */
  pill?: boolean;
}) {
  const phase = renewal.phase ?? renewal.state;
  return (
    <span className="phase-line" data-phase={phase}>
      {pill ? (
        <span className={`pill pill-${phase.replace(/[^a-z-]/g, '')}`}>{phase.replace(/-/g, ' ')}</span>
      ) : (
        <strong>{phase.replace(/-/g, ' ')}:</strong>
      )}
      {renewal.headline ? <span> {readable(renewal.headline)}</span> : null}
    </span>
  );
}

/**
 * What the virtual server serves after T, by the renewal's phase: the old credential when the exchange
 * is held at the gate, was cancelled or was rolled back; the new one otherwise.
 */
export function servedAfterT(renewal: Pick<RenewalDetail, 'phase' | 'state'>): 'old' | 'new' {
  return ['held-at-gate', 'cancelled', 'rolled-back'].includes(renewal.phase ?? renewal.state)
    ? 'old'
    : 'new';
}
