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
import { HeldBanner, PhaseLine, readable, SenderStatusLine, servedAfterT } from '../components/status.js';
import { Timeline } from '../components/Timeline.js';
import { useLive, useNow } from '../lib/live.js';
import { formatInstant, fromLocalInput, localZone, relative, toLocalInput } from '../lib/time.js';

/**
 * A renewal that ended without the new certificate staying (cancelled, rolled back), by the phase the
 * coordinator derived: T will not come and the old root must stay, whatever instants were planned.
 */
export function endedWithoutExchange(
  phase: string | undefined,
): { countdown: string; removal: string } | undefined {
  if (phase === 'cancelled')
    return {
      countdown: 'cancelled: there is no exchange, T will not come',
      removal: 'never: the renewal was cancelled; keep the old root',
    };
  if (phase === 'rolled-back')
    return {
      countdown: 'rolled back: the load balancer serves the old credential again',
      removal: 'never: the renewal was rolled back; keep the old root',
    };
  return undefined;
}

/** The page. */
export function RenewalPage({ id, me }: { id: string; me: Me }) {
  const now = useNow(1000);
  const r = useLive(() => get<RenewalDetail>(`/renewals/${encodeURIComponent(id)}`), id, 2000);
  const isLb = me.roles.some((x) => x.role === 'lb-admin');
  const d = r.data;
  const ended = endedWithoutExchange(d?.status?.phase);
  // From the facts, not the clock: the coordinator says whether the gate has run (a postpone re-opens it).
  const gateDecided = d?.gate?.decided === true;
  const postpone = d?.status?.actions.postpone;
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
            <HeldBanner status={d.status} />
            <dl className="facts">
              <dt>State</dt>
              <dd>
                <Pill state={d.state} />
              </dd>
              {d.status ? (
                <>
                  <dt>What is true now</dt>
                  <dd className="phase" data-phase={d.status.phase}>
                    <PhaseLine renewal={d} pill={false} />
                    <div className="muted">{readable(d.status.reason)}</div>
                  </dd>
                </>
              ) : null}
              <dt>T (exchange)</dt>
              <dd>
                <Time at={d.exchangeAt} />
              </dd>
              <dt>Countdown</dt>
              <dd className="countdown" aria-live="off">
                {ended
                  ? ended.countdown
                  : d.status?.held
                    ? `held at the gate; T was ${relative(d.exchangeAt, now)}`
                    : Date.parse(d.exchangeAt) > now && !d.exchangedAt
                      ? `T ${relative(d.exchangeAt, now)}`
                      : `T was ${relative(d.exchangeAt, now)}`}
              </dd>
              {d.exchangedAt ? (
                <>
                  <dt>Exchanged at</dt>
                  <dd>
                    <Time at={d.exchangedAt} />
                    {d.exchangedAt !== d.exchangeAt ? <span className="muted"> (not at T)</span> : null}
                  </dd>
                </>
              ) : null}
              <dt>Old root may go from</dt>
              <dd>
                {ended ? (
                  <span>{ended.removal}</span>
                ) : d.status?.phase === 'held-at-gate' ? (
                  // Held: no exchange has happened, so no instant counted from T would be true.
                  <span>not before the exchange: the renewal is held at the gate</span>
                ) : (
                  <>
                    <Time at={d.status?.safeRemovalAt ?? d.safeRemovalAt} />{' '}
                    <span className="muted">
                      ({d.exchangedAt ? 'the real exchange' : 'T'} + rollback window, for senders proven
                      ready, once verified)
                    </span>
                  </>
                )}
              </dd>
              <dt>Bridge</dt>
              <dd data-testid="bridge">
                {d.bridge ? (
                  <>
                    {d.bridge.mode === 'both'
                      ? 'reverse bridge on the old certificate until T; forward bridge from T until '
                      : 'forward bridge from T until '}
                    <Time at={d.bridge.until} />{' '}
                    <span className="muted">
                      (bridge deadline: clients that trust only the old root keep working until then)
                    </span>
                  </>
                ) : (
                  <span className="muted">none</span>
                )}
              </dd>
              {ended ? null : (
                <>
                  <dt>{gateDecided ? 'Gate decided at' : 'Gate decides at'}</dt>
                  <dd>
                    <Time at={d.gateAt} />
                  </dd>
                  <dt>Postpone</dt>
                  <dd data-testid="postpone">
                    {postpone?.available === false ? (
                      <span className="muted">{postpone.reason}</span>
                    ) : (
                      <>
                        possible until <Time at={d.postponeDeadline} />
                      </>
                    )}
                  </dd>
                </>
              )}
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
          <UnknownClients renewal={d} isLb={isLb} onDone={r.reload} />
          <section className="card" aria-labelledby="path-h">
            <h2 id="path-h">The path before and after T</h2>
            <PathDiagram
              senders={(d.senders ?? []).map((s) => ({ name: s.name, state: s.state, status: s.status }))}
              tenant={(d.tenants ?? []).map((t) => t.name).join(', ') || 'tenant'}
              after={servedAfterT(d)}
            />
          </section>
          {d.status?.grace ? <GracePanel renewal={d} /> : null}
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
                    <th scope="col">TLS profile</th>
                    <th scope="col">Source exceptions</th>
                  </tr>
                </thead>
                <tbody>
                  {(d.nodes ?? []).length === 0 ? (
                    <tr>
                      <td colSpan={6} className="muted">
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
                        {n.stagedAckAt ? <Time at={n.stagedAckAt} /> : null}
                        {n.staging ? <div className="muted small-note">{n.staging.text}</div> : null}
                      </td>
                      <td>
                        <Time at={n.verifiedAt} />
                      </td>
                      <td>{n.servedSha256 ? <code>{n.servedSha256.slice(0, 16)}…</code> : '—'}</td>
                      <td>{n.tlsProfile ?? '—'}</td>
                      <td data-exceptions={n.exceptions?.outcome ?? 'none'}>
                        {!n.exceptions
                          ? '—'
                          : n.exceptions.outcome === 'applied'
                            ? `applied (${n.exceptions.entries} entr${n.exceptions.entries === 1 ? 'y' : 'ies'}${n.exceptions.autoEntries ? `, ${n.exceptions.autoEntries} added by the node` : ''})`
                            : n.exceptions.outcome === 'not-yet'
                              ? 'not applied: its agent does not apply source exceptions yet'
                              : `${n.exceptions.outcome}: ${n.exceptions.detail ?? ''}`}
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </section>
          <section className="card" aria-labelledby="fail-h">
            <h2 id="fail-h">Senders after the exchange: handshakes and failures</h2>
            <Failures renewal={d} now={now} />
          </section>
        </>
      ) : null}
    </>
  );
}

/**
 * Per sender after the exchange: its derived status, its last handshake and what it was served, and
 * its failures. "No handshake seen" is not "no failure".
 */
function Failures({ renewal, now }: { renewal: RenewalDetail; now: number }) {
  const exchanged = Boolean(renewal.exchangedAt ?? renewal.status?.exchangedAt);
  if (!exchanged) {
    return (
      <p className="muted">
        {renewal.status?.held
          ? 'The exchange is held at the gate: the nodes still serve the old credential, so no sender can fail on the new one yet.'
          : 'The exchange has not happened yet: senders are still served the old credential.'}
      </p>
    );
  }
  const senders = renewal.senders ?? [];
  if (senders.length === 0) return <p className="muted">No senders.</p>;
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th scope="col">Sender</th>
            <th scope="col">Now</th>
            <th scope="col">Last handshake</th>
            <th scope="col">Served</th>
            <th scope="col">Failed since the exchange</th>
          </tr>
        </thead>
        <tbody>
          {senders.map((s) => {
            const t = s.status?.traffic;
            return (
              <tr key={s.id} data-sender={s.name}>
                <th scope="row">{s.name}</th>
                <td>{s.status ? <SenderStatusLine status={s.status} now={now} /> : s.state}</td>
                <td>
                  {t?.addressesKnown === false ? (
                    <span className="muted">no source address known</span>
                  ) : t?.lastHandshakeAt ? (
                    <Time at={t.lastHandshakeAt} now={now} />
                  ) : (
                    <span className="verdict bad">no handshake seen since the exchange</span>
                  )}
                </td>
                <td>
                  {t?.lastServed ? (
                    <>
                      {t.lastServed === 'new'
                        ? 'new credential'
                        : t.lastServed === 'old'
                          ? 'old credential'
                          : 'other'}
                      {t.lastServedSha256 ? <code> {t.lastServedSha256.slice(0, 12)}…</code> : null}
                    </>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{t ? t.failuresAfterExchange : s.failuresAfterT}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}

/**
 * Addresses seen before T that match no sender (the coordinator's words, one line each), and for the
 * LB admin "grace them too" when the coordinator says it can succeed now.
 */
function UnknownClients({
  renewal,
  isLb,
  onDone,
}: {
  renewal: RenewalDetail;
  isLb: boolean;
  onDone: () => void;
}) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const u = renewal.unknownClients;
  if (!u || u.clients.length === 0) return null;
  const grace = async () => {
    if (!window.confirm(`Grace them too? ${readable(u.graceThem.reason)}.`)) return;
    setBusy(true);
    setError(undefined);
    try {
      await post(`/renewals/${encodeURIComponent(renewal.id)}/unknown-clients/grace`, {});
      onDone();
    } catch (e) {
      setError(e instanceof Error ? e : new Error(String(e)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section className="card" aria-labelledby="unknown-h" data-unknown-clients>
      <h2 id="unknown-h">Unknown clients</h2>
      <p className="unknown-headline">{readable(u.headline)}</p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Address</th>
              <th scope="col">Last seen</th>
              <th scope="col">Handshakes</th>
              <th scope="col">At T</th>
            </tr>
          </thead>
          <tbody>
            {u.clients.map((c) => (
              <tr key={c.address} data-client={c.address} data-graced={c.graced}>
                <th scope="row">
                  <code>{c.address}</code>
                </th>
                <td>
                  <Time at={c.lastSeenAt} />
                </td>
                <td>{c.handshakes}</td>
                <td>{readable(c.note)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {isLb ? (
        u.graceThem.available ? (
          <button type="button" disabled={busy} onClick={grace}>
            Grace them too
          </button>
        ) : (
          <p className="muted">Grace them too is not possible: {readable(u.graceThem.reason)}.</p>
        )
      ) : null}
      <ErrorNote error={error} what="Grace them too" />
    </section>
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
  const a = renewal.status?.actions;
  const beforeT = ['planned', 'announced', 'staged', 'postponed'].includes(s);
  // What the coordinator says can succeed now; without a derived status, the state alone.
  const can = {
    postpone: a ? a.postpone.available : beforeT && s !== 'planned',
    cancel: a ? a.cancel.available : beforeT,
    exchangeNow: a ? a.exchangeNow.available : s === 'announced' || s === 'staged',
    rollback: a ? a.rollback.available : s === 'exchanged' || s === 'verified',
    complete: a ? a.complete.available : s === 'verified' || s === 'retiring',
    override: a ? a.override.available : renewal.gate?.decision === 'blocked',
  };
  const postpone = (e: FormEvent) => {
    e.preventDefault();
    const t = fromLocalInput(newT);
    if (t) void act('/postpone', { exchangeAt: t.toISOString() });
  };
  const override = (e: FormEvent) => {
    e.preventDefault();
    void act('/gate/override', { reason });
  };
  const cancel = () => {
    const why = window.prompt(
      'Cancel this renewal? Every node drops the staged credential and everyone who was told is told it is off. Why (recorded)?',
    );
    if (why?.trim()) void act('/cancel', { reason: why.trim() });
  };
  const complete = () => {
    const open = renewal.status?.open;
    const items = [
      open?.failing ? `${open.failing} sender(s) failing` : '',
      open?.notProven ? `${open.notProven} sender(s) not proven` : '',
      open?.oldRootTrusted ? `the old root still trusted by ${open.oldRootTrusted} sender(s)` : '',
    ].filter(Boolean);
    if (a?.complete.needsConfirmation || items.length) {
      const why = window.prompt(
        `Still open: ${items.join('; ')}. Completing records these as open. Complete anyway? Give the reason (recorded):`,
      );
      if (why?.trim()) void act('/complete', { force: true, reason: why.trim() });
      return;
    }
    void act('/complete', {}, 'Complete this renewal? Nothing is open.');
  };
  const why = (x: { available: boolean; reason: string } | undefined) =>
    x && !x.available ? readable(x.reason) : null;
  return (
    <section className="card actions" aria-labelledby="act-h">
      <h2 id="act-h">Actions</h2>
      <div className="button-row">
        {s === 'planned' ? (
          <button type="button" disabled={busy} onClick={() => act('/announce')}>
            Announce to tenant admins
          </button>
        ) : null}
        {can.exchangeNow ? (
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
        {can.rollback ? (
          <button
            type="button"
            className="danger"
            disabled={busy}
            onClick={() => act('/rollback', {}, 'Roll back to the old credential?')}
          >
            Roll back
          </button>
        ) : null}
        {can.complete ? (
          <button type="button" disabled={busy} onClick={complete}>
            Complete…
          </button>
        ) : null}
        {can.cancel ? (
          <button type="button" className="secondary" disabled={busy} onClick={cancel}>
            Cancel the renewal…
          </button>
        ) : null}
      </div>
      {can.postpone ? (
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
      ) : beforeT && s !== 'planned' && why(a?.postpone) ? (
        <p className="muted">Postpone is not possible: {why(a?.postpone)}.</p>
      ) : null}
      {can.override ? (
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
      {!can.complete && a && (s === 'verified' || s === 'exchanged') ? (
        <p className="muted">Complete: {why(a.complete)}.</p>
      ) : null}
      {s === 'completed' || s === 'cancelled' || s === 'rolled-back' ? (
        <p className={renewal.phase === 'completed-with-open-items' ? 'note error' : 'muted'}>
          {renewal.phase === 'completed-with-open-items'
            ? `This renewal was ${readable(renewal.headline ?? 'completed with open items')}: ${readable(renewal.status?.reason ?? '')}.`
            : `Nothing left to do: this renewal is ${s}.`}
        </p>
      ) : null}
      <ErrorNote error={error} what="The action failed" />
    </section>
  );
}

/** Grace: the countdown (derived by the coordinator from the deadline and now) and who is in grace. */
function GracePanel({ renewal: d }: { renewal: RenewalDetail }) {
  const g = d.status!.grace;
  const inGrace = (d.senders ?? []).filter((s) => s.status?.oldCredentialServedUntil);
  return (
    <section className="card" aria-labelledby="grace-h">
      <h2 id="grace-h">Grace ({g.policy})</h2>
      <p className={g.over ? 'muted' : 'verdict action'} role="status" data-grace-over={String(g.over)}>
        {readable(g.text)}
      </p>
      <p className="muted">
        Early switch {g.early}; automatic fallback {g.autoGrace ? 'on' : 'off'}.
      </p>
      {inGrace.length ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Sender in grace</th>
                <th scope="col">Old certificate until</th>
                <th scope="col">Addresses</th>
                <th scope="col">Held by (shared address)</th>
              </tr>
            </thead>
            <tbody>
              {inGrace.map((s) => (
                <tr key={s.id} data-grace-sender={s.name}>
                  <th scope="row">{s.name}</th>
                  <td>
                    <Time at={s.status!.oldCredentialServedUntil} />
                  </td>
                  <td>{s.status!.grace.oldCidrs.join(', ')}</td>
                  <td>{s.status!.grace.heldBy.map((h) => h.name).join(', ') || '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
    </section>
  );
}
