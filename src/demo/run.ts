/**
 * `rollover demo`: the whole seed against the landscape `rollover up` created, under live traffic.
 * Every step is done by the role that owns it, through the API or the real CLI commands that role
 * would type; five senders call the virtual server the whole time from their own loopback addresses:
 * one never adds the new root (the straggler), one adds it and proves it only after T (the late
 * sender). The report says what each sender saw before and after T, and how soon after its proof the
 * late sender was served the new certificate. The sender admins' steps are in sender-steps.ts, what
 * every step shares in run-kit.ts.
 */
import { promises as fs } from 'node:fs';
import { dirname, join } from 'node:path';
import { backupStamp } from '../files/atomic.js';
import { controlClientFor } from '../lb/control-client.js';
import { DEMO_HOST, DEMO_LATE_SENDER, DEMO_STORE_PASSWORD } from './landscape.js';
import {
  resetSenderTruststores,
  type ServedRoot,
  servedRoot,
  settleOpenRenewal,
  settleRenewal,
} from './reset.js';
import {
  type DemoOptions,
  type DemoSender,
  type DemoStep,
  type Detail,
  graceOf,
  openRun,
  type Run,
  sleep,
  until,
} from './run-kit.js';
import type { Landscape } from './seed.js';
import { afterT, castOf, type LateProof, proveLate, proveSenders, retireOldRoot } from './sender-steps.js';
import { SenderClient, type SenderTraffic } from './traffic.js';

export type { DemoOptions, DemoStep, LateProof };

/** One sender in the report. */
export interface DemoSenderReport {
  id: string;
  name: string;
  truststore: string;
  ready: boolean;
  requestsBeforeT: number;
  requestsAfterT: number;
  failuresBeforeT: number;
  failuresAfterT: number;
  /** Failures after T the coordinator attributed to this sender from the LB's telemetry. */
  attributedFailuresAfterT: number;
  /** With --bridge: failures between T and the bridge deadline, and from the deadline on. */
  failuresDuringBridge?: number;
  failuresAfterBridge?: number;
  /** Requests after T that were served the old certificate (grace). */
  servedOldAfterT: number;
  /** The grace deadline this sender was given at T (null: it was not in grace). */
  graceUntil: string | null;
  /** The late sender: its proof after T and when its traffic was first served the new certificate. */
  provedAfterT?: LateProof;
  servedBeforeAndAfter: Record<string, number>;
}

/** The report `rollover demo --json` prints. */
export interface DemoReport {
  renewalId: string;
  exchangeAt: string;
  oldLeafSha256: string;
  newLeafSha256: string;
  newRootSha256: string;
  steps: DemoStep[];
  /** With --bridge: the bridge deadline (both directions were served). */
  bridge?: { mode: 'both'; until: string };
  /** The grace policy: senders not proven keep the old certificate after T until the deadline. */
  grace: { policy: 'off' | 'unready'; until: string | null };
  senders: DemoSenderReport[];
  swap: { latenessMs: number | null; nodes: unknown[] };
  gate: unknown;
  readiness: Record<string, number>;
  finalState: string;
}

/** Runs the demo; `say` narrates each step for people. */
export async function runDemo(o: DemoOptions): Promise<DemoReport> {
  const run = await openRun(o);
  const current = await startOver(run);
  const { id, exchangeAt, bridgeUntil, base } = await planRenewal(run, current);
  const clients = startTraffic(run, exchangeAt, current.leafSha256, bridgeUntil);
  const { straggler, late } = castOf(run.land);
  if (!late)
    o.say(
      `This landscape has no ${DEMO_LATE_SENDER} (it predates the sender that proves after T): start \`rollover up\` on a fresh data directory to see it.`,
    );
  try {
    await announce(run, id);
    await forward(run, id);
    await proveSenders(run, id, straggler, late);
    const gate = await overrideGate(run, id, straggler, late);
    if (o.speed === 'real') {
      o.say(
        `T is ${exchangeAt.toISOString()}: every node swaps by itself then; rerun with --speed fast to watch it now.`,
      );
      const stats = await Promise.all([...clients.values()].map((c) => c.stop()));
      return report(base, {
        stats,
        swap: { latenessMs: null, nodes: [] },
        gate,
        final: await run.lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`),
      });
    }
    const ex = await exchange(
      run,
      id,
      { exchangeAt, clients, straggler, late, oldLeaf: current.leafSha256 },
      bridgeUntil,
    );
    const completed = await retireOldRoot(run, id, current.sha256, straggler);
    return report(base, {
      stats: run.land.senders.map((s) => ex.stats.get(s.id)!),
      swap: { latenessMs: ex.latenessMs, nodes: ex.verified.nodes },
      gate,
      final: withAttributedFailures(completed, ex.attributed),
      atT: ex.atT,
      ...(late && ex.lateProof ? { late: { id: late.id, proof: ex.lateProof } } : {}),
    });
  } catch (e) {
    await abandon(run, id);
    throw e;
  } finally {
    for (const c of clients.values()) await c.stop();
  }
}

/**
 * Run after run on one data directory: end what an earlier run left open, and start every sender
 * from the root served today (the demo owns its senders' truststores). Returns that root.
 */
async function startOver(run: Run): Promise<ServedRoot> {
  const settled = await settleOpenRenewal(run.lbAdmin, run.land, 'a new demo run starts');
  if (settled) run.o.say(`Renewal ${settled.id} left by an earlier run: ${settled.from} → ${settled.to}`);
  const current = await servedRoot(run.lbAdmin, run.land, run.o.dataDir);
  await resetSenderTruststores(run.land, current, run.o.ctx.now());
  return current;
}

/** Step 1 — the LB admin: a new root, an issuing CA under it, the new credential; plan T. */
async function planRenewal(run: Run, current: ServedRoot) {
  const oldLeaf = current.leafSha256;
  const { o, work, lbAdmin, cli } = run;
  o.say('Step 1 (lb-admin): a new root, a new key pair and certificate under it, and the exchange time T');
  await cli(
    [
      'ca',
      'create',
      '--subject',
      // Bridged roots must differ in name (ROOTS_SHARE_SUBJECT), also from an earlier run's root.
      o.bridge
        ? `CN=Demo New Root ${backupStamp(o.ctx.now())},O=Demo Provider`
        : 'CN=Demo New Root 2026,O=Demo Provider',
      '--key-type',
      'ec-p384',
      '--days',
      '3650',
      '--out',
      join(work, 'new-root'),
    ],
    'lb-admin',
  );
  await cli(
    [
      'ca',
      'create',
      '--subject',
      'CN=Demo Issuing CA 2026,O=Demo Provider',
      '--days',
      '1825',
      '--issuer',
      join(work, 'new-root'),
      '--out',
      join(work, 'issuing-ca'),
    ],
    'lb-admin',
  );
  await cli(
    [
      'cert',
      'issue',
      '--ca',
      join(work, 'issuing-ca'),
      '--host',
      DEMO_HOST,
      '--ip',
      '127.0.0.1',
      '--days',
      '90',
      '--out',
      join(work, 'credential'),
    ],
    'lb-admin',
  );
  const read = (f: string) => fs.readFile(join(work, 'credential', f), 'utf8');
  const credential = await lbAdmin.request<{ id: string; fingerprint: string }>(
    'POST',
    '/api/v1/credentials',
    {
      name: `shop-${backupStamp(o.ctx.now()).toLowerCase()}`,
      chainPem: await read('tls.crt'),
      keyPem: await read('tls.key'),
      rootPem: await read('ca.crt'),
    },
  );
  const exchangeAt = new Date(o.ctx.now().getTime() + run.speed.leadMs);
  const bridgeUntil = o.bridge ? new Date(exchangeAt.getTime() + run.speed.bridgeMs) : undefined;
  const bridges = bridgeUntil ? await crossSign(run, dirname(current.pemFile), bridgeUntil) : {};
  const planned = await lbAdmin.request<Detail & { newRootSha256: string }>('POST', '/api/v1/renewals', {
    virtualServerIds: [run.land.virtualServer.id],
    credentialId: credential.id,
    exchangeAt: exchangeAt.toISOString(),
    rollbackWindow: run.speed.rollbackWindow,
    gate: 'block',
    ...bridges,
    // Grace keeps the straggler on the old certificate after T until the deadline; off: one T for all.
    ...(graceOf(o) === 'unready'
      ? { grace: 'unready', graceUntil: new Date(exchangeAt.getTime() + run.speed.graceMs).toISOString() }
      : { grace: 'off' }),
  });
  const id = planned.id;
  const base: ReportBase = {
    land: run.land,
    id,
    exchangeAt,
    oldLeaf,
    newLeaf: credential.fingerprint,
    newRoot: planned.newRootSha256,
    steps: run.steps,
    ...(bridgeUntil ? { bridgeUntil } : {}),
  };
  run.steps.push({
    step: 1,
    role: 'lb-admin',
    at: run.now(),
    what: 'new root, new credential, renewal planned',
    renewalId: id,
    exchangeAt: planned.exchangeAt,
    newLeafSha256: credential.fingerprint,
    newRootSha256: planned.newRootSha256,
    ...(bridgeUntil ? { bridge: 'both', bridgeUntil: bridgeUntil.toISOString() } : {}),
  });
  o.say(
    `  renewal ${id}: T = ${planned.exchangeAt}${bridgeUntil ? `, bridges until ${bridgeUntil.toISOString()}` : ''}`,
  );
  return { id, exchangeAt, bridgeUntil, base };
}

/**
 * With --bridge, the LB admin (who holds both roots' keys) cross-signs them both ways with the real
 * CLI; the plan carries both bridges and the deadline.
 */
async function crossSign(run: Run, oldCaDir: string, until: Date) {
  const { work, cli } = run;
  const newCaDir = join(work, 'new-root');
  await cli(
    [
      'ca',
      'cross-sign',
      '--ca',
      oldCaDir,
      '--subject-ca',
      newCaDir,
      '--out',
      join(work, 'bridge-forward.pem'),
    ],
    'lb-admin',
  );
  await cli(
    [
      'ca',
      'cross-sign',
      '--ca',
      newCaDir,
      '--subject-ca',
      oldCaDir,
      '--out',
      join(work, 'bridge-reverse.pem'),
    ],
    'lb-admin',
  );
  return {
    bridge: 'both',
    bridgeUntil: until.toISOString(),
    bridgeForwardPem: await fs.readFile(join(work, 'bridge-forward.pem'), 'utf8'),
    bridgeReversePem: await fs.readFile(join(work, 'bridge-reverse.pem'), 'utf8'),
  };
}

/** Live traffic from every sender, from now until after T. */
function startTraffic(
  run: Run,
  exchangeAt: Date,
  oldLeafSha256: string,
  bridgeUntil?: Date,
): Map<string, SenderClient> {
  const { land } = run;
  const [lbHost, lbPort] = [
    land.virtualServer.listen.slice(0, land.virtualServer.listen.lastIndexOf(':')),
    Number(land.virtualServer.listen.split(':').pop()),
  ];
  const clients = new Map<string, SenderClient>();
  for (const s of land.senders) {
    const c = new SenderClient({
      truststore: s.truststore,
      type: s.kind as never,
      ...(s.kind === 'pkcs12' || s.kind === 'jks' ? { password: DEMO_STORE_PASSWORD } : {}),
      localAddress: s.sourceAddress,
      host: lbHost,
      port: lbPort,
      servername: DEMO_HOST,
      exchangeAt: exchangeAt.getTime(),
      oldLeafSha256,
      ...(bridgeUntil ? { bridgeUntil: bridgeUntil.getTime() } : {}),
      path: `/${s.tenant}/from-${s.name}`,
    });
    c.start();
    clients.set(s.id, c);
  }
  return clients;
}

/** Step 2 — the LB admin announces: staged on every node, tenant admins told, signed notice published. */
async function announce(run: Run, id: string): Promise<void> {
  run.o.say('Step 2 (lb-admin): announce — the credential is staged on every node; tenant admins are told');
  await run.lbAdmin.request<Detail>('POST', `/api/v1/renewals/${id}/announce`, {});
  // Senders prove against the preview listener only once every node has staged the credential.
  const announced = await until(
    async () => {
      const d = await run.lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`);
      return d.nodes.every((n) => n.stagedAckAt) && d.state !== 'announced' ? d : undefined;
    },
    'every node to acknowledge staging',
    30_000,
  );
  run.steps.push({
    step: 2,
    role: 'lb-admin',
    at: run.now(),
    what: 'announced and staged',
    state: announced.state,
    nodes: announced.nodes,
  });
}

/** Step 3 — each tenant admin forwards to its senders. */
async function forward(run: Run, id: string): Promise<void> {
  run.o.say('Step 3 (tenant-admin): each tenant admin forwards the new root to its senders');
  const hops: unknown[] = [];
  for (const t of run.land.tenants) {
    const admin = `${t.name}-admin`;
    await (await run.as(admin)).request('POST', `/api/v1/renewals/${id}/forward`, {
      tenantId: t.id,
      message: `From ${admin}: please add the new root before T.`,
    });
    hops.push({ tenant: t.name, operatingModel: t.operatingModel, by: admin, at: run.now() });
  }
  run.steps.push({
    step: 3,
    role: 'tenant-admin',
    at: run.now(),
    what: 'forwarded to every sender',
    tenants: hops,
  });
}

/** The gate: under `block`, a sender that is not verified holds T unless the LB admin overrides. */
async function overrideGate(
  run: Run,
  id: string,
  straggler: DemoSender,
  late?: DemoSender,
): Promise<unknown> {
  const gate: unknown = (await run.lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`)).gate;
  const who = late ? `${straggler.name} and ${late.name}` : straggler.name;
  run.o.say(`Gate: ${(gate as { decision: string }).decision} — the LB admin overrides for ${who}`);
  return (
    await run.lbAdmin.request<Detail>('POST', `/api/v1/renewals/${id}/gate/override`, {
      reason: late
        ? `${straggler.name} is a known straggler and ${late.name} proves after T; grace (if on) keeps both on the old certificate, failures will be attributed`
        : `${straggler.name} is a known straggler; its failures will be attributed to it`,
    })
  ).gate;
}

/** What step 5 works with: T, the live traffic, the straggler, the late sender, the old leaf. */
interface ExchangeCast {
  exchangeAt: Date;
  clients: Map<string, SenderClient>;
  straggler: DemoSender;
  late: DemoSender | undefined;
  oldLeaf: string;
}

/**
 * Step 5 — at T every node swaps by its own clock; just after T the late sender proves its readiness
 * (and, in grace, moves to the new certificate); the coordinator verifies each node.
 */
async function exchange(run: Run, id: string, x: ExchangeCast, bridgeUntil?: Date) {
  const { o, lbAdmin } = run;
  const { exchangeAt, clients, straggler, late } = x;
  o.say(`Step 5 (lb-admin): the exchange at T = ${exchangeAt.toISOString()} by every node's own clock`);
  await sleep(Math.max(0, exchangeAt.getTime() - o.ctx.now().getTime()));
  const atT = await afterT(run, id, [straggler, ...(late ? [late] : [])]);
  const lateProof = late ? await proveLate(run, id, late, clients.get(late.id)!, x.oldLeaf, atT) : undefined;
  await sleep(Math.max(0, exchangeAt.getTime() - o.ctx.now().getTime() + run.speed.afterTMs));
  if (bridgeUntil) {
    // Traffic runs on past the bridge deadline, where a sender without the new root starts failing.
    o.say(`  the bridge is served until ${bridgeUntil.toISOString()}; traffic continues past it`);
    await sleep(Math.max(0, bridgeUntil.getTime() - o.ctx.now().getTime() + run.speed.afterTMs));
  }
  const verified = await until(
    async () => {
      const d = await lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`);
      return ['verified', 'retiring', 'completed'].includes(d.state) ? d : undefined;
    },
    'the exchange to be verified on every node',
    30_000,
  );
  const lbStatus = await (await controlClientFor(join(o.dataDir, 'demo', 'lb-state'))).status();
  const latenessMs = lbStatus.virtualServers[0]?.lastSwap?.latenessMs ?? null;
  const stats = new Map<string, SenderTraffic>();
  for (const [sid, c] of clients) stats.set(sid, await c.stop());
  // In grace the straggler fails nothing: there is nothing to wait for.
  const attributed =
    graceOf(o) === 'unready'
      ? verified
      : await until(
          async () => {
            const d = await lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`);
            return (d.senders.find((s) => s.id === straggler.id)?.failuresAfterT ?? 0) > 0 ? d : undefined;
          },
          "the straggler's failures to be attributed",
          20_000,
        ).catch(() => verified);
  if (graceOf(o) === 'unready')
    o.say(
      `  ${straggler.name} is not proven: in grace, it is served the old certificate until ${verified.status?.grace?.graceUntil ?? 'the grace deadline'}`,
    );
  run.steps.push({
    step: 5,
    role: 'lb-admin',
    at: run.now(),
    what: 'exchanged at T and verified on every node',
    state: verified.state,
    latenessMs,
    nodes: verified.nodes,
    ...(late && lateProof
      ? { lateProof: { sender: late.name, by: `${late.tenant}-ops`, ...lateProof } }
      : {}),
  });
  return { verified, latenessMs, stats, attributed, atT, lateProof };
}

/** The completed renewal with each sender's failures after T as attributed during step 5, if more. */
function withAttributedFailures(completed: Detail, attributed: Detail): Detail {
  if (!attributed.senders.length) return completed;
  return {
    ...completed,
    senders: completed.senders.map((x) => ({
      ...x,
      failuresAfterT: Math.max(
        x.failuresAfterT,
        attributed.senders.find((a) => a.id === x.id)?.failuresAfterT ?? 0,
      ),
    })),
  };
}

/** Never leave this run's renewal open: it would block every later plan on the virtual server. */
async function abandon(run: Run, id: string): Promise<void> {
  const d = await run.lbAdmin.request<Detail>('GET', `/api/v1/renewals/${id}`).catch(() => undefined);
  if (d && !['completed', 'rolled-back', 'cancelled'].includes(d.state)) {
    await settleRenewal(run.lbAdmin, id, d.state, 'the demo run failed').then(
      (r) => run.o.say(`Renewal ${id}: ${r.from} → ${r.to} after the failure`),
      (why: Error) => run.o.say(`Renewal ${id} stays ${d.state}: ${why.message}`),
    );
  }
}

/** The facts of the run every report shares. */
interface ReportBase {
  land: Landscape;
  id: string;
  exchangeAt: Date;
  oldLeaf: string;
  newLeaf: string;
  newRoot: string;
  steps: DemoStep[];
  bridgeUntil?: Date;
}

/** The grace deadline a sender was given at T: until when its addresses were served the old certificate. */
function graceAtT(atT: Detail | undefined, senderId: string): string | null {
  const st = atT?.senders.find((x) => x.id === senderId)?.status;
  return st?.state === 'in-grace' ? st.oldCredentialServedUntil : null;
}

function report(
  { land, id, exchangeAt, oldLeaf, newLeaf, newRoot, steps, bridgeUntil }: ReportBase,
  {
    stats,
    swap,
    gate,
    final,
    atT,
    late,
  }: {
    stats: SenderTraffic[];
    swap: DemoReport['swap'];
    gate: unknown;
    final: Detail;
    /** The renewal just after T (what each sender was given then); absent when the demo stops before T. */
    atT?: Detail;
    late?: { id: string; proof: LateProof };
  },
): DemoReport {
  return {
    renewalId: id,
    exchangeAt: exchangeAt.toISOString(),
    oldLeafSha256: oldLeaf,
    newLeafSha256: newLeaf,
    newRootSha256: newRoot,
    steps,
    ...(bridgeUntil ? { bridge: { mode: 'both' as const, until: bridgeUntil.toISOString() } } : {}),
    grace: { policy: final.status?.grace?.policy ?? 'off', until: final.status?.grace?.graceUntil ?? null },
    senders: land.senders.map((s, i) => {
      const st = stats[i]!;
      const fromCoordinator = final.senders.find((x) => x.id === s.id);
      return {
        id: s.id,
        name: s.name,
        truststore: s.kind,
        // Ready exactly when the coordinator's derived status says proven.
        ready: fromCoordinator?.status?.proven ?? false,
        requestsBeforeT: st.requestsBeforeT,
        requestsAfterT: st.requestsAfterT,
        failuresBeforeT: st.failuresBeforeT,
        failuresAfterT: st.failuresAfterT,
        attributedFailuresAfterT: fromCoordinator?.failuresAfterT ?? 0,
        ...(bridgeUntil
          ? {
              failuresDuringBridge: st.failuresAfterT - st.failuresAfterBridge,
              failuresAfterBridge: st.failuresAfterBridge,
            }
          : {}),
        servedOldAfterT: st.servedOldAfterT,
        graceUntil: graceAtT(atT, s.id),
        ...(late?.id === s.id ? { provedAfterT: late.proof } : {}),
        servedBeforeAndAfter: st.served,
      };
    }),
    swap,
    gate,
    readiness: final.readiness,
    finalState: final.state,
  };
}
