/** What several jobs share: the retry delay, escalation to admins, and a renewal's node pairs. */
import { parseHostPort } from '../../../shared/host-port.js';
import type { Outbox } from '../../ports/outbox.js';
import type { PeopleRepo } from '../../ports/people.js';
import type { JobResult } from '../job-runner.js';
import type { RenewalFacts } from '../model.js';
import { enqueue, type OutboxItem } from '../outbox.js';
import type { RenewalEnv } from '../ports.js';
import { holders } from '../recipients.js';

export type { JobResult } from '../job-runner.js';

const RETRY_MS = 1000;

/** Renewal states in which the duties before T (staging, gate, reminders, exchange) still apply. */
export const BEFORE_T = ['announced', 'staged', 'postponed'];

/** How soon a job that waits for nodes runs again. */
export function retryDelay(env: RenewalEnv): number {
  return Math.min(RETRY_MS, Math.max(100, env.renewal.retryBaseMs));
}

/** Run again soon. */
export function retry(env: RenewalEnv): JobResult {
  return { retryInMs: retryDelay(env) };
}

/** Sums a per-reason failure table. */
export function sum(o: Partial<Record<string, number>>): number {
  return Object.values(o).reduce<number>((a, b) => a + (b ?? 0), 0);
}

/** Where to dial a listen address: a wildcard listen is reached on the loopback. */
export function dialable(listen: string): { host: string; port: number } {
  const { host, port } = parseHostPort(listen, '127.0.0.1');
  return { host: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port };
}

/** Each (node row, node, virtual server) of a renewal. */
export async function pairsOf(env: RenewalEnv, f: RenewalFacts) {
  const rows = await env.store.renewalNodes.list(f.renewal.id);
  const nodes = await env.store.inventory.nodeControls(rows.map((r) => r.nodeId));
  return rows.map((row) => ({
    row,
    node: nodes.find((n) => n.id === row.nodeId)!,
    vs: f.vss.find((v) => v.id === row.virtualServerId)!,
  }));
}

/** Mails and inbox messages to the tenant admins of `tenantIds` and the lb-admins, once per `key`. */
export async function escalate(
  tx: { outbox: Outbox; people: PeopleRepo },
  env: RenewalEnv,
  f: RenewalFacts,
  key: string,
  subject: string,
  text: string,
  tenantIds: string[],
): Promise<void> {
  const items: OutboxItem[] = [];
  const people = [
    ...(await holders(tx, 'tenant-admin', tenantIds)),
    ...(await holders(tx, 'lb-admin', [''])),
  ];
  for (const h of people) {
    const body = { t: 'escalation' as const, renewalId: f.renewal.id, subject, text };
    if (h.email)
      items.push({
        key: `${key}:${h.scopeId}:${h.email}`,
        channel: 'mail',
        recipient: h.email,
        subject,
        body,
        renewalId: f.renewal.id,
      });
    items.push({
      key: `${key}:${h.scopeId}:inbox:${h.userId}`,
      channel: 'inbox',
      recipient: h.userId,
      subject,
      body,
      renewalId: f.renewal.id,
    });
  }
  await enqueue(tx, env, items);
}
