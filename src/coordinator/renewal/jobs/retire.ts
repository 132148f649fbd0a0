/** Retirement after the rollback window: each sender told is told what is true for it (may it remove the old root?). */
import { currentLinkId } from '../links.js';
import { addStep, loadFacts, systemActor, transition } from '../model.js';
import { enqueue, type OutboxItem } from '../outbox.js';
import type { RenewalEnv } from '../ports.js';
import { type JobResult, retry } from './common.js';
import type { PayloadOf } from './payloads.js';

/** The retire job at the safe-removal instant (waits while verification is still running). */
export async function retireJob(env: RenewalEnv, p: PayloadOf<'retire'>): Promise<JobResult> {
  const f = await loadFacts(env.store, p.renewalId, false);
  if (f.renewal.state === 'exchanged') return retry(env);
  if (f.renewal.state !== 'verified') return {};
  await env.store.transaction(async (tx) => {
    const r = (await tx.renewals.get(f.renewal.id))!;
    if (r.state !== 'verified') return;
    await transition(tx, env, r, 'retire');
    // Only senders that were told hear of it; the mail is rendered from each one's status (only a
    // sender proven ready is told it may remove the old root).
    const told = new Set(
      (await tx.readiness.states(r.id)).filter((x) => x.state !== 'pending').map((x) => x.senderId),
    );
    const senders = (await tx.readiness.contacts(r.id)).filter((s) => told.has(s.senderId));
    const items: OutboxItem[] = [];
    for (const s of senders) {
      const linkId = await currentLinkId(tx, r.id, s.senderId);
      if (!linkId) continue;
      for (const to of s.contacts) {
        items.push({
          key: `retire:${r.id}:${s.senderId}:${to}`,
          channel: 'mail',
          recipient: to,
          subject: `After the rollback window: what is true for your sender (${r.id})`,
          body: { t: 'safe-removal', renewalId: r.id, senderId: s.senderId, linkId },
          renewalId: r.id,
        });
      }
    }
    await enqueue(tx, env, items);
    await addStep(tx, env, r.id, 'retire', systemActor(env), {
      safeRemovalAt: r.safeRemovalAt,
      senders: senders.length,
    });
  });
  env.renewal.changed(f.renewal.id, 'retiring');
  return {};
}
