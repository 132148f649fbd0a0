/**
 * What a sender admin must do and by when: compare the fingerprint, add the root (kit downloads),
 * prove it with the exact `rollover sender verify` command, confirm or upload the evidence — and
 * after T, once allowed, remove the old root. Used by the signed-in page and the personal link.
 */
import { type ChangeEvent, useState } from 'react';
import type { SenderStatus } from '../api/types.js';
import { Fingerprint, Pill, Time } from './common.js';
import { readable, SenderStatusLine } from './status.js';

/** What the to-do needs to know. */
export interface SenderTodoProps {
  senderName: string;
  state: string;
  exchangeAt: string;
  safeRemovalAt: string | null;
  renewalState: string;
  fingerprint: string | null;
  oldFingerprint?: string | null;
  verifyCommand: string | null;
  removalAllowed: boolean;
  /** Why removal is not allowed yet, when the coordinator says. */
  removalReason?: string | undefined;
  /** Kit files with where to fetch them (a URL or a download action). */
  kit: { file: string; href?: string; onDownload?: () => void }[];
  now: number;
  onAck: () => Promise<void>;
  onEvidence?: (json: unknown) => Promise<void>;
  /** What the coordinator says is true for this sender now; when given, it alone decides what is said. */
  status?: SenderStatus | undefined;
  /** The real exchange instant, once it happened. */
  exchangedAt?: string | null | undefined;
  /** The renewal is held at the gate: why. */
  held?: string | null | undefined;
}

const READY = new Set(['acknowledged', 'verified', 'old-root-removed']);
const ACKNOWLEDGED = new Set(['acknowledged', 'proven-ready', 'safe-to-remove', 'old-root-removed']);

/** The to-do card. */
export function SenderTodo(p: SenderTodoProps) {
  const [error, setError] = useState<string>();
  const [busy, setBusy] = useState(false);
  const [copied, setCopied] = useState(false);
  const run = async (f: () => Promise<void>) => {
    setBusy(true);
    setError(undefined);
    try {
      await f();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const upload = (e: ChangeEvent<HTMLInputElement>) => {
    const f = e.target.files?.[0];
    if (!f || !p.onEvidence) return;
    void run(async () => {
      let json: unknown;
      try {
        json = JSON.parse(await f.text());
      } catch {
        throw new Error(`${f.name} is not JSON: upload what rollover sender verify --json printed`);
      }
      await p.onEvidence?.(json);
    });
  };
  // The exchange happened when the coordinator says so (an override or "exchange now" moves it), never by the clock.
  const exchanged = p.status ? Boolean(p.exchangedAt) : Date.parse(p.exchangeAt) <= p.now;
  const removalAllowed = p.status
    ? p.status.removal.allowed && p.status.state !== 'old-root-removed'
    : p.removalAllowed;
  const removalReason = p.status ? p.status.removal.reason : p.removalReason;
  const acknowledged = p.status ? ACKNOWLEDGED.has(p.status.state) : READY.has(p.state);
  const offerAck = !(exchanged && p.status);
  const ackNote = acknowledged && p.status && !p.status.proven;
  const failing = p.status?.state === 'failing' || p.status?.state === 'proof-failed';
  return (
    <article className="card sender-todo" data-sender={p.senderName} data-status={p.status?.state}>
      <h2>
        {p.senderName} {p.status ? null : <Pill state={p.state} />}
      </h2>
      {p.status ? <SenderStatusLine status={p.status} now={p.now} /> : null}
      {p.held ? (
        <p className="note held" role="alert">
          Held at the gate: {readable(p.held)}. The exchange waits until the LB admin releases it.
        </p>
      ) : null}
      {removalAllowed ? (
        <p className="verdict ok big" role="status">
          You may now remove the old root from this sender's truststore.
        </p>
      ) : null}
      {failing && exchanged ? (
        <p className="verdict bad big" role="alert">
          This sender's calls fail on the new certificate: add the new root to its truststore now, and keep
          the old root.
        </p>
      ) : null}
      <ol className="todo">
        <li>
          {exchanged ? (
            <>
              <strong>The exchange happened</strong>
              {p.exchangedAt ? (
                <>
                  {' '}
                  at <Time at={p.exchangedAt} />
                </>
              ) : null}
              : the load balancer now serves the certificate under the new root. This sender must trust the
              new root; keep the old root until you are told it may go.
            </>
          ) : (
            <>
              <strong>By </strong>
              <Time at={p.exchangeAt} now={p.now} />: add the new root to the truststore this sender uses to
              reach the load balancer. Keep the old root until you are told it may go.
            </>
          )}
          <Fingerprint label="New root SHA-256" hex={p.fingerprint} />
          <p className="muted">
            Compare this fingerprint with the one in the announcement mail before you trust the file.
          </p>
          {p.kit.length > 0 ? (
            <ul className="kit" aria-label="Sender kit downloads">
              {p.kit.map((k) => (
                <li key={k.file}>
                  {k.href ? (
                    <a href={k.href} download={k.file}>
                      Download {k.file}
                    </a>
                  ) : (
                    <button type="button" className="link-button" onClick={k.onDownload}>
                      Download {k.file}
                    </button>
                  )}
                </li>
              ))}
            </ul>
          ) : null}
        </li>
        <li>
          {!exchanged
            ? "Prove it: run on the sender's host (against the preview listener, which serves the new certificate before T)"
            : p.status?.oldCredentialServedUntil
              ? "Prove it: run on the sender's host (against the preview listener: the virtual server still serves this sender's addresses the old certificate)"
              : "Prove it: run on the sender's host (against the virtual server itself now)"}
          {p.verifyCommand ? (
            <div className="command">
              <code>{p.verifyCommand}</code>
              <button
                type="button"
                className="small"
                onClick={() => {
                  void navigator.clipboard?.writeText(p.verifyCommand ?? '').then(() => setCopied(true));
                }}
              >
                {copied ? 'Copied' : 'Copy'}
              </button>
            </div>
          ) : (
            <p className="muted">The verify command is not available yet.</p>
          )}
          <p className="muted">
            It uploads its report, and this page shows the result within seconds. Only a proof counts for the
            readiness gate.
          </p>
        </li>
        {/* An acknowledgement is taken only before the exchange; after it, only a proof says anything.
            With neither an acknowledgement nor an upload to offer, no step is shown for them. */}
        {offerAck || p.onEvidence || ackNote ? (
          <li>
            {offerAck || p.onEvidence ? (
              <>
                {offerAck ? 'Confirm:' : 'Or upload the proof:'}
                <div className="button-row">
                  {offerAck ? (
                    <button type="button" disabled={busy || acknowledged} onClick={() => run(p.onAck)}>
                      {acknowledged ? 'Confirmed' : 'I have added the new root'}
                    </button>
                  ) : null}
                  {p.onEvidence ? (
                    <label className="file-button">
                      Upload evidence (the output of sender verify --json)
                      <input type="file" accept=".json,application/json" onChange={upload} disabled={busy} />
                    </label>
                  ) : null}
                </div>
              </>
            ) : null}
            {ackNote ? (
              <p className="note" role="status">
                Acknowledged, not proven: the readiness gate counts only a proof. Run the command above.
              </p>
            ) : null}
          </li>
        ) : null}
        <li>
          {exchanged ? 'Then' : 'After T'}: remove the old root{' '}
          {p.safeRemovalAt ? (
            <>
              from <Time at={p.safeRemovalAt} />{' '}
            </>
          ) : null}
          once the exchange is verified and this sender is proven ready.
          {p.oldFingerprint ? <Fingerprint label="Old root SHA-256" hex={p.oldFingerprint} /> : null}
          {!removalAllowed ? (
            <p className="muted">
              Not yet: keep the old root for now{removalReason ? ` (${readable(removalReason)})` : ''}.
            </p>
          ) : null}
        </li>
      </ol>
      {error ? (
        <p className="note error" role="alert">
          {error}
        </p>
      ) : null}
    </article>
  );
}
