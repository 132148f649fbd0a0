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

/** The verify command for a sender's truststore kind (the personal link has the server's own). */
export function verifyCommandFor(kind: string, host: string | undefined): string {
  const store = STORE_TYPE[kind] ?? 'TRUSTSTORE';
  const pw = kind === 'pkcs12' || kind === 'jks' ? ' --password-file STORE_PASSWORD_FILE' : '';
  return `rollover sender verify --truststore ${store}${pw} --url https://${host ?? 'LB_HOST'}/`;
}

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
      {d && d.details.length === 0 ? (
        <p className="muted">No renewal reaches your senders right now.</p>
      ) : null}
      {(d?.details ?? []).flatMap((r) =>
        (r.senders ?? [])
          .filter((s) => d?.senders.some((x) => x.id === s.id))
          .map((s) => {
            const sender = d?.senders.find((x) => x.id === s.id);
            return (
              <SenderTodo
                key={`${r.id}/${s.id}`}
                senderName={s.name}
                state={s.state}
                exchangeAt={r.exchangeAt}
                safeRemovalAt={r.safeRemovalAt}
                renewalState={r.state}
                fingerprint={r.newRootSha256}
                oldFingerprint={r.oldRootSha256}
                verifyCommand={verifyCommandFor(
                  sender?.truststoreKind ?? '',
                  r.virtualServers?.[0]?.hosts[0],
                )}
                removalAllowed={
                  ['verified', 'retiring', 'completed'].includes(r.state) &&
                  r.safeRemovalAt !== null &&
                  Date.parse(r.safeRemovalAt) <= now
                }
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
          }),
      )}
    </>
  );
}
