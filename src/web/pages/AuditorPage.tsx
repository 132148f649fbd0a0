/**
 * The auditor's page: whether the audit chain verifies, and the log itself (newest first), in words
 * with each event's outcome (a proof verified or failing, an override with its reason), filtered by
 * renewal, and exported from the page as the JSON lines it shows.
 */
import { useState } from 'react';
import { api, get } from '../api/client.js';
import type { AuditEvent, AuditVerdict, RenewalSummary, Sender } from '../api/types.js';
import { ErrorNote, Time } from '../components/common.js';
import { stepInWords } from '../components/history.js';
import { useLive } from '../lib/live.js';

/** The newest 1000 events: the verdict says how many there are, so only the tail is fetched. */
async function loadEvents(): Promise<AuditEvent[]> {
  const v = await get<AuditVerdict>('/audit/verify');
  const after = Math.max(0, (v.head?.seq ?? v.events) - 1000);
  const text = await api<string>('GET', `/audit/events?after=${after}&limit=1000`, undefined, { as: 'text' });
  const events = text
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as AuditEvent);
  return events.reverse();
}

/** Renewals and senders, for the filter and for names instead of ids (optional: absent routes leave ids). */
async function loadNames() {
  const [renewals, senders] = await Promise.all([
    get<RenewalSummary[]>('/renewals').catch(() => [] as RenewalSummary[]),
    get<Sender[]>('/senders').catch(() => [] as Sender[]),
  ]);
  return { renewals, senders };
}

function field(e: AuditEvent, ...names: string[]): string {
  for (const n of names) {
    const v = e[n];
    if (typeof v === 'string' || typeof v === 'number') return String(v);
  }
  return '';
}

/** The event's outcome in a word or two, when it has one. */
export function outcomeOf(e: AuditEvent): { text: string; tone: 'ok' | 'bad' | '' } {
  const c = (e.change && typeof e.change === 'object' ? e.change : {}) as Record<string, unknown>;
  const action = field(e, 'action');
  if (action === 'renewal.evidence')
    return c.reason || c.state === 'failing'
      ? { text: `failing${c.reason ? `: ${String(c.reason)}` : ''}`, tone: 'bad' }
      : { text: 'verified: the chain led to the new root', tone: 'ok' };
  if (action === 'renewal.gate-override')
    return { text: `override, reason: "${String(c.reason ?? '')}"`, tone: 'bad' };
  if (action === 'renewal.gate')
    return { text: String(c.decision ?? ''), tone: c.decision === 'go' ? 'ok' : c.decision ? 'bad' : '' };
  if (action === 'renewal.complete' && c.forced)
    return {
      text: `completed with open items${c.reason ? `, reason: "${String(c.reason)}"` : ''}`,
      tone: 'bad',
    };
  if (action === 'renewal.removal')
    return { text: c.forced ? 'forced' : 'removed', tone: c.forced ? 'bad' : 'ok' };
  return { text: '', tone: '' };
}

/** An event in words: renewal steps as sentences, anything else as who did what to which object. */
function inWords(e: AuditEvent, name: (id: string) => string): string {
  const action = field(e, 'action');
  if (action.startsWith('renewal.'))
    return stepInWords(
      { kind: action.slice('renewal.'.length), actor: field(e, 'actor'), detail: e.change },
      name,
    );
  const [noun, verb] = action.split('.');
  return `${field(e, 'actor') || 'the coordinator'} — ${verb ?? action} ${noun ?? ''} ${name(field(e, 'targetId'))}`.trim();
}

/** True when the event belongs to renewal `id` (its target, or named in its change). */
function ofRenewal(e: AuditEvent, id: string): boolean {
  if (field(e, 'targetId') === id) return true;
  return JSON.stringify(e.change ?? '').includes(id);
}

/** The page. */
export function AuditorPage() {
  const verdict = useLive(() => get<AuditVerdict>('/audit/verify'), '', 10_000);
  const events = useLive(loadEvents, '', 10_000);
  const names = useLive(loadNames, '', 30_000);
  const [renewalId, setRenewalId] = useState('');
  const v = verdict.data;
  const byId = new Map<string, string>((names.data?.senders ?? []).map((s) => [s.id, s.name]));
  const name = (id: string) => byId.get(id) ?? id;
  const shown = (events.data ?? []).filter((e) => !renewalId || ofRenewal(e, renewalId));
  const exportShown = () => {
    const text = [...shown]
      .reverse()
      .map((e) => JSON.stringify(e))
      .join('\n');
    const url = URL.createObjectURL(new Blob([`${text}\n`], { type: 'application/x-ndjson' }));
    const a = document.createElement('a');
    a.href = url;
    a.download = `audit${renewalId ? `-${renewalId}` : ''}.jsonl`;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  };
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
        <div className="inline-form">
          <label>
            Renewal
            <select value={renewalId} onChange={(e) => setRenewalId(e.target.value)}>
              <option value="">all events</option>
              {(names.data?.renewals ?? []).map((r) => (
                <option key={r.id} value={r.id}>
                  {(r.virtualServers ?? []).map((x) => x.name).join(', ')} — {r.headline ?? r.state} ({r.id})
                </option>
              ))}
            </select>
          </label>
          <button type="button" className="secondary" onClick={exportShown} disabled={shown.length === 0}>
            Export these {shown.length} event(s) (JSON lines)
          </button>
        </div>
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">#</th>
                <th scope="col">When</th>
                <th scope="col">What happened</th>
                <th scope="col">Outcome</th>
                <th scope="col">Who</th>
              </tr>
            </thead>
            <tbody>
              {shown.map((e) => {
                const o = outcomeOf(e);
                return (
                  <tr key={e.seq} data-action={field(e, 'action')}>
                    <td>{e.seq}</td>
                    <td>
                      <Time at={field(e, 'at') || null} />
                    </td>
                    <td>
                      {inWords(e, name)}
                      <div className="muted">
                        <code>{field(e, 'action')}</code>
                      </div>
                    </td>
                    <td className={o.tone ? `verdict ${o.tone}` : ''}>{o.text}</td>
                    <td>
                      {field(e, 'actor')} <span className="muted">({field(e, 'role')})</span>
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
