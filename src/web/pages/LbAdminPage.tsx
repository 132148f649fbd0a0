/**
 * The LB admin's landing page: every virtual server with its active credential, the credential's
 * expiry and the latest safe T; the renewals in flight; a way to start one.
 */
import { ApiError, get } from '../api/client.js';
import type { CredentialInfo, ExpiryItem, RenewalSummary, VirtualServer } from '../api/types.js';
import { ErrorNote, Link, Pill, Time } from '../components/common.js';
import { useLive, useNow } from '../lib/live.js';

interface Overview {
  vss: VirtualServer[];
  creds: Map<string, CredentialInfo>;
  /** Undefined when the coordinator has no /expiry route yet. */
  expiry: Map<string, ExpiryItem> | undefined;
}

async function loadOverview(): Promise<Overview> {
  const [vss, creds] = await Promise.all([
    get<VirtualServer[]>('/virtual-servers'),
    get<CredentialInfo[]>('/credentials'),
  ]);
  let expiry: Map<string, ExpiryItem> | undefined;
  try {
    const rows = await get<ExpiryItem[]>('/expiry');
    expiry = new Map(rows.map((r) => [r.virtualServer.id, r]));
  } catch (e) {
    if (!(e instanceof ApiError && e.notAvailable)) throw e;
  }
  return { vss, creds: new Map(creds.map((c) => [c.id, c])), expiry };
}

/** The page. */
export function LbAdminPage() {
  const now = useNow(1000);
  const overview = useLive(loadOverview, '', 10_000);
  const renewals = useLive(() => get<RenewalSummary[]>('/renewals'), '', 3000);
  const o = overview.data;
  return (
    <>
      <div className="title-row">
        <h1>Load balancer</h1>
        <Link to="/lb/new" className="button">
          Start a renewal
        </Link>
      </div>
      <section className="card" aria-labelledby="vs-h">
        <h2 id="vs-h">Virtual servers</h2>
        <ErrorNote error={overview.error} what="Virtual servers" />
        {o && o.vss.length === 0 ? <p className="muted">No virtual servers yet.</p> : null}
        {o && o.vss.length > 0 ? (
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Virtual server</th>
                  <th scope="col">Hosts</th>
                  <th scope="col">Active credential</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Latest safe T</th>
                  <th scope="col">
                    <span className="sr-only">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {o.vss.map((vs) => {
                  const cred = vs.activeCredentialId ? o.creds.get(vs.activeCredentialId) : undefined;
                  const ex = o.expiry?.get(vs.id);
                  return (
                    <tr key={vs.id} data-vs={vs.name}>
                      <th scope="row">{vs.name}</th>
                      <td>{vs.hosts.join(', ')}</td>
                      <td>{cred ? cred.name : <span className="muted">none</span>}</td>
                      <td>
                        {cred ? <Time at={cred.notAfter} now={now} /> : '—'}
                        {ex && ex.root.notAfter < (cred?.notAfter ?? '') ? (
                          <div className="muted">
                            root ends first: <Time at={ex.root.notAfter} />
                          </div>
                        ) : null}
                      </td>
                      <td>
                        {o.expiry === undefined ? (
                          <span className="muted">not available yet</span>
                        ) : (
                          <>
                            <Time at={ex?.latestSafeExchange ?? null} now={now} />
                            {ex?.proposal.due ? (
                              <span className="pill pill-failing">start a renewal now</span>
                            ) : ex ? (
                              <div className="muted">
                                start by <Time at={ex.proposal.startBy} />
                              </div>
                            ) : null}
                          </>
                        )}
                      </td>
                      <td>
                        <Link to={`/lb/new?vs=${encodeURIComponent(vs.id)}`}>Renew</Link>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        ) : null}
      </section>
      <section className="card" aria-labelledby="ren-h">
        <h2 id="ren-h">Renewals</h2>
        <ErrorNote error={renewals.error} what="Renewals" />
        <RenewalList renewals={renewals.data} now={now} />
      </section>
    </>
  );
}

/** A list of renewals linking to their pages. */
export function RenewalList({ renewals, now }: { renewals: RenewalSummary[] | undefined; now: number }) {
  if (!renewals) return null;
  if (renewals.length === 0) return <p className="muted">No renewals.</p>;
  return (
    <ul className="renewals">
      {renewals.map((r) => (
        <li key={r.id}>
          <Link to={`/renewals/${encodeURIComponent(r.id)}`}>
            {(r.virtualServers ?? []).map((v) => v.name).join(', ') || r.id}
          </Link>{' '}
          <Pill state={r.state} /> T = <Time at={r.exchangeAt} now={now} />
          {r.readiness ? (
            <span className="muted">
              {' '}
              · {r.readiness.verified} verified, {r.readiness.acknowledged} acknowledged,{' '}
              {r.readiness.failing} failing, {r.readiness.pending + r.readiness.notified} waiting
            </span>
          ) : null}
        </li>
      ))}
    </ul>
  );
}
