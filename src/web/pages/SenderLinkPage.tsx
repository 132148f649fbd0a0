/**
 * The personal sender link from the mail (/s/{token}): no account; the token in the URL is the only
 * credential and reaches only this sender's own page and kit.
 */
import { api } from '../api/client.js';
import type { SenderLink } from '../api/types.js';
import { ErrorNote } from '../components/common.js';
import { SenderTodo } from '../components/SenderTodo.js';
import { toEvidence } from '../lib/evidence.js';
import { useLive, useNow } from '../lib/live.js';

/** The page. */
export function SenderLinkPage({ token }: { token: string }) {
  const now = useNow(1000);
  const base = `/links/${encodeURIComponent(token)}`;
  const link = useLive(() => api<SenderLink>('GET', base, undefined, { anonymous: true }), token, 5000);
  const l = link.data;
  return (
    <>
      <h1>Your part in a certificate renewal</h1>
      <ErrorNote error={link.error} what="This link" />
      {l ? (
        <SenderTodo
          senderName={l.sender.name}
          state={l.state}
          exchangeAt={l.renewal.exchangeAt}
          safeRemovalAt={l.renewal.safeRemovalAt}
          renewalState={l.renewal.state}
          fingerprint={l.fingerprint}
          oldFingerprint={l.renewal.oldRootSha256}
          verifyCommand={l.verifyCommand}
          removalAllowed={l.removalAllowed}
          kit={l.kitFiles.map((f) => ({ file: f, href: `/api/v1${base}/kit/${encodeURIComponent(f)}` }))}
          removalReason={l.removalReason}
          status={l.status}
          exchangedAt={l.renewal.exchangedAt}
          held={l.renewal.held?.reason}
          now={now}
          onAck={async () => {
            await api('POST', `${base}/ack`, {}, { anonymous: true });
            link.reload();
          }}
          onEvidence={async (json) => {
            await api('POST', `${base}/evidence`, toEvidence(l.sender.id, json), { anonymous: true });
            link.reload();
          }}
        />
      ) : null}
    </>
  );
}
