/**
 * The tenant admin's inbox: every announced renewal reaching its tenants, each forwarded to the
 * tenant's senders with an optional message, and the readiness of those senders; below, the in-app
 * notices. Integration developers see it read-only.
 */
import { type FormEvent, useState } from 'react';
import { ApiError, get, post } from '../api/client.js';
import type { InboxItem, Me, RenewalDetail, RenewalSummary, Sender, Tenant } from '../api/types.js';
import { ErrorNote, Fingerprint, Link, Pill, Time } from '../components/common.js';
import { PathDiagram } from '../components/PathDiagram.js';
import { ReadinessMatrix } from '../components/ReadinessMatrix.js';
import { HeldBanner, PhaseLine, SenderStatusLine, servedAfterT } from '../components/status.js';
import { useLive, useNow } from '../lib/live.js';

/** What each operating model means for who acts, said where the model is shown. */
const MODEL_MEANS: Record<string, string> = {
  'customer-managed': "the customer's own people are tenant admin and forward to their senders",
  'provider-managed': 'the provider runs this tenant: a provider person is its tenant admin',
};

const FINISHED = new Set(['completed', 'cancelled', 'rolled-back']);

/** Lower needs action sooner: not forwarded, a sender failing, a sender to act, then waiting. */
function urgency(d: RenewalDetail, t: RenewalDetail['tenants'][number]): number {
  if (FINISHED.has(d.state)) return 9;
  if (!t.forwarded) return 0;
  const mine = (d.senders ?? []).filter((s) => s.tenantId === t.id);
  if (mine.some((s) => s.status?.tone === 'bad')) return 1;
  if (mine.some((s) => s.status?.tone === 'action')) return 2;
  return 5;
}

async function loadAnnounced(): Promise<RenewalDetail[]> {
  const list = await get<RenewalSummary[]>('/renewals');
  // A planned renewal is not announced yet: tenant admins hear of it at step 2.
  const shown = list.filter((r) => r.state !== 'planned');
  return Promise.all(shown.map((r) => get<RenewalDetail>(`/renewals/${encodeURIComponent(r.id)}`)));
}

/** The page. */
export function TenantPage({ me }: { me: Me }) {
  const now = useNow(1000);
  const renewals = useLive(loadAnnounced, '', 3000);
  const notices = useLive(() => get<InboxItem[]>('/inbox'), '', 10_000);
  const inventory = useLive(
    () => Promise.all([get<Tenant[]>('/tenants'), get<Sender[]>('/senders')]),
    '',
    15_000,
  );
  const canForward = me.roles.some((r) => r.role === 'tenant-admin');
  const [tenants, senders] = inventory.data ?? [[], []];
  const all = (renewals.data ?? [])
    .flatMap((d) => (d.tenants ?? []).map((t) => ({ d, t })))
    .sort((a, b) => urgency(a.d, a.t) - urgency(b.d, b.t));
  const items = all.filter(({ d }) => !FINISHED.has(d.state));
  const done = all.filter(({ d }) => FINISHED.has(d.state));
  return (
    <>
      <h1>Tenant inbox</h1>
      <section className="card" aria-labelledby="inbox-h">
        <h2 id="inbox-h">Announcements</h2>
        <ErrorNote error={renewals.error} what="Announcements" />
        {renewals.data && items.length === 0 ? <p className="muted">Nothing in progress.</p> : null}
        {items.map((x) => (
          <Item
            key={`${x.d.id}/${x.t.id}`}
            {...x}
            now={now}
            canForward={canForward}
            onDone={renewals.reload}
          />
        ))}
        {done.length > 0 ? (
          <details className="done-items">
            <summary>Finished ({done.length})</summary>
            {done.map((x) => (
              <Item
                key={`${x.d.id}/${x.t.id}`}
                {...x}
                now={now}
                canForward={canForward}
                onDone={renewals.reload}
              />
            ))}
          </details>
        ) : null}
      </section>
      <section className="card" aria-labelledby="notices-h">
        <h2 id="notices-h">Notices</h2>
        <ErrorNote error={notices.error} what="Notices" />
        {notices.data && notices.data.length === 0 ? <p className="muted">No notices.</p> : null}
        <ul className="notices">
          {(notices.data ?? []).slice(0, 20).map((n, i) => (
            <li key={n.id ?? i}>
              <strong>{n.subject ?? 'Notice'}</strong>{' '}
              <Time at={(n.createdAt ?? n.at ?? null) as string | null} />
              {n.body ? <p className="notice-body">{n.body}</p> : null}
            </li>
          ))}
        </ul>
      </section>
      <section className="card" aria-labelledby="ten-h">
        <h2 id="ten-h">Your tenants and senders</h2>
        <ErrorNote error={inventory.error} what="Tenants" />
        <ul>
          {tenants.map((t) => (
            <li key={t.id}>
              <strong>{t.name}</strong>{' '}
              <span className="muted">
                ({t.operatingModel}: {MODEL_MEANS[t.operatingModel] ?? 'see docs/api.md'})
              </span>
              :{' '}
              {senders
                .filter((s) => s.tenantId === t.id)
                .map((s) => `${s.name} (${s.truststoreKind})`)
                .join(', ') || 'no senders'}
            </li>
          ))}
        </ul>
      </section>
    </>
  );
}

/** One renewal for one tenant: what to do first and by when, then one line per sender. */
function Item({
  d,
  t,
  now,
  canForward,
  onDone,
}: {
  d: RenewalDetail;
  t: RenewalDetail['tenants'][number];
  now: number;
  canForward: boolean;
  onDone: () => void;
}) {
  const mine = (d.senders ?? []).filter((s) => s.tenantId === t.id);
  const deadline = d.gatePolicy === 'block' && d.gateAt && d.gateAt < d.exchangeAt ? d.gateAt : d.exchangeAt;
  return (
    <article className="inbox-item" data-tenant={t.name} data-renewal={d.id}>
      <h3>
        {t.name}: {(d.virtualServers ?? []).map((v) => v.hosts.join(', ')).join('; ')}{' '}
        <PhaseLine renewal={d} />
      </h3>
      <HeldBanner status={d.status} />
      {!t.forwarded && !FINISHED.has(d.state) ? (
        <p className="verdict action" role="status">
          To do: forward to your {mine.length} sender(s) — by <Time at={deadline} now={now} />
          {deadline !== d.exchangeAt ? ' (when the gate counts proofs)' : ''}.
        </p>
      ) : null}
      <p>
        The load balancer certificate changes to a new root at <strong>T = </strong>
        <Time at={d.exchangeAt} now={now} />
        {d.exchangedAt ? (
          <>
            {' '}
            (it did at <Time at={d.exchangedAt} />)
          </>
        ) : null}
        . Every sender must trust the new root before then and keep the old one until it is told it may go
        (not before <Time at={d.status?.safeRemovalAt ?? d.safeRemovalAt} />
        ).
      </p>
      <Fingerprint label="New root SHA-256" hex={d.newRootSha256} />
      <p>
        <Link to={`/renewals/${encodeURIComponent(d.id)}`}>Renewal details</Link>
        <span className="muted">
          {' '}
          · {t.operatingModel}: {MODEL_MEANS[t.operatingModel] ?? ''}
        </span>
      </p>
      {t.forwarded ? (
        <p className="verdict ok" role="status">
          Forwarded to {mine.length} sender(s) by {t.forwardedBy ?? 'someone'} at <Time at={t.forwardedAt} />.
        </p>
      ) : canForward && !FINISHED.has(d.state) ? (
        <ForwardForm renewalId={d.id} tenantId={t.id} count={mine.length} onDone={onDone} />
      ) : (
        <p className="muted">Not forwarded.</p>
      )}
      <ul className="sender-lines" aria-label={`Senders of ${t.name}`}>
        {mine.map((s) => (
          <li key={s.id} data-sender={s.name}>
            <strong>{s.name}</strong>:{' '}
            {s.status ? <SenderStatusLine status={s.status} now={now} /> : <Pill state={s.state} />}
            <Reminded steps={d.steps} senderId={s.id} />
            {canForward && !FINISHED.has(d.state) && s.status?.next.who === 'sender-admin' ? (
              <RemindButton renewalId={d.id} senderIds={[s.id]} label={`Remind ${s.name}`} onDone={onDone} />
            ) : null}
          </li>
        ))}
      </ul>
      <details>
        <summary>Readiness table and path drawing</summary>
        <ReadinessMatrix renewal={d} tenantIds={[t.id]} />
        <PathDiagram
          tenant={t.name}
          after={servedAfterT(d)}
          senders={mine.map((s) => ({ name: s.name, state: s.state, status: s.status }))}
        />
      </details>
    </article>
  );
}

/** When this sender was last reminded (by a person or the schedule), from the recorded steps. */
function Reminded({ steps, senderId }: { steps: RenewalDetail['steps']; senderId: string }) {
  const last = steps
    .filter((x) => x.kind === 'remind' && (x.detail as { sender?: string } | null)?.sender === senderId)
    .at(-1);
  return last ? (
    <span className="muted">
      {' '}
      · reminded by {last.actor} <Time at={last.at} />
    </span>
  ) : null;
}

/** Sends a reminder now (the server refuses a second one within 15 minutes, and says until when). */
function RemindButton({
  renewalId,
  senderIds,
  label,
  onDone,
}: {
  renewalId: string;
  senderIds: string[];
  label: string;
  onDone: () => void;
}) {
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const remind = async () => {
    setBusy(true);
    setError(undefined);
    try {
      await post(`/renewals/${encodeURIComponent(renewalId)}/remind`, { senderIds });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      {' '}
      <button type="button" className="secondary" onClick={() => void remind()} disabled={busy}>
        {label}
      </button>
      <ErrorNote error={error} what="The reminder" />
    </>
  );
}

function ForwardForm({
  renewalId,
  tenantId,
  count,
  onDone,
}: {
  renewalId: string;
  tenantId: string;
  count: number;
  onDone: () => void;
}) {
  const [message, setMessage] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await post(`/renewals/${encodeURIComponent(renewalId)}/forward`, {
        tenantId,
        ...(message.trim() ? { message: message.trim() } : {}),
      });
      onDone();
    } catch (err) {
      setError(err instanceof ApiError || err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form className="forward" onSubmit={submit}>
      <label>
        Message to your sender admins (optional)
        <textarea value={message} onChange={(e) => setMessage(e.target.value)} rows={2} maxLength={4000} />
      </label>
      <button type="submit" disabled={busy}>
        Forward to {count} sender(s)
      </button>
      <ErrorNote error={error} what="Forwarding failed" />
    </form>
  );
}
