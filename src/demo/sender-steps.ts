/**
 * The sender admins' steps of `rollover demo`: step 4 (add the new root and prove it; the straggler
 * never does, the late sender only after T), the late sender's proof after T with the delay until its
 * own traffic is served the new certificate, and step 6 (remove the old root after the window).
 */
import { promises as fs } from 'node:fs';
import { join } from 'node:path';
import { fail } from '../shared/errors.js';
import { DEMO_HOST, DEMO_LATE_SENDER, DEMO_STRAGGLER } from './landscape.js';
import {
  type DemoSender,
  type Detail,
  evidenceUrl,
  graceOf,
  passwordFlags,
  type Run,
  until,
} from './run-kit.js';
import type { Landscape } from './seed.js';
import type { SenderClient } from './traffic.js';

/** A readiness proof after T, and when the sender's own traffic was first served the new certificate. */
export interface LateProof {
  /** When the coordinator recorded the proof (`sender verify --report`). */
  at: string;
  /** It was in grace (served the old certificate) until the proof. */
  inGrace: boolean;
  /** The first of its handshakes after the proof that was served the new certificate. */
  firstNewHandshakeAt: string | null;
  /** From the proof to that handshake (null: not in grace, so the proof moved nothing). */
  delayMs: number | null;
}

/** The straggler and the late sender (a landscape from before the late sender has none). */
export function castOf(land: Landscape): { straggler: DemoSender; late: DemoSender | undefined } {
  return {
    straggler: land.senders.find((s) => s.name === DEMO_STRAGGLER) ?? land.senders[land.senders.length - 1]!,
    late: land.senders.find((s) => s.name === DEMO_LATE_SENDER),
  };
}

/**
 * Step 4 — sender admins add the root and prove it against the preview listener; the straggler never
 * does, the late sender only after T.
 */
export async function proveSenders(
  run: Run,
  id: string,
  straggler: DemoSender,
  late?: DemoSender,
): Promise<void> {
  const { o, land, work } = run;
  o.say(
    'Step 4 (sender-admin): add the new root, prove it against the preview listener, report the evidence',
  );
  await fs.writeFile(join(work, 'new-root.pem'), await fs.readFile(join(work, 'new-root', 'ca.crt')));
  const senderHops: unknown[] = [];
  for (const s of land.senders) {
    if (s.id === straggler.id) {
      senderHops.push({ sender: s.name, at: run.now(), result: 'never added the new root (the straggler)' });
      continue;
    }
    if (s.id === late?.id) {
      senderHops.push({ sender: s.name, at: run.now(), result: 'adds the new root only after T' });
      continue;
    }
    senderHops.push(await addAndProve(run, id, s));
  }
  run.steps.push({
    step: 4,
    role: 'sender-admin',
    at: run.now(),
    what: 'new root added and proven',
    senders: senderHops,
  });
}

/** One sender admin adds the new root to the truststore and proves it against the preview listener. */
export async function addAndProve(run: Run, id: string, s: DemoSender): Promise<Record<string, unknown>> {
  const { land, work, cli } = run;
  const admin = `${s.tenant}-ops`;
  const pw = passwordFlags(s.kind);
  await cli(['truststore', 'add', s.truststore, join(work, 'new-root.pem'), '--type', s.kind, ...pw], admin);
  const out = await cli(
    [
      'sender',
      'verify',
      '--truststore',
      s.truststore,
      '--type',
      s.kind,
      ...pw,
      '--url',
      `https://${land.virtualServer.preview}`,
      '--servername',
      DEMO_HOST,
      '--report',
      evidenceUrl(run, id),
      '--sender',
      s.id,
      '--json',
    ],
    admin,
    await run.tokenOf(admin),
  );
  const v = JSON.parse(out) as { ok?: boolean; result?: string; servedSha256?: string };
  return {
    sender: s.name,
    by: admin,
    at: run.now(),
    result: v.result ?? (v.ok ? 'trusted' : 'failed'),
    servedSha256: v.servedSha256,
  };
}

/**
 * The renewal just after T, once the coordinator knows the exchange happened and, in grace, the
 * senders not proven at T (the straggler, the late sender) are in grace: what each sender was given at T.
 */
export function afterT(run: Run, id: string, unproven: DemoSender[]): Promise<Detail> {
  const grace = graceOf(run.o) === 'unready';
  return until(
    async () => {
      const d = await run.lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`);
      if (!d.exchangedAt) return undefined;
      const inGrace = (s: DemoSender) => d.senders.find((x) => x.id === s.id)?.status?.state === 'in-grace';
      return !grace || unproven.every(inGrace) ? d : undefined;
    },
    grace ? `${unproven.map((s) => s.name).join(' and ')} to be in grace after T` : 'the exchange at T',
    15_000,
  );
}

/**
 * The late sender's admin adds the new root and proves it after T; in grace, the sender's own traffic
 * is then served the new certificate: the delay from the proof the coordinator recorded to the first
 * such handshake is measured.
 */
export async function proveLate(
  run: Run,
  id: string,
  late: DemoSender,
  client: SenderClient,
  oldLeaf: string,
  atT: Detail,
): Promise<LateProof> {
  const inGrace = atT.senders.find((s) => s.id === late.id)?.status?.state === 'in-grace';
  run.o.say(
    `  [${late.tenant}-ops] ${late.name} adds the new root and proves it only now, after T${inGrace ? ' (it is in grace: served the old certificate)' : ''}`,
  );
  const startedAt = Date.now();
  await addAndProve(run, id, late);
  const d = await run.lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`);
  const provedAt =
    d.senders.find((s) => s.id === late.id)?.status?.evidence?.at ??
    fail('WRONG_STATE', `the coordinator recorded no proof for ${late.name}`);
  // Only a sender in grace is moved by its proof; otherwise it was served the new certificate from T.
  const firstNew = inGrace
    ? await until(
        async () => client.firstServedOtherThan(oldLeaf, startedAt),
        `${late.name} to be served the new certificate after its proof`,
        30_000,
      )
    : client.firstServedOtherThan(oldLeaf, startedAt);
  const delayMs = inGrace && firstNew !== undefined ? firstNew - Date.parse(provedAt) : null;
  run.o.say(
    delayMs === null
      ? `  ${late.name} proved its readiness at ${provedAt}; not in grace, it was served the new certificate from T`
      : `  ${late.name} proved its readiness at ${provedAt}; its first handshake served the new certificate followed ${delayMs} ms later`,
  );
  return {
    at: provedAt,
    inGrace,
    firstNewHandshakeAt: firstNew === undefined ? null : new Date(firstNew).toISOString(),
    delayMs,
  };
}

/** Step 6 — after the rollback window, ready senders remove the old root (checked against the status). */
export async function retireOldRoot(
  run: Run,
  id: string,
  oldRootSha256: string,
  straggler: DemoSender,
): Promise<Detail> {
  const { o, lbAdmin, cli } = run;
  o.say('Step 6 (sender-admin): after the rollback window, ready senders remove the old root');
  const retiring = await until(
    async () => {
      const d = await lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`);
      return d.state === 'retiring' || d.state === 'completed' ? d : undefined;
    },
    'the rollback window to close',
    60_000,
  );
  const removals: unknown[] = [];
  for (const s of run.land.senders) {
    if (s.id === straggler.id) continue;
    const admin = `${s.tenant}-ops`;
    await cli(
      [
        'truststore',
        'remove',
        s.truststore,
        '--type',
        s.kind,
        ...passwordFlags(s.kind),
        '--fingerprint',
        oldRootSha256,
        '--renewal-status',
        retiring.statusUrl,
        '--report',
        evidenceUrl(run, id),
        '--sender',
        s.id,
      ],
      admin,
      await run.tokenOf(admin),
    );
    removals.push({ sender: s.name, by: admin, at: run.now() });
  }
  // The straggler still fails and keeps the old root: completing says so and records why.
  const completed = await lbAdmin.request<Detail>('POST', `/api/v1/renewals/${id}/complete`, {
    force: true,
    reason: `${straggler.name} still lacks the new root; its tenant admin follows up`,
  });
  run.steps.push({
    step: 6,
    role: 'sender-admin',
    at: run.now(),
    what: 'old root removed after the window; renewal completed',
    senders: removals,
    state: completed.state,
  });
  return completed;
}
