/** The six steps of a renewal as a timeline: who does what, and whether and when it happened. */
import type { RenewalDetail } from '../api/types.js';
import { Time } from './common.js';

/** The six steps of the process (ARCHITECTURE §1). */
export const SIX_STEPS = [
  { n: 1, title: 'New credential under the new root', role: 'LB admin' },
  { n: 2, title: 'Announce T and the new root to tenant admins', role: 'LB admin' },
  { n: 3, title: 'Forward to sender admins', role: 'tenant admin' },
  { n: 4, title: 'Add the new root to sender truststores', role: 'sender admin' },
  { n: 5, title: 'Exchange the credential at T', role: 'LB admin' },
  { n: 6, title: 'Remove the old root', role: 'sender admin' },
] as const;

/** A short line from a step's evidence: a string as it is, an object's simple fields as key: value. */
export function describe(detail: unknown): string {
  if (detail == null) return '';
  if (typeof detail === 'string' || typeof detail === 'number') return String(detail);
  if (typeof detail !== 'object') return '';
  return Object.entries(detail as Record<string, unknown>)
    .filter(([, v]) => typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean')
    .slice(0, 4)
    .map(([k, v]) => `${k}: ${String(v).length > 40 ? `${String(v).slice(0, 39)}…` : String(v)}`)
    .join(', ');
}

/** Renders the timeline; a step is done when the renewal recorded one of its kind. */
export function Timeline({ renewal }: { renewal: RenewalDetail }) {
  const steps = renewal.steps ?? [];
  return (
    <ol className="timeline" aria-label="The six steps">
      {SIX_STEPS.map((s) => {
        const done = steps.filter((x) => x.step === s.n);
        const last = done[done.length - 1];
        return (
          <li key={s.n} className={last ? 'done' : 'open'}>
            <span className="step-n" aria-hidden="true">
              {s.n}
            </span>
            <div>
              <strong>{s.title}</strong> <span className="muted">({s.role})</span>
              <div className="step-state">
                {last ? (
                  <>
                    {done.length > 1 ? `${done.length}× · ` : ''}
                    {last.kind} by {last.actor ?? 'the coordinator'} at <Time at={last.at} />
                    {describe(last.detail) ? <span className="muted"> — {describe(last.detail)}</span> : null}
                  </>
                ) : (
                  <span className="muted">not yet</span>
                )}
              </div>
            </div>
          </li>
        );
      })}
    </ol>
  );
}
