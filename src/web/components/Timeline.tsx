/** The six steps of a renewal as a timeline: who does what, and whether and when it happened. */
import type { RenewalDetail } from '../api/types.js';
import { Time } from './common.js';
import { stepInWords } from './history.js';
import { readable } from './status.js';

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

/**
 * Renders the six steps, each done and counted as the coordinator derives them ("4 · 1 of 4 senders
 * proven"), then what happened, in the order it happened, in words.
 */
export function Timeline({ renewal }: { renewal: RenewalDetail }) {
  const steps = renewal.steps ?? [];
  const derived = renewal.status?.steps;
  const names = new Map<string, string>([
    ...(renewal.senders ?? []).map((s) => [s.id, s.name] as const),
    ...(renewal.tenants ?? []).map((t) => [t.id, t.name] as const),
  ]);
  const name = (id: string) => names.get(id) ?? (id || 'a sender');
  const history = [...steps].sort((a, b) => a.at.localeCompare(b.at));
  return (
    <>
      <ol className="timeline" aria-label="The six steps">
        {SIX_STEPS.map((s) => {
          const d = derived?.find((x) => x.step === s.n);
          const recorded = steps.filter((x) => x.step === s.n);
          const done = d ? d.done : recorded.length > 0;
          return (
            <li key={s.n} className={done ? 'done' : 'open'} data-step={s.n}>
              <span className="step-n" aria-hidden="true">
                {s.n}
              </span>
              <div>
                <strong>{s.title}</strong> <span className="muted">({s.role})</span>
                <div className="step-state">
                  {d ? (
                    `${s.n} · ${readable(d.text)}`
                  ) : done ? (
                    'done'
                  ) : (
                    <span className="muted">not yet</span>
                  )}
                </div>
              </div>
            </li>
          );
        })}
      </ol>
      {history.length > 0 ? (
        <details className="history" open={history.length <= 12}>
          <summary>What happened, in order ({history.length})</summary>
          <ol>
            {history.map((h) => (
              <li key={`${h.at}-${h.kind}-${JSON.stringify(h.detail ?? '').slice(0, 80)}`} data-kind={h.kind}>
                <Time at={h.at} /> — {stepInWords(h, name)}
              </li>
            ))}
          </ol>
        </details>
      ) : null}
    </>
  );
}
