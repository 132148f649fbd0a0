/**
 * The tenant admin's inbox: announcements for its tenants, each forwarded to the tenant's senders
 * with an optional message, and the readiness of those senders. Integration developers see it
 * read-only.
 */
import { type FormEvent, useState } from 'react';
import { ApiError, get, post } from '../api/client.js';
import type { InboxItem, Me, RenewalDetail, Sender, Tenant } from '../api/types.js';
import { ErrorNote, Fingerprint, Link, Pill, Time } from '../components/common.js';
import { PathDiagram } from '../components/PathDiagram.js';
import { ReadinessMatrix } from '../components/ReadinessMatrix.js';
import { useLive, useNow } from '../lib/live.js';

interface Inbox {
  items: InboxItem[];
  renewals: Map<string, RenewalDetail>;
}

async function loadInbox(): Promise<Inbox> {
  const items = await get<InboxItem[]>('/inbox');
  const ids = [...new Set(items.map((i) => i.renewalId))];
  const details = await Promise.all(
    ids.map((id) => get<RenewalDetail>(`/renewals/${encodeURIComponent(id)}`)),
  );
  return { items, renewals: new Map(details.map((d) => [d.id, d])) };
}

/** The page. */
export function TenantPage({ me }: { me: Me }) {
  const now = useNow(1000);
  const inbox = useLive(loadInbox, '', 3000);
  const tenants = useLive(
    () => Promise.all([get<Tenant[]>('/tenants'), get<Sender[]>('/senders')]),
    '',
    15_000,
  );
  const canForward = me.roles.some((r) => r.role === 'tenant-admin');
  const [tenantList, senders] = tenants.data ?? [[], []];
  return (
    <>
      <h1>Tenant inbox</h1>
      <section className="card" aria-labelledby="inbox-h">
        <h2 id="inbox-h">Announcements</h2>
        <ErrorNote error={inbox.error} what="The inbox" />
        {inbox.data && inbox.data.items.length === 0 ? <p className="muted">Nothing announced.</p> : null}
        {(inbox.data?.items ?? []).map((item) => {
          const d = inbox.data?.renewals.get(item.renewalId);
          const tenant = tenantList.find((t) => t.id === item.tenantId);
          const mine = senders.filter((s) => s.tenantId === item.tenantId);
          const states = new Map((d?.senders ?? []).map((s) => [s.id, s.state]));
          return (
            <article
              key={`${item.renewalId}/${item.tenantId}`}
              className="inbox-item"
              data-tenant={tenant?.name}
            >
              <h3>
                {tenant?.name ?? item.tenantName ?? item.tenantId}:{' '}
                {d ? (d.virtualServers ?? []).map((v) => v.hosts.join(', ')).join('; ') : item.renewalId}
              </h3>
              <p>
                The load balancer certificate changes to a new root at <strong>T = </strong>
                <Time at={item.exchangeAt} now={now} />. Every sender must trust the new root before T.
              </p>
              {d ? <Fingerprint label="New root" hex={d.newRootSha256} /> : null}
              <p>
                <Link to={`/renewals/${encodeURIComponent(item.renewalId)}`}>Renewal details</Link>
                {d ? (
                  <>
                    {' '}
                    · <Pill state={d.state} />
                  </>
                ) : null}
              </p>
              {item.forwarded ? (
                <p className="verdict ok" role="status">
                  Forwarded to {mine.length} sender(s) at <Time at={item.forwardedAt ?? null} />.
                </p>
              ) : canForward ? (
                <ForwardForm
                  renewalId={item.renewalId}
                  tenantId={item.tenantId}
                  count={mine.length}
                  onDone={inbox.reload}
                />
              ) : (
                <p className="muted">Not forwarded yet.</p>
              )}
              {d ? (
                <>
                  <ReadinessMatrix renewal={d} tenantIds={[item.tenantId]} />
                  <PathDiagram
                    tenant={tenant?.name ?? 'tenant'}
                    after={d.state === 'rolled-back' ? 'old' : 'new'}
                    senders={(d.senders ?? [])
                      .filter((s) => s.tenantId === item.tenantId)
                      .map((s) => ({ name: s.name, state: states.get(s.id) ?? s.state }))}
                  />
                </>
              ) : null}
            </article>
          );
        })}
      </section>
      <section className="card" aria-labelledby="ten-h">
        <h2 id="ten-h">Your tenants and senders</h2>
        <ErrorNote error={tenants.error} what="Tenants" />
        <ul>
          {tenantList.map((t) => (
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
        <textarea value={message} onChange={(e) => setMessage(e.target.value)} rows={2} maxLength={2000} />
      </label>
      <button type="submit" disabled={busy}>
        Forward to {count} sender(s)
      </button>
      <ErrorNote error={error} what="Forwarding failed" />
    </form>
  );
}
