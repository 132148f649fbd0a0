/**
 * A renewal shared by two customers, for the field-level access checks: virtual server `web` serves
 * tenants acme and globex, `globex-web` serves globex-b; renewal `shared` covers both servers and
 * carries steps, readiness, forwardings, a gate and an override that name globex; renewal
 * `globexOnly` covers globex-web alone. Everything of the foreign customer has "globex" in its name
 * or text, so a field-level leak is a substring search.
 */
import assert from 'node:assert/strict';
import { rawDb } from '../../src/store/raw.js';
import type { Coordinator } from '../renewal/harness.js';

/** Ids and tokens of the shared-renewal world. */
export interface SharedRenewalWorld {
  shared: string;
  globexOnly: string;
  /** Tokens of callers scoped to acme. */
  acme: { tenantAdmin: string; integrationDev: string; senderAdmin: string };
  globexAdmin: string;
  /** Acme's sender (its personal link page must not show globex either). */
  acmeSender: string;
  /** Every id of the foreign customer (names and texts all contain "globex"). */
  foreignIds: string[];
  /** The foreign customer's source address (in the node's source-exception table, not in any name). */
  foreignAddress: string;
}

/** Builds the world through the API, and the renewal rows directly in the store. */
export async function buildSharedRenewal(co: Coordinator): Promise<SharedRenewalWorld> {
  const ok = async (method: string, path: string, body?: unknown) => co.call(method, path, body);
  const lb = await ok('POST', '/api/v1/lbs', {
    name: 'edge',
    kind: 'builtin',
    nodes: [{ name: 'n1', address: '127.0.0.1:1' }],
  });
  const vs = async (name: string, host: string, port: number) =>
    ok('POST', '/api/v1/virtual-servers', {
      name,
      lb: lb.id,
      hosts: [host],
      listen: `0.0.0.0:${port}`,
      backends: [],
    });
  const web = await vs('web', 'shop.example.test', 443);
  const gweb = await vs('globex-web', 'globex.example.test', 8443);
  const tenant = (name: string, vsId: string, org: string) =>
    ok('POST', '/api/v1/tenants', {
      name,
      virtualServer: vsId,
      operatingModel: 'customer-managed',
      customerOrganisation: org,
    });
  const acme = await tenant('acme', web.id, 'Acme');
  const globex = await tenant('globex', web.id, 'Globex');
  const globexB = await tenant('globex-b', gweb.id, 'Globex');
  const sender = (t: string, name: string, sourceAddresses: string[] = []) =>
    ok('POST', '/api/v1/senders', {
      tenant: t,
      name,
      contacts: [`ops@${name}.test`],
      truststoreKind: 'pem',
      sourceAddresses,
    });
  const foreignAddress = '203.0.113.77';
  const acmeOrders = await sender(acme.id, 'acme-orders', ['198.51.100.5']);
  const globexPayroll = await sender(globex.id, 'globex-payroll', [foreignAddress]);
  const globexLedger = await sender(globexB.id, 'globex-ledger');
  const user = async (name: string, organisation: string, roles: unknown[]) => {
    const u = await ok('POST', '/api/v1/users', { name, organisation, roles });
    const t = await ok('POST', '/api/v1/tokens', { name: 't', user: u.id, expiresIn: '1d' });
    return { id: u.id as string, token: t.token as string };
  };
  const tara = await user('tara', 'Acme', [{ role: 'tenant-admin', scope: acme.id }]);
  const ivan = await user('ivan', 'Acme', [{ role: 'integration-developer', scope: acme.id }]);
  const sam = await user('sam', 'Acme', [{ role: 'sender-admin', scope: acmeOrders.id }]);
  const gloria = await user('gloria-globex', 'Globex', [{ role: 'tenant-admin', scope: globex.id }]);

  const at = '2026-11-27T10:00:00.000Z';
  const db = rawDb(co.store);
  const renewal = async (id: string, vsId: string, extra: Record<string, unknown> = {}) => {
    await db
      .insertInto('renewals')
      .values({
        id,
        virtual_server_id: vsId,
        old_credential_id: null,
        new_credential_id: null,
        old_root_fingerprint: null,
        new_root_fingerprint: null,
        exchange_at: '2027-06-01T02:00:00.000Z',
        safe_removal_at: '2027-06-02T02:00:00.000Z',
        gate_at: '2027-06-01T01:00:00.000Z',
        rollback_window_seconds: 86400,
        gate_policy: 'block',
        state: 'announced',
        created_at: at,
        updated_at: at,
        ...extra,
      } as never)
      .execute();
  };
  const shared = 'ren_shared00000000';
  const globexOnly = 'ren_globexonly0000';
  await renewal(shared, web.id, {
    gate: JSON.stringify({
      decision: 'blocked',
      notReady: [globexPayroll.id, acmeOrders.id, globexLedger.id],
      reason: '3 of 3 sender(s) not verified; overridden by admin: go ahead despite globex-payroll',
    }),
    gate_override: JSON.stringify({ by: 'admin', reason: 'go ahead despite globex-payroll' }),
  });
  await db
    .insertInto('renewal_virtual_servers')
    .values({ renewal_id: shared, virtual_server_id: gweb.id })
    .execute();
  await renewal(globexOnly, gweb.id);
  for (const s of [acmeOrders, globexPayroll, globexLedger]) {
    for (const r of [shared, ...(s === globexLedger ? [globexOnly] : [])]) {
      await db
        .insertInto('readiness')
        .values({
          id: `rdy_${r}_${s.id}`,
          renewal_id: r,
          sender_id: s.id,
          state: 'notified',
          evidence: '{}',
          updated_at: at,
        } as never)
        .execute();
    }
  }
  for (const [t, actor] of [
    [acme.id, 'tara'],
    [globex.id, 'gloria-globex'],
  ] as const) {
    await db
      .insertInto('forwardings')
      .values({
        id: `fwd_${t}`,
        renewal_id: shared,
        tenant_id: t,
        state: 'forwarded',
        actor,
        updated_at: at,
      } as never)
      .execute();
  }
  let n = 0;
  const step = (kind: string, role: string, actor: string, evidence: unknown) =>
    db
      .insertInto('steps')
      .values({
        id: `stp_${String(++n).padStart(4, '0')}`,
        renewal_id: shared,
        kind,
        role,
        actor,
        at,
        evidence: JSON.stringify(evidence),
      })
      .execute();
  await step('plan', 'lb-admin', 'admin', {
    virtualServers: [web.id, gweb.id],
    exchangeAt: '2027-06-01T02:00:00Z',
  });
  await step('staged', 'system', 'rollover', {
    nodes: [
      { node: 'n1', vs: web.id },
      { node: 'n1', vs: gweb.id },
    ],
  });
  await step('forward', 'tenant-admin', 'tara', {
    tenant: acme.id,
    senders: 1,
    message: 'acme: please add the root',
  });
  await step('forward', 'tenant-admin', 'gloria-globex', {
    tenant: globex.id,
    senders: 1,
    message: 'globex private note',
  });
  await step('auto-forward', 'system', 'rollover', {
    tenants: 3,
    first: [acme.id, globex.id, globexB.id],
    senders: 3,
  });
  await step('ack', 'sender-admin', 'globex-payroll-admin', { sender: globexPayroll.id });
  await step('evidence', 'sender-admin', 'sam', { sender: acmeOrders.id, state: 'verified' });
  await step('evidence', 'sender-admin', 'globex-payroll-admin', {
    sender: globexPayroll.id,
    state: 'failing',
    reason: 'globex truststore lacks the root',
  });
  await step('gate', 'system', 'rollover', {
    decision: 'blocked',
    notReady: [globexPayroll.id, acmeOrders.id, globexLedger.id],
    notReadyCount: 3,
    reason: '3 of 3 sender(s) not verified; policy block holds the exchange',
  });
  await step('gate-override', 'lb-admin', 'admin', {
    reason: 'go ahead despite globex-payroll',
    gate: 'blocked',
  });
  // A node fell back to the old certificate for an address of each customer by itself.
  const fellBackUntil = '2027-06-08T02:00:00.000Z';
  for (const [cidr, senders] of [
    [`${foreignAddress}/32`, [globexPayroll.id]],
    ['198.51.100.5/32', [acmeOrders.id]],
  ] as const) {
    await step('auto-grace', 'system', 'rollover', { node: 'n1', cidr, until: fellBackUntil, senders });
  }
  assert.ok(n > 0);
  // The node serving web was sent the source-exception table (every tenant's senders in grace) and
  // answered another one: the answer's detail names the addresses that differ.
  const node = await db
    .selectFrom('lb_nodes')
    .select('id')
    .where('lb_id', '=', lb.id)
    .executeTakeFirstOrThrow();
  const { sequence } = await db
    .selectFrom('renewals')
    .select('sequence')
    .where('id', '=', shared)
    .executeTakeFirstOrThrow();
  const until = '2027-06-08T02:00:00.000Z';
  await db
    .insertInto('renewal_nodes')
    .values({
      renewal_id: shared,
      node_id: node.id,
      virtual_server_id: web.id,
      sequence,
      exceptions: JSON.stringify({
        sentAt: at,
        entries: [
          { cidr: '198.51.100.5/32', serve: 'old', until },
          { cidr: `${foreignAddress}/32`, serve: 'old', until },
        ],
        autoUntil: null,
        outcome: 'differs',
        detail: `missing on the node: ${foreignAddress}/32 old until ${until}`,
        auto: [],
      }),
    } as never)
    .execute();
  return {
    shared,
    globexOnly,
    acme: { tenantAdmin: tara.token, integrationDev: ivan.token, senderAdmin: sam.token },
    globexAdmin: gloria.token,
    acmeSender: acmeOrders.id,
    foreignIds: [globex.id, globexB.id, globexPayroll.id, globexLedger.id, gloria.id, gweb.id, globexOnly],
    foreignAddress,
  };
}
