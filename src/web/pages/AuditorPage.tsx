/** The auditor's page: whether the audit chain verifies, and the log itself (newest first). */
import { api, get } from '../api/client.js';
import type { AuditEvent, AuditVerdict } from '../api/types.js';
import { ErrorNote, Time } from '../components/common.js';
import { useLive } from '../lib/live.js';

/** The newest 200 events: the verdict says how many there are, so only the tail is fetched. */
async function loadEvents(): Promise<AuditEvent[]> {
  const v = await get<AuditVerdict>('/audit/verify');
  const after = Math.max(0, (v.head?.seq ?? v.events) - 200);
  const text = await api<string>('GET', `/audit/events?after=${after}&limit=200`, undefined, { as: 'text' });
  const events = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AuditEvent);
  return events.reverse();
}

function field(e: AuditEvent, ...names: string[]): string {
  for (const n of names) {
    const v = e[n];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return '';
}

/** The page. */
export function AuditorPage() {
  const verdict = useLive(() => get<AuditVerdict>('/audit/verify'), '', 10_000);
  const events = useLive(loadEvents, '', 10_000);
  const v = verdict.data;
  return (
    <>
      <h1>Audit log</h1>
      <section className="card" aria-labelledby="chain-h">
        <h2 id="chain-h">Hash chain</h2>
        <ErrorNote error={verdict.error} what="Chain verification" />
        {v ? (
          <p className={v.ok ? 'verdict ok' : 'verdict bad'} role="status">
            {v.ok ? '✓ The chain verifies' : '✗ The chain does NOT verify'}: {v.events} event(s)
            {v.head ? (
              <>
                , head #{v.head.seq} <code className="hash">{v.head.hash.slice(0, 16)}…</code>
              </>
            ) : null}
          </p>
        ) : null}
        {v && v.problems.length > 0 ? (
          <ul className="problems">
            {v.problems.map((p) => (
              <li key={`${p.seq}-${p.kind}`}>
                #{p.seq} {p.kind}: {p.message}
              </li>
            ))}
          </ul>
        ) : null}
      </section>
      <section className="card" aria-labelledby="events-h">
        <h2 id="events-h">Events (newest first)</h2>
        <ErrorNote error={events.error} what="Audit events" />
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">Who</th>
                <th scope="col">What</th>
                <th scope="col">Object</th>
              </tr>
            </thead>
            <tbody>
              {(events.data ?? []).map((e) => (
                <tr key={e.seq}>
                  <td>{e.seq}</td>
                  <td>
                    <Time at={field(e, 'at') || null} />
                  </td>
                  <td>
                    {field(e, 'actor')} <span className="muted">({field(e, 'role')})</span>
                  </td>
                  <td>{field(e, 'action')}</td>
                  <td>
                    {field(e, 'targetKind')} <code>{field(e, 'targetId')}</code>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
