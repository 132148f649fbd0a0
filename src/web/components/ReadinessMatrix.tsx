/**
 * Tenants by senders: each sender's derived status (the same the sender's own page shows) in its
 * tenant's row, with text, not colour alone.
 */
import type { RenewalDetail } from '../api/types.js';
import { Pill, Time } from './common.js';
import { EvidenceTag, readable, StatusPill } from './status.js';

/** The matrix; `tenantIds` limits it to some tenants (a tenant admin's). */
export function ReadinessMatrix({ renewal, tenantIds }: { renewal: RenewalDetail; tenantIds?: string[] }) {
  const tenants = (renewal.tenants ?? []).filter((t) => !tenantIds || tenantIds.includes(t.id));
  if (tenants.length === 0) return <p className="muted">No tenants in this renewal.</p>;
  return (
    <div className="table-wrap">
      <table className="matrix">
        <caption>Readiness by tenant and sender</caption>
        <thead>
          <tr>
            <th scope="col">Tenant</th>
            <th scope="col">Forwarded</th>
            <th scope="col">Senders</th>
          </tr>
        </thead>
        <tbody>
          {tenants.map((t) => {
            const senders = (renewal.senders ?? []).filter((s) => s.tenantId === t.id);
            return (
              <tr key={t.id}>
                <th scope="row">
                  {t.name} <span className="muted">({t.operatingModel})</span>
                </th>
                <td>{t.forwarded ? <Time at={t.forwardedAt} /> : <Pill state="not-forwarded" />}</td>
                <td>
                  <ul className="sender-cells">
                    {senders.map((s) => (
                      <li key={s.id} data-sender={s.name}>
                        <span className="sender-name">{s.name}</span>{' '}
                        {s.status ? <StatusPill status={s.status} /> : <Pill state={s.state} />}
                        {s.failuresAfterT > 0 ? (
                          <span className="fail-count"> {s.failuresAfterT} failed handshake(s) after T</span>
                        ) : null}
                        {s.status ? (
                          <span className="muted"> — {readable(s.status.headline)}</span>
                        ) : s.reason ? (
                          <span className="muted"> — {s.reason}</span>
                        ) : null}
                        {s.status ? <EvidenceTag status={s.status} /> : null}
                      </li>
                    ))}
                    {senders.length === 0 ? <li className="muted">no senders</li> : null}
                  </ul>
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
