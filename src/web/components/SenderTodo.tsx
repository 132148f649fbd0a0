/**
 * What a sender admin must do and by when: compare the fingerprint, add the root (kit downloads),
 * prove it with the exact `rollover sender verify` command, confirm or upload the evidence — and
 * after T, once allowed, remove the old root. Used by the signed-in page and the personal link.
 */
import { type ChangeEvent, useState } from 'react';
import { Fingerprint, Pill, Time } from './common.js';

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
}

const READY = new Set(['acknowledged', 'verified', 'old-root-removed']);

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
  const afterT = Date.parse(p.exchangeAt) <= p.now;
  return (
    <article className="card sender-todo" data-sender={p.senderName}>
      <h2>
        {p.senderName} <Pill state={p.state} />
      </h2>
      {p.removalAllowed ? (
        <p className="verdict ok big" role="status">
          You may now remove the old root from this sender's truststore.
        </p>
      ) : null}
      <ol className="todo">
        <li>
          <strong>By </strong>
          <Time at={p.exchangeAt} now={p.now} />
          {afterT ? ' (T has passed)' : ''}: add the new root to the truststore this sender uses to reach the
          load balancer. Keep the old root until you are told it may go.
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
          Prove it: run on the sender's host
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
        </li>
        <li>
          Confirm:
          <div className="button-row">
            <button type="button" disabled={busy || READY.has(p.state)} onClick={() => run(p.onAck)}>
              {READY.has(p.state) ? 'Confirmed' : 'I have added the new root'}
            </button>
            {p.onEvidence ? (
              <label className="file-button">
                Upload evidence (the output of sender verify --json)
                <input type="file" accept=".json,application/json" onChange={upload} disabled={busy} />
              </label>
            ) : null}
          </div>
        </li>
        <li>
          After T: remove the old root{' '}
          {p.safeRemovalAt ? (
            <>
              from <Time at={p.safeRemovalAt} />{' '}
            </>
          ) : null}
          once the exchange is verified.
          {p.oldFingerprint ? <Fingerprint label="Old root SHA-256" hex={p.oldFingerprint} /> : null}
          {!p.removalAllowed ? (
            <p className="muted">
              Not yet: keep the old root for now{p.removalReason ? ` (${p.removalReason})` : ''}.
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
