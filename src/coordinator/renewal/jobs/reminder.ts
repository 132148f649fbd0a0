/**
 * Reminders before T: the senders whose derived status gives their admin the next move (told,
 * acknowledged, proof failed… — the same rule as the inbox's "remind", and not within 15 minutes of
 * a reminder someone sent by hand) are reminded, and their tenant admins and the lb-admins told.
 */
import { notifySenders } from '../forward.js';
import { addStep, loadFacts, systemActor } from '../model.js';
import type { RenewalEnv } from '../ports.js';
import { remindVerdicts } from '../sender-facts.js';
import { BEFORE_T, escalate, type JobResult } from './common.js';
import type { PayloadOf } from './payloads.js';

/** The reminder job (one per configured offset before T). */
export async function reminderJob(env: RenewalEnv, p: PayloadOf<'reminder'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.renewal.sequence !== p.sequence || !BEFORE_T.includes(f.renewal.state)) return {};
  const senders = await env.store.senderFacts.list(f.renewal.id);
  const ids = (await remindVerdicts(env.store, f.renewal, senders, new Date(env.clock.now())))
    .filter((x) => x.verdict.ok)
    .map((x) => x.sender.senderId);
  if (!ids.length) return {};
  await env.store.transaction(async (tx) => {
    await notifySenders(tx, env, f, ids, {
      keyPrefix: `rem:${f.renewal.id}:${p.sequence}:${p.index}`,
      reminder: true,
    });
    await escalate(
      tx,
      env,
      f,
      `rem-esc:${f.renewal.id}:${p.sequence}:${p.index}`,
      `Renewal ${f.renewal.id}: ${ids.length} sender(s) not ready`,
      `${ids.length} sender(s) have not proven readiness for T ${f.renewal.exchangeAt}.`,
      await tx.readiness.tenantsOf(ids),
    );
    await addStep(tx, env, f.renewal.id, 'reminder', systemActor(env), {
      index: p.index,
      senders: ids.length,
    });
  });
  return {};
}
