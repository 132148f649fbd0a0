/**
 * Start a renewal: which virtual servers, which credential (an imported one, a PEM upload, or one
 * issued from a CA the coordinator holds), T with a picker showing local time and UTC, the rollback
 * window and the gate policy.
 */
import { type FormEvent, useEffect, useState } from 'react';
import { get, post } from '../api/client.js';
import type { CaInfo, CredentialInfo, RenewalSummary, VirtualServer } from '../api/types.js';
import { ErrorNote } from '../components/common.js';
import { useLive } from '../lib/live.js';
import { navigate } from '../lib/router.js';
import { formatInstant, fromLocalInput, localZone, toLocalInput } from '../lib/time.js';

type Source = 'existing' | 'upload' | 'issue';

async function loadChoices() {
  const [vss, creds, cas] = await Promise.all([
    get<VirtualServer[]>('/virtual-servers'),
    get<CredentialInfo[]>('/credentials'),
    get<CaInfo[]>('/cas'),
  ]);
  return { vss, creds, cas: cas.filter((c) => c.hasKey) };
}

/** What a credential is to the virtual servers now: served, staged, replaced, or not yet used. */
function credentialUse(cr: CredentialInfo, vss: VirtualServer[], all: CredentialInfo[]): string {
  const on = (ids: (string | null)[]) => vss.filter((_v, i) => ids[i] === cr.id).map((v) => v.name);
  const active = on(vss.map((v) => v.activeCredentialId));
  if (active.length) return `active on ${active.join(', ')}`;
  const staged = on(vss.map((v) => v.stagedCredentialId));
  if (staged.length) return `staged on ${staged.join(', ')}`;
  // Older than a credential a virtual server serves now, for the same hosts: it was replaced.
  const replaced = vss.some((v) => {
    const cur = all.find((x) => x.id === v.activeCredentialId);
    return cur && cr.createdAt < cur.createdAt && cr.hosts.some((h) => cur.hosts.includes(h));
  });
  return replaced ? 'old: replaced' : 'new: not served yet';
}

function readFile(input: HTMLInputElement | null): Promise<string> {
  const f = input?.files?.[0];
  return f ? f.text() : Promise.resolve('');
}

/** The page. */
export function NewRenewalPage() {
  // "Renew" on the load balancer page links here with ?vs=ID (or the virtual server's name).
  const preset = new URLSearchParams(location.search).get('vs');
  const choices = useLive(loadChoices, '', 0);
  const [vsIds, setVsIds] = useState<string[]>(preset ? [preset] : []);
  const [source, setSource] = useState<Source>('existing');
  const [credentialId, setCredentialId] = useState('');
  const [caId, setCaId] = useState('');
  const [tLocal, setTLocal] = useState(() => toLocalInput(Date.now() + 7 * 86_400_000));
  // The API's default (DEFAULT_ROLLBACK_WINDOW in src/renewal/timing.ts; a test keeps them equal).
  const [rollbackWindow, setRollbackWindow] = useState('24h');
  const [gate, setGate] = useState<'block' | 'warn'>('block');
  const [grace, setGrace] = useState<'unready' | 'off'>('unready');
  const [graceLocal, setGraceLocal] = useState('');
  const [early, setEarly] = useState<'off' | 'proven'>('off');
  const [autoGrace, setAutoGrace] = useState<'on' | 'off'>('on');
  const [acceptObserved, setAcceptObserved] = useState(false);
  const [bridge, setBridge] = useState<'off' | 'forward' | 'both'>('off');
  const [bridgeLocal, setBridgeLocal] = useState('');
  const [error, setError] = useState<Error>();
  const [busy, setBusy] = useState(false);
  const t = fromLocalInput(tLocal);
  const c = choices.data;
  // A preset given by name becomes its id once the virtual servers are known.
  useEffect(() => {
    if (!c || !preset) return;
    const vs = c.vss.find((v) => v.id === preset || v.name === preset);
    if (vs && !vsIds.includes(vs.id)) setVsIds((ids) => [...ids.filter((x) => x !== preset), vs.id]);
  }, [c, preset, vsIds]);

  const submit = async (e: FormEvent<HTMLFormElement>) => {
    e.preventDefault();
    setError(undefined);
    if (!t) return setError(new Error('Pick the exchange time T.'));
    if (vsIds.length === 0) return setError(new Error('Pick at least one virtual server.'));
    setBusy(true);
    try {
      const body: Record<string, unknown> = {
        virtualServerIds: vsIds,
        exchangeAt: t.toISOString(),
        rollbackWindow,
        gate,
        grace,
        early,
        acceptObserved,
      };
      if (grace === 'unready') {
        body.autoGrace = autoGrace;
        const until = graceLocal ? fromLocalInput(graceLocal) : undefined;
        if (until) body.graceUntil = until.toISOString();
      }
      if (bridge !== 'off') {
        const form = e.currentTarget;
        const pick = (n: string) => form.querySelector<HTMLInputElement>(`input[name="${n}"]`);
        const until = bridgeLocal ? fromLocalInput(bridgeLocal) : undefined;
        if (!until) throw new Error('Pick the bridge deadline (after T).');
        body.bridge = bridge;
        body.bridgeUntil = until.toISOString();
        body.bridgeForwardPem = await readFile(pick('bridgeForward'));
        if (bridge === 'both') body.bridgeReversePem = await readFile(pick('bridgeReverse'));
      }
      if (source === 'existing') body.credentialId = credentialId;
      else if (source === 'issue') body.issueFromCaId = caId;
      else {
        const form = e.currentTarget;
        const pick = (n: string) => form.querySelector<HTMLInputElement>(`input[name="${n}"]`);
        const [chainPem, keyPem, rootPem] = await Promise.all([
          readFile(pick('chain')),
          readFile(pick('key')),
          readFile(pick('root')),
        ]);
        const name = (form.querySelector<HTMLInputElement>('input[name="credName"]')?.value ?? '').trim();
        // Sent with the plan: a refused plan imports nothing, so the same files can be tried again.
        body.credential = { name, chainPem, keyPem, rootPem };
      }
      const r = await post<RenewalSummary>('/renewals', body);
      navigate(`/renewals/${encodeURIComponent(r.id)}`);
    } catch (err) {
      setError(err instanceof Error ? err : new Error(String(err)));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1>Start a renewal</h1>
      <ErrorNote error={choices.error} what="Loading choices" />
      <form className="card" onSubmit={submit}>
        <fieldset>
          <legend>Virtual servers</legend>
          {(c?.vss ?? []).map((vs) => (
            <label key={vs.id} className="check">
              <input
                type="checkbox"
                checked={vsIds.includes(vs.id)}
                onChange={(ev) =>
                  setVsIds(ev.target.checked ? [...vsIds, vs.id] : vsIds.filter((x) => x !== vs.id))
                }
              />
              {vs.name} <span className="muted">({vs.hosts.join(', ')})</span>
            </label>
          ))}
        </fieldset>
        <fieldset>
          <legend>New credential</legend>
          <div className="radios" role="radiogroup" aria-label="Where the credential comes from">
            {(
              [
                ['existing', 'Imported already'],
                ['upload', 'Upload PEM files'],
                ['issue', 'Issue from a CA'],
              ] as const
            ).map(([v, label]) => (
              <label key={v} className="check">
                <input type="radio" name="source" checked={source === v} onChange={() => setSource(v)} />
                {label}
              </label>
            ))}
          </div>
          {source === 'existing' ? (
            <label>
              Credential
              <select value={credentialId} onChange={(e) => setCredentialId(e.target.value)} required>
                <option value="">— choose —</option>
                {(c?.creds ?? []).map((cr) => {
                  const use = credentialUse(cr, c?.vss ?? [], c?.creds ?? []);
                  return (
                    <option key={cr.id} value={cr.id} disabled={use.startsWith('active')}>
                      {cr.name} — {use} ({cr.hosts.join(', ')}; valid until {formatInstant(cr.notAfter)})
                    </option>
                  );
                })}
              </select>
            </label>
          ) : null}
          {source === 'upload' ? (
            <>
              <label>
                Name
                <input name="credName" required />
              </label>
              <label>
                Certificate chain (tls.crt)
                <input type="file" name="chain" accept=".crt,.pem" required />
              </label>
              <label>
                Private key (tls.key, unencrypted PKCS#8; sealed at rest, never shown again)
                <input type="file" name="key" accept=".key,.pem" required />
              </label>
              <label>
                New root (ca.crt)
                <input type="file" name="root" accept=".crt,.pem" required />
              </label>
            </>
          ) : null}
          {source === 'issue' ? (
            <label>
              Issuing CA
              <select value={caId} onChange={(e) => setCaId(e.target.value)} required>
                <option value="">— choose —</option>
                {(c?.cas ?? []).map((ca) => (
                  <option key={ca.id} value={ca.id}>
                    {ca.name} ({ca.subject})
                  </option>
                ))}
              </select>
            </label>
          ) : null}
        </fieldset>
        <fieldset>
          <legend>When</legend>
          <label>
            Exchange time T (your time, {localZone()})
            <input
              type="datetime-local"
              step={1}
              value={tLocal}
              onChange={(e) => setTLocal(e.target.value)}
              required
              aria-describedby="t-utc"
            />
          </label>
          <p id="t-utc" className="t-preview" aria-live="polite">
            T = {t ? formatInstant(t.toISOString()) : '—'}
          </p>
          <label>
            Rollback window after T (default 24h; e.g. 1h, 30m, 2d)
            <input value={rollbackWindow} onChange={(e) => setRollbackWindow(e.target.value)} required />
          </label>
          <label>
            Readiness gate
            <select value={gate} onChange={(e) => setGate(e.target.value as 'block' | 'warn')}>
              <option value="block">block: hold the exchange until every sender is verified</option>
              <option value="warn">warn: go on at T and escalate</option>
            </select>
          </label>
          <label className="check">
            <input
              type="checkbox"
              checked={acceptObserved}
              onChange={(e) => setAcceptObserved(e.target.checked)}
            />{' '}
            Also count an observed handshake: a sender seen handshaking with the new certificate on the
            preview listener counts as ready (weaker than a proof: the client may not check certificates)
          </label>
        </fieldset>
        <fieldset>
          <legend>Grace for senders not proven</legend>
          <label>
            Grace
            <select value={grace} onChange={(e) => setGrace(e.target.value as 'unready' | 'off')}>
              <option value="unready">unready: senders not proven keep the old certificate after T</option>
              <option value="off">off: every sender gets the new certificate at T</option>
            </select>
          </label>
          <p className="muted">
            Choose <strong>off</strong> for a renewal after a key compromise: the old certificate must not be
            served after T to anyone.
          </p>
          {grace === 'unready' && (
            <>
              <label>
                Grace deadline (your time; empty: T + 7 days, never after the old certificate expires minus
                one hour)
                <input
                  type="datetime-local"
                  step={1}
                  value={graceLocal}
                  onChange={(e) => setGraceLocal(e.target.value)}
                />
              </label>
              <label>
                Automatic fallback
                <select value={autoGrace} onChange={(e) => setAutoGrace(e.target.value as 'on' | 'off')}>
                  <option value="on">
                    on: an address failing on the new certificate gets grace by itself
                  </option>
                  <option value="off">off</option>
                </select>
              </label>
            </>
          )}
          <label>
            Early switch
            <select value={early} onChange={(e) => setEarly(e.target.value as 'off' | 'proven')}>
              <option value="off">off: everyone switches at T</option>
              <option value="proven">proven: proven senders get the new certificate before T</option>
            </select>
          </label>
        </fieldset>
        <fieldset>
          <legend>Bridge between the roots</legend>
          <label>
            Bridge
            <select
              name="bridge"
              value={bridge}
              onChange={(e) => setBridge(e.target.value as 'off' | 'forward' | 'both')}
            >
              <option value="off">off: no bridge certificate is served</option>
              <option value="forward">
                forward: from T until the deadline, clients that trust only the old root keep working
              </option>
              <option value="both">
                both: also before T, clients that already replaced the old root keep working
              </option>
            </select>
          </label>
          {bridge !== 'off' && (
            <>
              <label>
                Bridge deadline (your time; after T, before the bridge and the old root expire)
                <input
                  name="bridgeUntil"
                  type="datetime-local"
                  step={1}
                  value={bridgeLocal}
                  onChange={(e) => setBridgeLocal(e.target.value)}
                />
              </label>
              <label>
                Forward bridge (<code>rollover ca cross-sign --ca OLD --subject-ca NEW</code>)
                <input name="bridgeForward" type="file" accept=".pem,.crt" />
              </label>
              {bridge === 'both' && (
                <label>
                  Reverse bridge (<code>rollover ca cross-sign --ca NEW --subject-ca OLD</code>)
                  <input name="bridgeReverse" type="file" accept=".pem,.crt" />
                </label>
              )}
            </>
          )}
        </fieldset>
        <ErrorNote error={error} what="Could not start the renewal" />
        <button type="submit" disabled={busy}>
          {busy ? 'Planning…' : 'Plan the renewal'}
        </button>
      </form>
    </>
  );
}
