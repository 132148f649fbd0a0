/**
 * A signed-in sender admin's page: for every renewal reaching its senders, what to do and by when,
 * the sender kit, confirmation and the state. Evidence upload goes through the personal link (or
 * `rollover sender verify --report`).
 */
import { download, get, post } from '../api/client.js';
import type { Me, RenewalDetail, RenewalSummary, Sender } from '../api/types.js';
import { ErrorNote } from '../components/common.js';
import { SenderTodo } from '../components/SenderTodo.js';
import { useLive, useNow } from '../lib/live.js';

/** The files of a sender kit (src/pki/kit.ts), served by GET /renewals/{id}/kit/{file}. */
const KIT_FILES = [
  'root.pem',
  'root.cer',
  'root.p7b',
  'truststore.p12',
  'truststore.jks',
  'FINGERPRINTS.txt',
  'INSTRUCTIONS.md',
];

const STORE_TYPE: Record<string, string> = {
  pem: 'ca-bundle.pem',
  pkcs12: 'truststore.p12',
  jks: 'truststore.jks',
  os: 'system',
};

/**
 * The command that proves the new root from the sender's host and uploads the report: against the
 * preview listener before the exchange, the virtual server after it — except for a sender in grace,
 * whose addresses the virtual server still serves the old credential: the preview listener, as the
 * coordinator says (`proveInGrace`); always with the host name as SNI.
 */
export function verifyCommandFor(
  kind: string,
  r: Pick<RenewalDetail, 'id' | 'prove' | 'proveInGrace' | 'virtualServers'>,
  senderId: string,
  origin: string,
  inGrace = false,
): string {
  const store = STORE_TYPE[kind] ?? 'TRUSTSTORE';
  const pw = kind === 'pkcs12' || kind === 'jks' ? ' --password-file STORE_PASSWORD_FILE' : '';
  const host = r.virtualServers?.[0]?.hosts[0] ?? 'LB_HOST';
  const prove = (inGrace ? r.proveInGrace : undefined) ?? r.prove;
  const url = prove?.url ?? `https://${host}`;
  return [
    `ROLLOVER_TOKEN="$(cat YOUR-SENDER-TOKEN-FILE)" rollover sender verify --type ${kind || 'pem'} --truststore ${store}${pw}`,
    `--url ${url} --servername ${prove?.servername ?? host}`,
    `--report ${origin}/api/v1/renewals/${r.id}/evidence --sender ${senderId}`,
  ].join(' ');
}

/** Lower is more urgent: failing first, then what needs this sender's action, then waiting, then done. */
const URGENCY: Record<string, number> = { bad: 0, action: 1, waiting: 2, neutral: 3, good: 4, done: 5 };
const FINISHED = new Set(['completed', 'cancelled', 'rolled-back']);

async function load() {
  const [senders, list] = await Promise.all([get<Sender[]>('/senders'), get<RenewalSummary[]>('/renewals')]);
  const details = await Promise.all(
    list.map((r) => get<RenewalDetail>(`/renewals/${encodeURIComponent(r.id)}`)),
  );
  return { senders, details };
}

/** The page. */
export function SenderPage({ me }: { me: Me }) {
  const now = useNow(1000);
  const data = useLive(load, '', 5000);
  const d = data.data;
  return (
    <>
      <h1>My senders</h1>
      <p className="muted">Signed in as {me.name}.</p>
      <ErrorNote error={data.error} what="Your renewals" />
      {(() => {
        // One card per sender and renewal, never for a renewal its tenant admin has not forwarded to it.
        const cards = (d?.details ?? []).flatMap((r) =>
          (r.senders ?? [])
            .filter((s) => d?.senders.some((x) => x.id === s.id))
            .filter((s) => s.status?.state !== 'not-told')
            .map((s) => ({ r, s, sender: d?.senders.find((x) => x.id === s.id) })),
        );
        const current = cards
          .filter((c) => !FINISHED.has(c.r.state))
          .sort(
            (a, b) =>
              (URGENCY[a.s.status?.tone ?? 'neutral'] ?? 3) - (URGENCY[b.s.status?.tone ?? 'neutral'] ?? 3),
          );
        const older = cards.filter((c) => FINISHED.has(c.r.state));
        const card = ({ r, s, sender }: (typeof cards)[number]) => (
          <SenderTodo
            key={`${r.id}/${s.id}`}
            senderName={s.name}
            state={s.state}
            status={s.status}
            exchangedAt={r.exchangedAt ?? r.status?.exchangedAt ?? null}
            held={r.status?.held?.reason}
            exchangeAt={r.exchangeAt}
            safeRemovalAt={r.status?.safeRemovalAt ?? r.safeRemovalAt}
            renewalState={r.state}
            fingerprint={r.newRootSha256}
            oldFingerprint={r.oldRootSha256}
            verifyCommand={verifyCommandFor(
              sender?.truststoreKind ?? '',
              r,
              s.id,
              location.origin,
              Boolean(s.status?.oldCredentialServedUntil),
            )}
            removalAllowed={s.status?.removal.allowed ?? false}
            removalReason={s.status?.removal.reason}
            kit={KIT_FILES.map((file) => ({
              file,
              onDownload: () => void download(`/renewals/${encodeURIComponent(r.id)}/kit/${file}`, file),
            }))}
            now={now}
            onAck={async () => {
              await post(`/renewals/${encodeURIComponent(r.id)}/ack`, { senderId: s.id });
              data.reload();
            }}
          />
        );
        return (
          <>
            {d && current.length === 0 ? (
              <p className="muted">No renewal in progress needs your senders.</p>
            ) : null}
            {current.map(card)}
            {older.length > 0 ? (
              <details className="card older">
                <summary>Finished renewals ({older.length})</summary>
                {older.map(card)}
              </details>
            ) : null}
          </>
        );
      })()}
    </>
  );
}
