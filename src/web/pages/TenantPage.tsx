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
import { useLive, useNow } from '../lib/live.js';

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
  const items = (renewals.data ?? []).flatMap((d) => (d.tenants ?? []).map((t) => ({ d, t })));
  return (
    <>
      <h1>Tenant inbox</h1>
      <section className="card" aria-labelledby="inbox-h">
        <h2 id="inbox-h">Announcements</h2>
        <ErrorNote error={renewals.error} what="Announcements" />
        {renewals.data && items.length === 0 ? <p className="muted">Nothing announced.</p> : null}
        {items.map(({ d, t }) => {
          const mine = (d.senders ?? []).filter((s) => s.tenantId === t.id);
          return (
            <article key={`${d.id}/${t.id}`} className="inbox-item" data-tenant={t.name}>
              <h3>
                {t.name}: {(d.virtualServers ?? []).map((v) => v.hosts.join(', ')).join('; ')}{' '}
                <Pill state={d.state} />
              </h3>
              <p>
                The load balancer certificate changes to a new root at <strong>T = </strong>
                <Time at={d.exchangeAt} now={now} />. Every sender must trust the new root before T and keep
                the old one until <Time at={d.safeRemovalAt} />.
              </p>
              <Fingerprint label="New root SHA-256" hex={d.newRootSha256} />
              <p>
                <Link to={`/renewals/${encodeURIComponent(d.id)}`}>Renewal details</Link>
              </p>
              {t.forwarded ? (
                <p className="verdict ok" role="status">
                  Forwarded to {mine.length} sender(s) by {t.forwardedBy ?? 'someone'} at{' '}
                  <Time at={t.forwardedAt} />.
                </p>
              ) : canForward ? (
                <ForwardForm renewalId={d.id} tenantId={t.id} count={mine.length} onDone={renewals.reload} />
              ) : (
                <p className="muted">Not forwarded yet.</p>
              )}
              <ReadinessMatrix renewal={d} tenantIds={[t.id]} />
              <PathDiagram
                tenant={t.name}
                after={d.state === 'rolled-back' ? 'old' : 'new'}
                senders={mine.map((s) => ({ name: s.name, state: s.state }))}
              />
            </article>
          );
        })}
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
              <strong>{t.name}</strong> <span className="muted">({t.operatingModel})</span>:{' '}
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
