/**
 * One renewal as the LB admin watches it: state, countdown to T, the six steps, the gate, readiness
 * by tenant and sender, per-node verification, handshake failures after T, the path drawn before and
 * after T; and the actions: announce, postpone, override the gate, exchange now, rollback, complete.
 * Other roles see the same page read-only, narrowed by the API to what they may see.
 */
import { type FormEvent, useState } from 'react';
import { get, post } from '../api/client.js';
import type { Me, RenewalDetail } from '../api/types.js';
import { ErrorNote, Fingerprint, Pill, Time } from '../components/common.js';
import { PathDiagram } from '../components/PathDiagram.js';
import { ReadinessMatrix } from '../components/ReadinessMatrix.js';
import { Timeline } from '../components/Timeline.js';
import { useLive, useNow } from '../lib/live.js';
import { formatInstant, fromLocalInput, localZone, relative, toLocalInput } from '../lib/time.js';

const AFTER_T = new Set(['exchanged', 'verified', 'retiring', 'completed']);

/** The page. */
export function RenewalPage({ id, me }: { id: string; me: Me }) {
  const now = useNow(1000);
  const r = useLive(() => get<RenewalDetail>(`/renewals/${encodeURIComponent(id)}`), id, 2000);
  const isLb = me.roles.some((x) => x.role === 'lb-admin');
  const d = r.data;
  return (
    <>
      <h1>Renewal {d ? (d.virtualServers ?? []).map((v) => v.name).join(', ') : id}</h1>
      <ErrorNote error={r.error} what="This renewal" />
      {d ? (
        <>
          <section className="card summary" aria-labelledby="sum-h">
            <h2 id="sum-h" className="sr-only">
              Summary
            </h2>
            <dl className="facts">
              <dt>State</dt>
              <dd>
                <Pill state={d.state} />
              </dd>
              <dt>T (exchange)</dt>
              <dd>
                <Time at={d.exchangeAt} />
              </dd>
              <dt>Countdown</dt>
              <dd className="countdown" aria-live="off">
                {Date.parse(d.exchangeAt) > now && !AFTER_T.has(d.state)
                  ? `T ${relative(d.exchangeAt, now)}`
                  : `T was ${relative(d.exchangeAt, now)}`}
              </dd>
              <dt>Old root may go from</dt>
              <dd>
                <Time at={d.safeRemovalAt} />{' '}
                <span className="muted">(T + rollback window, once verified)</span>
              </dd>
              <dt>Gate decides at</dt>
              <dd>
                <Time at={d.gateAt} />
              </dd>
              <dt>Postpone possible until</dt>
              <dd>
                <Time at={d.postponeDeadline} />
              </dd>
            </dl>
            <Fingerprint label="New root" hex={d.newRootSha256} />
            <Fingerprint label="Old root" hex={d.oldRootSha256} />
          </section>
          {isLb ? <Actions renewal={d} onDone={r.reload} /> : null}
          <section className="card" aria-labelledby="steps-h">
            <h2 id="steps-h">Steps</h2>
            <Timeline renewal={d} />
          </section>
          <section className="card" aria-labelledby="gate-h">
            <h2 id="gate-h">Readiness gate ({d.gatePolicy})</h2>
            {d.gate ? (
              <p className={`verdict gate-${d.gate.decision}`} role="status">
                {d.gate.decision}
                {d.gate.reason ? ` — ${d.gate.reason}` : ''}
              </p>
            ) : (
              <p className="muted">Not decided yet.</p>
            )}
          </section>
          <section className="card" aria-labelledby="ready-h">
            <h2 id="ready-h">Readiness</h2>
            <ReadinessMatrix renewal={d} />
          </section>
          <section className="card" aria-labelledby="path-h">
            <h2 id="path-h">The path before and after T</h2>
            <PathDiagram
              senders={(d.senders ?? []).map((s) => ({ name: s.name, state: s.state }))}
              tenant={(d.tenants ?? []).map((t) => t.name).join(', ') || 'tenant'}
              after={d.state === 'rolled-back' ? 'old' : 'new'}
            />
          </section>
          <section className="card" aria-labelledby="nodes-h">
            <h2 id="nodes-h">Exchange verification per node</h2>
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">Node</th>
                    <th scope="col">Staged (acknowledged)</th>
                    <th scope="col">Verified after T</th>
                    <th scope="col">Serves</th>
                  </tr>
                </thead>
                <tbody>
                  {(d.nodes ?? []).length === 0 ? (
                    <tr>
                      <td colSpan={4} className="muted">
                        This load balancer has no data-plane nodes registered.
                      </td>
                    </tr>
                  ) : null}
                  {(d.nodes ?? []).map((n) => (
                    <tr key={n.id} data-node={n.name}>
                      <th scope="row">
                        {n.name} {n.late ? <Pill state="late" /> : null}
                        {n.lastError ? <div className="note error small-note">{n.lastError}</div> : null}
                      </th>
                      <td>
                        <Time at={n.stagedAckAt} />
                      </td>
                      <td>
                        <Time at={n.verifiedAt} />
                      </td>
                      <td>{n.servedSha256 ? <code>{n.servedSha256.slice(0, 16)}…</code> : '—'}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section className="card" aria-labelledby="fail-h">
            <h2 id="fail-h">Handshake failures by sender after T</h2>
            <Failures renewal={d} />
          </section>
        </>
      ) : null}
    </>
  );
}

function Failures({ renewal }: { renewal: RenewalDetail }) {
  const failing = (renewal.senders ?? []).filter((s) => s.failuresAfterT > 0);
  if (!AFTER_T.has(renewal.state) && renewal.state !== 'rolled-back')
    return <p className="muted">T has not passed yet.</p>;
  if (failing.length === 0) return <p className="verdict ok">No sender has failed a handshake since T.</p>;
  return (
    <ul>
      {failing.map((s) => (
        <li key={s.id}>
          {s.name}: {s.failuresAfterT} failed handshake(s)
        </li>
      ))}
    </ul>
  );
}

function Actions({ renewal, onDone }: { renewal: RenewalDetail; onDone: () => void }) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const [newT, setNewT] = useState(() => toLocalInput(Date.parse(renewal.exchangeAt) + 86_400_000));
  const [reason, setReason] = useState('');
  const base = `/renewals/${encodeURIComponent(renewal.id)}`;
  const act = async (path: string, body: unknown = {}, confirmText?: string) => {
    if (confirmText && !window.confirm(confirmText)) return;
    setBusy(true);
    setError(undefined);
    try {
      await post(base + path, body);
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };
  const s = renewal.state;
  const beforeT = ['planned', 'announced', 'staged', 'postponed'].includes(s);
  const postpone = (e: FormEvent) => {
    e.preventDefault();
    const t = fromLocalInput(newT);
    if (t) void act('/postpone', { exchangeAt: t.toISOString() });
  };
  const override = (e: FormEvent) => {
    e.preventDefault();
    void act('/gate/override', { reason });
  };
  return (
    <section className="card actions" aria-labelledby="act-h">
      <h2 id="act-h">Actions</h2>
      <div className="button-row">
        {s === 'planned' ? (
          <button type="button" disabled={busy} onClick={() => act('/announce')}>
            Announce to tenant admins
          </button>
        ) : null}
        {s === 'announced' || s === 'staged' ? (
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() =>
              act(
                '/exchange',
                { now: true },
                'Exchange the credential now, before T? Senders that have not added the new root fail from this moment.',
              )
            }
          >
            Exchange now (before T)
          </button>
        ) : null}
        {s === 'exchanged' || s === 'verified' ? (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => act('/rollback', {}, 'Roll back to the old credential?')}
          >
            Roll back
          </button>
        ) : null}
        {s === 'verified' || s === 'retiring' ? (
          <button type="button" disabled={busy} onClick={() => act('/complete')}>
            Complete
          </button>
        ) : null}
      </div>
      {beforeT && s !== 'planned' ? (
        <form className="inline-form" onSubmit={postpone}>
          <label>
            Postpone T to (your time, {localZone()})
            <input
              type="datetime-local"
              step={1}
              value={newT}
              onChange={(e) => setNewT(e.target.value)}
              aria-describedby="postpone-utc"
            />
          </label>
          <span id="postpone-utc" className="t-preview" aria-live="polite">
            = {formatInstant(fromLocalInput(newT)?.toISOString())}
          </span>
          <button type="submit" disabled={busy}>
            Postpone
          </button>
        </form>
      ) : null}
      {renewal.gate?.decision === 'blocked' ? (
        <form className="inline-form" onSubmit={override}>
          <label>
            Override the gate: reason (recorded)
            <input value={reason} onChange={(e) => setReason(e.target.value)} required minLength={3} />
          </label>
          <button type="submit" disabled={busy}>
            Override
          </button>
        </form>
      ) : null}
      {s === 'completed' || s === 'cancelled' || s === 'rolled-back' ? (
        <p className="muted">Nothing left to do: this renewal is {s}.</p>
      ) : null}
      <ErrorNote error={error} what="The action failed" />
    </section>
  );
}
