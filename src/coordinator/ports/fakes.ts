/**
 * In-memory implementations of the coordinator's ports, for unit tests of the use cases. They keep
 * the contract the SQL implementations keep (test/coordinator/ports-contract.test.ts runs all three).
 */
import { type AuditFacts, type AuditRecord, linkEvent, verifyChain } from '../../audit/chain.js';
import { NO_GRACE } from '../../renewal/grace.js';
import { type ReadinessState, readinessSummary } from '../../renewal/readiness.js';
import { fail } from '../../shared/errors.js';
import type { AuditLog } from './audit-log.js';
import type {
  ClientObservations,
  Observation,
  ObservedSender,
  SeenClient,
  SenderObservation,
} from './client-observations.js';
import type { Ca, Credential, CredentialRepo } from './credentials.js';
import { FakeRenewalViews } from './fake-renewal-views.js';
import type { GraceRepo, GraceSenderRow, StoredSenderGrace } from './grace.js';
import type {
  InventoryRepo,
  LbNode,
  LoadBalancer,
  New,
  Sender,
  SenderChange,
  Tenant,
  VirtualServer,
  VirtualServerChange,
} from './inventory.js';
import type { Job, JobKind, JobQueue } from './job-queue.js';
import type { NodeReport, NodeReports, PulledExceptions } from './node-reports.js';
import type { InboxItem, NewNotification, Outbox, PendingNotification } from './outbox.js';
import type { ApiToken, Invitation, PeopleRepo, RoleHolder, User } from './people.js';
import type { ReadinessHints, ReadinessRepo } from './readiness.js';
import type { ReadinessCounts, ReadinessTally } from './readiness-counts.js';
import type { RenewalNode, RenewalNodes } from './renewal-nodes.js';
import type { NewRenewal, Renewal, RenewalRepo, RenewalStateChange } from './renewals.js';
import type { SecretBox } from './secrets.js';
import type { SenderFactsRepo, SenderRecord, SenderSelection, StoredTraffic } from './sender-facts.js';
import type { NewSenderLink, SenderLink, SenderLinks } from './sender-links.js';
import type { InstallationValues } from './settings.js';
import type { NewStep, StepLog } from './steps.js';
import type { TenantNotifySettings, TenantSettingsRepo } from './tenant-settings.js';
import type { PortName, Ports, StoreWith } from './unit-of-work.js';

/** Renewals in a map. */
export class FakeRenewals implements RenewalRepo {
  readonly rows = new Map<string, Renewal>();

  async get(id: string) {
    const r = this.rows.get(id);
    return r && structuredClone(r);
  }
  async add(n: NewRenewal) {
    if (this.rows.has(n.id)) fail('NAME_TAKEN', 'this renewal already exists');
    const { acceptObserved, ...rest } = structuredClone(n);
    this.rows.set(n.id, {
      ...rest,
      acceptObserved,
      state: 'planned',
      sequence: 0,
      exchangedAt: null,
      gate: null,
      gateOverride: null,
      failuresBaseline: null,
      bridge: null,
      grace: NO_GRACE,
      completion: null,
      updatedAt: n.createdAt,
    });
  }
  async setGateOverride(id: string, override: NonNullable<Renewal['gateOverride']> & { at: string }) {
    const r = this.rows.get(id);
    if (r) Object.assign(r, { gateOverride: { ...override }, updatedAt: override.at });
  }
  async setGate(id: string, gate: Renewal['gate'] & object) {
    const r = this.rows.get(id);
    if (r) r.gate = structuredClone(gate);
  }
  async setGrace(id: string, grace: Renewal['grace']) {
    const r = this.rows.get(id);
    if (r) r.grace = structuredClone(grace);
  }
  async setFailuresBaseline(id: string, baseline: NonNullable<Renewal['failuresBaseline']>) {
    const r = this.rows.get(id);
    if (r) r.failuresBaseline = structuredClone(baseline);
  }
  async setBridge(id: string, bridge: Renewal['bridge']) {
    const r = this.rows.get(id);
    if (r) r.bridge = structuredClone(bridge);
  }
  async openFor(virtualServerId: string) {
    const open = [...this.rows.values()]
      .filter(
        (r) =>
          (r.virtualServerId === virtualServerId ||
            this.extraVirtualServers[r.id]?.includes(virtualServerId)) &&
          !['completed', 'rolled-back', 'cancelled'].includes(r.state),
      )
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id));
    return open[0] && structuredClone(open[0]);
  }

  /** The virtual servers of a renewal beside its first. */
  extraVirtualServers: Record<string, string[]> = {};
  async setState(id: string, state: Renewal['state'], at: string, change: RenewalStateChange = {}) {
    const r = this.rows.get(id);
    if (!r) return;
    const defined = Object.entries(structuredClone(change)).filter(([, v]) => v !== undefined);
    Object.assign(r, { state, updatedAt: at }, Object.fromEntries(defined));
  }
  async virtualServerIds(renewalId: string) {
    const r = this.rows.get(renewalId);
    if (!r) return [];
    const extra = [...(this.extraVirtualServers[renewalId] ?? [])].sort();
    return [r.virtualServerId, ...extra.filter((v) => v !== r.virtualServerId)];
  }
  async addVirtualServers(renewalId: string, virtualServerIds: readonly string[]) {
    this.extraVirtualServers[renewalId] = [
      ...(this.extraVirtualServers[renewalId] ?? []),
      ...virtualServerIds,
    ];
  }

  /** Each tenant's forwarding of a renewal. */
  forwardings: Array<{
    renewalId: string;
    tenantId: string;
    state: 'announced' | 'forwarded';
    actor: string | null;
    message: string | null;
    updatedAt: string;
  }> = [];
  async addForwardings(renewalId: string, tenantIds: readonly string[], at: string) {
    for (const tenantId of tenantIds)
      if (!this.forwardings.some((f) => f.renewalId === renewalId && f.tenantId === tenantId))
        this.forwardings.push({
          renewalId,
          tenantId,
          state: 'announced',
          actor: null,
          message: null,
          updatedAt: at,
        });
  }
  async markForwarded(
    renewalId: string,
    tenantIds: readonly string[],
    by: { actor: string; message: string | null; at: string },
  ) {
    const open = this.forwardings
      .filter((f) => f.renewalId === renewalId && f.state !== 'forwarded' && tenantIds.includes(f.tenantId))
      .sort((a, b) => a.tenantId.localeCompare(b.tenantId));
    for (const f of open)
      Object.assign(f, { state: 'forwarded', actor: by.actor, message: by.message, updatedAt: by.at });
    return open.map((f) => f.tenantId);
  }
}

/** Renewal-node rows in an array. */
export class FakeRenewalNodes implements RenewalNodes {
  rows: RenewalNode[] = [];

  async arm(
    renewalId: string,
    sequence: number,
    pairs: ReadonlyArray<{ nodeId: string; virtualServerId: string }>,
  ) {
    this.rows = [
      ...this.rows.filter((r) => r.renewalId !== renewalId),
      ...pairs.map((p) => ({
        renewalId,
        nodeId: p.nodeId,
        virtualServerId: p.virtualServerId,
        sequence,
        stagedAckAt: null,
        verifiedAt: null,
        servedSha256: null,
        tlsProfile: null,
        lastError: null,
        exceptions: null,
        probes: {},
      })),
    ];
  }
  async list(renewalId: string, sequence?: number) {
    return this.rows
      .filter((r) => r.renewalId === renewalId && (sequence === undefined || r.sequence === sequence))
      .sort((a, b) => a.nodeId.localeCompare(b.nodeId) || a.virtualServerId.localeCompare(b.virtualServerId))
      .map((r) => ({ ...r }));
  }
  async update(key: Parameters<RenewalNodes['update']>[0], patch: Parameters<RenewalNodes['update']>[1]) {
    const row = this.rows.find(
      (r) =>
        r.renewalId === key.renewalId &&
        r.nodeId === key.nodeId &&
        r.virtualServerId === key.virtualServerId &&
        r.sequence === key.sequence,
    );
    if (!row) return;
    for (const [k, v] of Object.entries(patch)) if (v !== undefined) Object.assign(row, { [k]: v });
  }
}

/** One sender's readiness in {@link FakeReadiness}. */
export interface FakeReadinessRow {
  id: string;
  renewalId: string;
  senderId: string;
  tenantId: string;
  state: ReadinessState;
  sourceAddresses: string[];
  contacts: string[];
  failuresAfterT: number;
}

/** Readiness rows in an array. */
export class FakeReadiness implements ReadinessRepo {
  rows: FakeReadinessRow[] = [];

  /**
   * `world` reads the inventory (rows are added for the senders of a tenant; counted per virtual
   * server of the sender's tenant) and a renewal's state (finished renewals are not counted).
   */
  constructor(
    private readonly world: () => {
      inventory: Pick<FakeInventory, 'senderRows' | 'tenantRows' | 'virtualServerRows'>;
      renewalState: (id: string) => string | undefined;
    } = () => ({
      inventory: { senderRows: [], tenantRows: [], virtualServerRows: [] },
      renewalState: () => undefined,
    }),
  ) {}
  /** Every setFailuresAfterT call, in order (to see that unchanged counts are not written). */
  readonly writes: Array<{ readinessId: string; n: number }> = [];

  private of(renewalId: string) {
    return this.rows
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => a.senderId.localeCompare(b.senderId));
  }
  async states(renewalId: string) {
    return this.of(renewalId).map((r) => ({ senderId: r.senderId, state: r.state }));
  }
  async senderIdsIn(renewalId: string, states: readonly ReadinessState[]) {
    return this.of(renewalId)
      .filter((r) => states.includes(r.state))
      .map((r) => r.senderId);
  }
  async hints(renewalId: string): Promise<ReadinessHints[]> {
    return this.of(renewalId).map((r) => ({
      readinessId: r.id,
      sourceAddresses: [...r.sourceAddresses],
      failuresAfterT: r.failuresAfterT,
    }));
  }
  async setFailuresAfterT(readinessId: string, n: number) {
    this.writes.push({ readinessId, n });
    const r = this.rows.find((x) => x.id === readinessId);
    if (r) r.failuresAfterT = n;
  }
  async contacts(renewalId: string) {
    return this.of(renewalId).map((r) => ({ senderId: r.senderId, contacts: [...r.contacts] }));
  }
  async tenantsOf(senderIds: readonly string[]) {
    const wanted = new Set(senderIds.slice(0, 5000));
    return [...new Set(this.rows.filter((r) => wanted.has(r.senderId)).map((r) => r.tenantId))];
  }
  async addForTenants(renewalId: string, tenantIds: readonly string[], state: ReadinessState, _at: string) {
    for (const s of this.world().inventory.senderRows.filter((x) => tenantIds.includes(x.tenantId)))
      if (!this.rows.some((r) => r.renewalId === renewalId && r.senderId === s.id))
        this.rows.push({
          id: `rdy_${renewalId.slice(4)}_${s.id}`,
          renewalId,
          senderId: s.id,
          tenantId: s.tenantId,
          state,
          sourceAddresses: [...s.sourceAddresses],
          contacts: [...s.contacts],
          failuresAfterT: 0,
        });
  }
  async markNotified(renewalId: string, senderIds: readonly string[], _at: string) {
    let moved = 0;
    for (const r of this.rows)
      if (r.renewalId === renewalId && r.state === 'pending' && senderIds.includes(r.senderId)) {
        r.state = 'notified';
        moved++;
      }
    return moved;
  }
  async openCountsByVirtualServer() {
    const { inventory, renewalState } = this.world();
    const vsOf = (senderId: string) => {
      const tenantId = inventory.senderRows.find((x) => x.id === senderId)?.tenantId;
      const vsId = inventory.tenantRows.find((t) => t.id === tenantId)?.virtualServerId;
      return inventory.virtualServerRows.find((v) => v.id === vsId)?.name;
    };
    const sums = new Map<string, { virtualServer: string; state: string; n: number }>();
    for (const r of this.rows) {
      const state = renewalState(r.renewalId);
      const virtualServer = vsOf(r.senderId);
      if (!state || !virtualServer || ['completed', 'rolled-back', 'cancelled'].includes(state)) continue;
      const k = `${virtualServer}\n${r.state}`;
      sums.set(k, { virtualServer, state: r.state, n: (sums.get(k)?.n ?? 0) + 1 });
    }
    return [...sums.values()].sort(
      (a, b) => a.virtualServer.localeCompare(b.virtualServer) || a.state.localeCompare(b.state),
    );
  }
  async told(renewalId: string) {
    return (await this.contacts(renewalId)).filter(
      (c) => this.of(renewalId).find((r) => r.senderId === c.senderId)?.state !== 'pending',
    );
  }
}

/** Readiness counts over {@link FakeReadiness}'s rows; kept counts in a map by renewal. */
export class FakeReadinessCounts implements ReadinessCounts {
  keptRows: Record<string, ReadinessTally> = {};

  /** `rows` reads the readiness rows (a function, so a transaction's snapshot does not copy them twice). */
  constructor(private readonly rows: () => readonly FakeReadinessRow[]) {}

  async count(renewalId: string) {
    return readinessSummary(
      this.rows()
        .filter((r) => r.renewalId === renewalId)
        .map((r) => r.state),
    );
  }
  async kept(renewalId: string) {
    const k = this.keptRows[renewalId];
    return k && { ...k };
  }
  async reset(renewalId: string) {
    this.keptRows[renewalId] = await this.count(renewalId);
  }
  async bump(renewalId: string, delta: Partial<ReadinessTally>) {
    const cur = this.keptRows[renewalId];
    if (!cur) return;
    for (const [k, v] of Object.entries(delta))
      cur[k as ReadinessState] = (cur[k as ReadinessState] ?? 0) + (v ?? 0);
  }
}

/** A job row in {@link FakeJobQueue}. */
export interface FakeJob {
  id: string;
  kind: string;
  key: string;
  payload: Record<string, unknown>;
  runAt: string;
  state: 'pending' | 'running' | 'done';
  attempts: number;
  lockedBy: string | null;
  lastError: string | null;
}

/** Jobs in an array. */
export class FakeJobQueue implements JobQueue {
  rows: FakeJob[] = [];
  private next = 0;

  async schedule(kind: JobKind, payload: Record<string, unknown>, runAt: string, key: string) {
    if (this.rows.some((j) => j.key === key)) return;
    this.rows.push({
      id: `job_${++this.next}`,
      kind,
      key,
      payload: structuredClone(payload),
      runAt,
      state: 'pending',
      attempts: 0,
      lockedBy: null,
      lastError: null,
    });
  }
  async rearm(key: string, payload: Record<string, unknown>, runAt: string) {
    const j = this.rows.find((x) => x.key === key && x.state !== 'running');
    if (!j) return false;
    Object.assign(j, { state: 'pending', runAt, payload: structuredClone(payload) });
    return true;
  }
  async releaseRunning() {
    for (const j of this.rows)
      if (j.state === 'running') Object.assign(j, { state: 'pending', lockedBy: null });
  }
  async due(now: string, limit: number): Promise<Job[]> {
    return this.rows
      .filter((j) => j.state === 'pending' && j.runAt <= now)
      .sort((a, b) => a.runAt.localeCompare(b.runAt))
      .slice(0, limit)
      .map((j) => ({ id: j.id, kind: j.kind, payload: structuredClone(j.payload), attempts: j.attempts }));
  }
  async claim(id: string, by: string) {
    const j = this.rows.find((x) => x.id === id && x.state === 'pending');
    if (!j) return false;
    Object.assign(j, { state: 'running', lockedBy: by });
    return true;
  }
  async finish(id: string, attempts: number, retryAt?: string) {
    const j = this.rows.find((x) => x.id === id);
    if (!j) return;
    Object.assign(
      j,
      retryAt !== undefined
        ? { state: 'pending', lockedBy: null, attempts, runAt: retryAt }
        : { state: 'done', lockedBy: null, attempts },
    );
  }
  async failed(id: string, attempts: number, error: string, retryAt: string) {
    const j = this.rows.find((x) => x.id === id);
    if (j) Object.assign(j, { state: 'pending', lockedBy: null, attempts, lastError: error, runAt: retryAt });
  }
}

/** A notification row in {@link FakeOutbox}. */
export interface FakeNotification extends NewNotification {
  id: string;
  attempts: number;
  lastError: string | null;
}

/** Per-sender grace in an array (one row per readiness row, with what the grace job reads of its sender). */
export class FakeGrace implements GraceRepo {
  rows: Array<GraceSenderRow & { renewalId: string }> = [];

  async senders(renewalId: string): Promise<GraceSenderRow[]> {
    return this.rows
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => a.senderId.localeCompare(b.senderId))
      .map(({ renewalId: _, ...r }) => structuredClone(r));
  }
  async setSenderGrace(readinessId: string, grace: StoredSenderGrace | null) {
    const r = this.rows.find((x) => x.readinessId === readinessId);
    if (r) r.grace = structuredClone(grace);
  }
  async inGraceAt(renewalId: string, now: string) {
    return this.rows
      .filter((r) => r.renewalId === renewalId && r.grace?.oldUntil != null && r.grace.oldUntil > now)
      .map((r) => r.senderId)
      .sort();
  }
  private digests = 0;
  /** The fake's rows live in several fakes: it never says that nothing changed. */
  async inputsDigest(renewalId: string) {
    return `fake:${renewalId}:${++this.digests}`;
  }
}

/** Notifications in an array. */
export class FakeOutbox implements Outbox {
  rows: FakeNotification[] = [];
  private next = 0;

  async add(items: readonly NewNotification[]) {
    for (const i of items)
      if (!this.rows.some((r) => r.idempotencyKey === i.idempotencyKey))
        this.rows.push({ ...structuredClone(i), id: `ntf_${++this.next}`, attempts: 0, lastError: null });
  }
  async due(now: string, limit: number): Promise<PendingNotification[]> {
    return this.rows
      .filter((r) => r.state === 'pending' && r.nextAttemptAt <= now)
      .sort((a, b) => a.nextAttemptAt.localeCompare(b.nextAttemptAt) || a.id.localeCompare(b.id))
      .slice(0, limit)
      .map((r) => ({
        id: r.id,
        channel: r.channel,
        recipient: r.recipient,
        body: structuredClone(r.body),
        attempts: r.attempts,
        idempotencyKey: r.idempotencyKey,
      }));
  }
  async delivered(id: string, attempts: number, at: string) {
    const r = this.rows.find((x) => x.id === id);
    if (r) Object.assign(r, { state: 'delivered', attempts, deliveredAt: at, lastError: null });
  }
  async failed(id: string, attempts: number, error: string, retryAt: string) {
    const r = this.rows.find((x) => x.id === id);
    if (r) Object.assign(r, { attempts, nextAttemptAt: retryAt, lastError: error });
  }
  async inbox(recipient: string, limit: number): Promise<InboxItem[]> {
    return this.rows
      .filter((r) => r.channel === 'inbox' && r.recipient === recipient)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt) || b.id.localeCompare(a.id))
      .slice(0, limit)
      .map((r) => ({ id: r.id, subject: r.subject, renewalId: r.renewalId, createdAt: r.createdAt }));
  }
  async pendingCount() {
    return this.rows.filter((r) => r.state === 'pending').length;
  }
}

/** Sender links in an array. */
export class FakeSenderLinks implements SenderLinks {
  rows: Array<SenderLink & { tokenHash: string }> = [];

  async get(id: string) {
    const l = this.rows.find((r) => r.id === id);
    if (!l) return undefined;
    const { tokenHash: _, ...link } = l;
    return link;
  }
  async current(renewalId: string, senderId: string) {
    return this.rows.find((r) => r.renewalId === renewalId && r.senderId === senderId && !r.revokedAt)?.id;
  }
  async revoke(renewalId: string, senderIds: readonly string[], at: string) {
    for (const r of this.rows)
      if (r.renewalId === renewalId && senderIds.includes(r.senderId) && !r.revokedAt) r.revokedAt = at;
  }
  async add(links: readonly NewSenderLink[]) {
    for (const l of links) this.rows.push({ ...l, revokedAt: null });
  }
}

/** People in arrays: users, bindings (with the user's mail, as holders are read), tokens, invitations. */
export class FakePeople implements PeopleRepo {
  rows: Array<RoleHolder & { role: string }> = [];
  userRows: User[] = [];
  tokenRows: Array<ApiToken & { tokenHash: string }> = [];
  invitationRows: Array<Invitation & { tokenHash: string }> = [];
  private next = 0;

  private id(prefix: string) {
    return `${prefix}_${String(++this.next).padStart(6, '0')}`;
  }
  private static strip<T extends { tokenHash: string }>({ tokenHash: _, ...rest }: T) {
    return structuredClone(rest);
  }

  async holders(role: string, scopeIds: readonly string[]) {
    return this.rows
      .filter((r) => r.role === role && scopeIds.includes(r.scopeId))
      .sort((a, b) => a.userId.localeCompare(b.userId))
      .map(({ role: _, ...h }) => h);
  }
  async unbindScope(scopeId: string) {
    this.rows = this.rows.filter((r) => r.scopeId !== scopeId);
  }

  async user(id: string) {
    const u = this.userRows.find((x) => x.id === id);
    return u && { ...u };
  }
  async userByRef(ref: string) {
    const u = this.userRows.find((x) => x.id === ref) ?? this.userRows.find((x) => x.name === ref);
    return u && { ...u };
  }
  async userByName(name: string) {
    const u = this.userRows.find((x) => x.name === name);
    return u && { ...u };
  }
  async users() {
    return byId(this.userRows);
  }
  async hasUsers() {
    return this.userRows.length > 0;
  }
  async addUser(u: Omit<User, 'id'>) {
    if (this.userRows.some((x) => x.name === u.name))
      fail('NAME_TAKEN', 'a user with this name already exists: choose another name');
    const row = { ...u, id: this.id('usr') };
    this.userRows.push(row);
    return { ...row };
  }
  async removeUser(id: string) {
    this.tokenRows = this.tokenRows.filter((t) => t.userId !== id);
    this.rows = this.rows.filter((r) => r.userId !== id);
    this.userRows = this.userRows.filter((u) => u.id !== id);
  }
  async bindings(userId: string) {
    return this.rows.filter((r) => r.userId === userId).map((r) => ({ role: r.role, scopeId: r.scopeId }));
  }
  async bind(userId: string, role: string, scopeId: string) {
    if (this.rows.some((r) => r.userId === userId && r.role === role && r.scopeId === scopeId))
      fail('NAME_TAKEN', 'this role binding already exists: choose another name');
    const u = this.userRows.find((x) => x.id === userId);
    this.rows.push({ userId, email: u?.email ?? null, role, scopeId });
  }

  async addToken(t: Omit<ApiToken, 'id' | 'revokedAt'> & { tokenHash: string }) {
    const row = { ...t, id: this.id('tok'), revokedAt: null };
    this.tokenRows.push(row);
    return FakePeople.strip(row);
  }
  async token(id: string) {
    const t = this.tokenRows.find((x) => x.id === id);
    return t && FakePeople.strip(t);
  }
  async tokens() {
    return byId(this.tokenRows).map(FakePeople.strip);
  }
  async tokenByHash(tokenHash: string) {
    const t = this.tokenRows.find((x) => x.tokenHash === tokenHash);
    return t && FakePeople.strip(t);
  }
  async revokeToken(id: string, at: string) {
    const t = this.tokenRows.find((x) => x.id === id && x.revokedAt === null);
    if (t) t.revokedAt = at;
    return t !== undefined;
  }
  async revokeTokensNamed(userId: string, name: string, at: string) {
    const live = this.tokenRows.filter((x) => x.userId === userId && x.name === name && x.revokedAt === null);
    for (const t of live) t.revokedAt = at;
    return live.length;
  }

  async addInvitation(i: Omit<Invitation, 'id' | 'usedAt'> & { tokenHash: string }) {
    const row = { ...i, id: this.id('inv'), usedAt: null };
    this.invitationRows.push(row);
    return FakePeople.strip(row);
  }
  async invitationByHash(tokenHash: string) {
    const i = this.invitationRows.find((x) => x.tokenHash === tokenHash);
    return i && FakePeople.strip(i);
  }
  async consumeInvitation(id: string, at: string) {
    const i = this.invitationRows.find((x) => x.id === id && x.usedAt === null);
    if (i) i.usedAt = at;
    return i !== undefined;
  }
}

const AUDIT_KEY = Buffer.alloc(32, 7);

/** An audit chain in an array, keyed with a fixed test key. */
export class FakeAuditLog implements AuditLog {
  rows: AuditRecord[] = [];

  async append(facts: AuditFacts) {
    const last = this.rows.at(-1);
    const rec = linkEvent(AUDIT_KEY, last && { seq: last.seq, hash: last.hash }, facts);
    this.rows.push(rec);
    return { ...rec };
  }
  async events(afterSeq = 0, limit = 1_000_000) {
    return this.rows
      .filter((r) => r.seq > afterSeq)
      .slice(0, limit)
      .map((r) => ({ ...r }));
  }
  async verify() {
    const last = this.rows.at(-1);
    return verifyChain(AUDIT_KEY, this.rows, last && { seq: last.seq, hash: last.hash });
  }
}

const byId = <T extends { id: string }>(rows: readonly T[]) =>
  [...rows].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)).map((r) => structuredClone(r));

/**
 * The inventory in arrays. Like the store it refuses a duplicate name (NAME_TAKEN) and the removal of
 * a load balancer with virtual servers, a virtual server with tenants, or a tenant with senders
 * (STILL_IN_USE); it does not know of renewals, credentials or readiness, which also hold on to them.
 */
export class FakeInventory implements InventoryRepo {
  loadBalancerRows: LoadBalancer[] = [];
  nodeRows: LbNode[] = [];
  /** Node token hashes by node id. */
  nodeTokens: Record<string, string> = {};
  /** Sealed node control tokens by node id. */
  nodeControlTokens: Record<string, string> = {};
  virtualServerRows: VirtualServer[] = [];
  tenantRows: Tenant[] = [];
  senderRows: Sender[] = [];
  private next = 0;

  private add<T extends { id: string }>(
    rows: T[],
    prefix: string,
    value: New<T>,
    taken: boolean,
    noun: string,
  ) {
    if (taken) fail('NAME_TAKEN', `${noun} already exists: choose another name`);
    const row = { ...structuredClone(value), id: `${prefix}_${String(++this.next).padStart(6, '0')}` } as T;
    rows.push(row);
    return structuredClone(row);
  }
  private static inUse(kind: string): never {
    return fail(
      'STILL_IN_USE',
      `${kind} is still referenced by other objects (or refers to one that is gone): remove or change those first`,
    );
  }
  private static byRef<T extends { id: string; name: string }>(rows: readonly T[], ref: string) {
    const r = rows.find((x) => x.id === ref) ?? rows.find((x) => x.name === ref);
    return r && structuredClone(r);
  }

  async loadBalancerByRef(ref: string) {
    return FakeInventory.byRef(this.loadBalancerRows, ref);
  }
  async loadBalancers() {
    return byId(this.loadBalancerRows);
  }
  async nodes(lbId?: string) {
    return byId(this.nodeRows.filter((n) => lbId === undefined || n.lbId === lbId));
  }
  async addLoadBalancer(lb: New<LoadBalancer>) {
    const taken = this.loadBalancerRows.some((x) => x.name === lb.name);
    return this.add(this.loadBalancerRows, 'lb', lb, taken, 'a load balancer with this name');
  }
  async node(id: string) {
    const n = this.nodeRows.find((x) => x.id === id);
    return n && { ...n };
  }
  async nodeControls(nodeIds: readonly string[]) {
    return byId(this.nodeRows.filter((n) => nodeIds.includes(n.id))).map((n) => ({
      id: n.id,
      name: n.name,
      controlUrl: n.controlUrl,
      controlTokenSealed: this.nodeControlTokens[n.id] ?? null,
    }));
  }
  async setNodeControl(nodeId: string, controlUrl: string, controlTokenSealed: string) {
    const n = this.nodeRows.find((x) => x.id === nodeId);
    if (!n) return;
    n.controlUrl = controlUrl;
    this.nodeControlTokens[nodeId] = controlTokenSealed;
  }
  async addNode(input: Omit<New<LbNode>, 'controlUrl'>) {
    const n = { ...input, controlUrl: null };
    if (!this.loadBalancerRows.some((x) => x.id === n.lbId)) FakeInventory.inUse('the node');
    const taken = this.nodeRows.some((x) => x.lbId === n.lbId && x.name === n.name);
    return this.add(this.nodeRows, 'node', n, taken, 'a node with this name');
  }
  async removeLoadBalancer(id: string) {
    if (this.virtualServerRows.some((v) => v.lbId === id)) FakeInventory.inUse('the load balancer');
    this.nodeRows = this.nodeRows.filter((n) => n.lbId !== id);
    this.loadBalancerRows = this.loadBalancerRows.filter((x) => x.id !== id);
  }

  async nodeByRef(lbId: string, ref: string) {
    return FakeInventory.byRef(
      this.nodeRows.filter((n) => n.lbId === lbId),
      ref,
    );
  }
  async nodeByTokenHash(tokenHash: string) {
    const n = this.nodeRows.find((x) => this.nodeTokens[x.id] === tokenHash);
    return n && { ...n };
  }
  async setNodeTokenHash(nodeId: string, tokenHash: string) {
    if (this.nodeRows.some((n) => n.id === nodeId)) this.nodeTokens[nodeId] = tokenHash;
  }
  async lbUsesCredential(lbId: string, credentialId: string) {
    return this.virtualServerRows.some(
      (v) =>
        v.lbId === lbId && (v.activeCredentialId === credentialId || v.stagedCredentialId === credentialId),
    );
  }

  async virtualServerByRef(ref: string) {
    return FakeInventory.byRef(this.virtualServerRows, ref);
  }
  async virtualServers(lbId?: string) {
    return byId(this.virtualServerRows.filter((v) => lbId === undefined || v.lbId === lbId));
  }
  async virtualServersByIds(ids: readonly string[]) {
    return byId(this.virtualServerRows.filter((v) => ids.includes(v.id)));
  }
  async addVirtualServer(vs: New<VirtualServer>) {
    if (!this.loadBalancerRows.some((x) => x.id === vs.lbId)) FakeInventory.inUse('the virtual server');
    const taken = this.virtualServerRows.some((x) => x.name === vs.name);
    return this.add(this.virtualServerRows, 'vs', vs, taken, 'a virtual server with this name');
  }
  async setActiveCredential(vsId: string, credentialId: string) {
    const v = this.virtualServerRows.find((x) => x.id === vsId);
    if (v) v.activeCredentialId = credentialId;
  }
  async updateVirtualServer(vsId: string, change: VirtualServerChange) {
    const v = this.virtualServerRows.find((x) => x.id === vsId);
    if (!v) return;
    for (const [k, value] of Object.entries(change) as Array<[keyof VirtualServerChange, string | null]>)
      if (value !== undefined) v[k] = value;
  }
  async removeVirtualServer(id: string) {
    if (this.tenantRows.some((t) => t.virtualServerId === id)) FakeInventory.inUse('the virtual server');
    this.virtualServerRows = this.virtualServerRows.filter((x) => x.id !== id);
  }

  async tenantByRef(ref: string) {
    return FakeInventory.byRef(this.tenantRows, ref);
  }
  async tenants() {
    return byId(this.tenantRows);
  }
  async tenantsOf(virtualServerIds: readonly string[], only?: readonly string[]) {
    return byId(
      this.tenantRows.filter(
        (t) =>
          virtualServerIds.includes(t.virtualServerId ?? '') && (only === undefined || only.includes(t.id)),
      ),
    );
  }
  async addTenant(t: New<Tenant>) {
    if (t.virtualServerId !== null && !this.virtualServerRows.some((v) => v.id === t.virtualServerId))
      FakeInventory.inUse('the tenant');
    const taken = this.tenantRows.some((x) => x.name === t.name);
    return this.add(this.tenantRows, 'ten', t, taken, 'a tenant with this name');
  }
  async removeTenant(id: string) {
    if (this.senderRows.some((s) => s.tenantId === id)) FakeInventory.inUse('the tenant');
    this.tenantRows = this.tenantRows.filter((x) => x.id !== id);
  }

  async sender(id: string) {
    const s = this.senderRows.find((x) => x.id === id);
    return s && structuredClone(s);
  }
  async senders(tenantId?: string) {
    return byId(this.senderRows.filter((s) => tenantId === undefined || s.tenantId === tenantId));
  }
  async addSenders(senders: ReadonlyArray<New<Sender>>) {
    const out: Sender[] = [];
    for (const s of senders) {
      if (!this.tenantRows.some((t) => t.id === s.tenantId)) FakeInventory.inUse('the sender');
      const taken = this.senderRows.some((x) => x.tenantId === s.tenantId && x.name === s.name);
      out.push(this.add(this.senderRows, 'snd', s, taken, 'a sender with this name in this tenant'));
    }
    return out;
  }
  async updateSender(id: string, change: SenderChange) {
    const s = this.senderRows.find((x) => x.id === id);
    if (!s) return;
    for (const [k, v] of Object.entries(change))
      if (v !== undefined) Object.assign(s, { [k]: structuredClone(v) });
  }
  async removeSender(id: string) {
    this.senderRows = this.senderRows.filter((x) => x.id !== id);
  }
  async claimedAddresses(exceptTenantId: string) {
    return byId(this.senderRows.filter((s) => s.tenantId !== exceptTenantId)).map((s) => ({
      tenantId: s.tenantId,
      ranges: s.sourceAddresses,
    }));
  }
  async senderContacts(senderIds: readonly string[]) {
    const wanted = new Set(senderIds);
    return byId(this.senderRows.filter((s) => wanted.has(s.id))).map((s) => ({
      senderId: s.id,
      contacts: [...s.contacts],
    }));
  }
  async tenantSenderContacts(tenantIds: readonly string[]) {
    const wanted = new Set(tenantIds);
    return byId(this.senderRows.filter((s) => wanted.has(s.tenantId))).map((s) => ({
      senderId: s.id,
      contacts: [...s.contacts],
    }));
  }
}

/** Node reports by node id, kept as the JSON a node sends. */
export class FakeNodeReports implements NodeReports {
  rows: Record<string, { reportedAt: string; status: string; failures: string }> = {};

  async latest(nodeId: string) {
    const r = this.rows[nodeId];
    return (
      r && {
        nodeId,
        reportedAt: r.reportedAt,
        status: JSON.parse(r.status) as NodeReport['status'],
        failures: JSON.parse(r.failures) as NodeReport['failures'],
      }
    );
  }
  async record(nodeId: string, reportedAt: string, status: unknown, failures: readonly unknown[]) {
    this.rows[nodeId] = { reportedAt, status: JSON.stringify(status), failures: JSON.stringify(failures) };
  }
  wanted: Record<string, Record<string, PulledExceptions>> = {};
  async wantExceptions(
    nodeId: string,
    virtualServer: string,
    change: Partial<Pick<PulledExceptions, 'entries' | 'autoUntil'>>,
    at: string,
  ) {
    const mine = this.wanted[nodeId] ?? {};
    this.wanted[nodeId] = mine;
    const before = mine[virtualServer] ?? { entries: null, autoUntil: null, setAt: at };
    mine[virtualServer] = structuredClone({ ...before, ...change, setAt: at });
  }
  async wantedExceptions(nodeId: string) {
    return structuredClone(this.wanted[nodeId] ?? {});
  }
}

/** Installation values in a record. */
export class FakeInstallationValues implements InstallationValues {
  values: Record<string, string> = {};

  async get(key: string) {
    return this.values[key];
  }
  async addIfAbsent(key: string, value: string) {
    this.values[key] ??= value;
  }
}

/** A secret box that "seals" by wrapping the text with its context (no secrecy; the context is checked). */
export class FakeSecretBox implements SecretBox {
  seal(context: string, plain: string) {
    return `fake-sealed:${Buffer.from(JSON.stringify([context, plain])).toString('base64')}`;
  }
  unseal(context: string, sealed: string) {
    const [c, plain] = JSON.parse(
      Buffer.from(sealed.replace(/^fake-sealed:/, ''), 'base64').toString('utf8'),
    ) as [string, string];
    if (c !== context) throw new Error('the sealed secret belongs to another context');
    return plain;
  }
  linkKey() {
    return Buffer.alloc(32, 9);
  }
}

/** CAs and credentials in arrays; keys kept beside them in the clear (a fake seals nothing). */
export class FakeCredentials implements CredentialRepo {
  caRows: Ca[] = [];
  credentialRows: Credential[] = [];
  keys: Record<string, string> = {};
  private next = 0;

  private id(prefix: string) {
    return `${prefix}_${String(++this.next).padStart(6, '0')}`;
  }
  async addCa({ keyPem, ...ca }: Omit<Ca, 'id' | 'hasKey'> & { keyPem: string | undefined }) {
    if (this.caRows.some((c) => c.name === ca.name))
      fail('NAME_TAKEN', 'a CA with this name already exists: choose another name');
    const row: Ca = { ...ca, id: this.id('ca'), hasKey: keyPem !== undefined };
    if (keyPem !== undefined) this.keys[row.id] = keyPem;
    this.caRows.push(row);
    return { ...row };
  }
  async ca(id: string) {
    const c = this.caRows.find((x) => x.id === id);
    return c && { ...c };
  }
  async cas() {
    return byId(this.caRows);
  }
  async addCredential({ keyPem, ...c }: Omit<Credential, 'id'> & { keyPem: string }) {
    if (this.credentialRows.some((x) => x.name === c.name))
      fail('NAME_TAKEN', 'a credential with this name already exists: choose another name');
    const row: Credential = { ...c, id: this.id('cred') };
    this.keys[row.id] = keyPem;
    this.credentialRows.push(row);
    return { ...row };
  }
  async credential(id: string) {
    const c = this.credentialRows.find((x) => x.id === id);
    return c && { ...c };
  }
  async credentials() {
    return byId(this.credentialRows);
  }
  async caKeyPem(id: string) {
    return this.caRows.some((c) => c.id === id) ? this.keys[id] : undefined;
  }
  async credentialKeyPem(id: string) {
    return this.credentialRows.some((c) => c.id === id) ? this.keys[id] : undefined;
  }
}

/**
 * Every fake port, with a unit of work that keeps its promise: when `fn` throws, every fake is put
 * back as it was before the transaction began. Nested units join the outer one. (Transactions are not
 * serialised against each other: a use case's test runs one at a time.)
 */
export class FakeStore implements Ports, StoreWith<PortName> {
  renewals = new FakeRenewals();
  renewalNodes = new FakeRenewalNodes();
  readiness = new FakeReadiness(() => ({
    inventory: this.inventory,
    renewalState: (id) => this.renewals.rows.get(id)?.state,
  }));
  grace = new FakeGrace();
  jobs = new FakeJobQueue();
  outbox = new FakeOutbox();
  people = new FakePeople();
  senderLinks = new FakeSenderLinks();
  audit = new FakeAuditLog();
  inventory = new FakeInventory();
  credentials = new FakeCredentials();
  clientObservations = new FakeClientObservations();
  nodeReports = new FakeNodeReports();
  secrets = new FakeSecretBox();
  readinessCounts = new FakeReadinessCounts(() => this.readiness.rows);
  installation = new FakeInstallationValues();
  tenantSettings = new FakeTenantSettings();
  senderFacts = new FakeSenderFacts(
    () => this.renewals.forwardings,
    () => this.renewalViews.stepRows,
  );
  steps = new FakeStepLog(() => this.renewalViews.stepRows);
  renewalViews = new FakeRenewalViews({
    renewals: () => this.renewals,
    tenants: () => this.inventory.tenantRows,
    senders: () => this.inventory.senderRows,
    senderFacts: () => this.senderFacts.rows,
  });
  private inTransaction = false;

  private ports(): object[] {
    return [
      this.renewals,
      this.renewalNodes,
      this.readiness,
      this.grace,
      this.jobs,
      this.outbox,
      this.people,
      this.senderLinks,
      this.audit,
      this.inventory,
      this.credentials,
      this.clientObservations,
      this.nodeReports,
      this.readinessCounts,
      this.installation,
      this.tenantSettings,
      this.senderFacts,
      this.renewalViews,
    ];
  }

  async transaction<T>(fn: (tx: this) => Promise<T>): Promise<T> {
    if (this.inTransaction) return fn(this);
    // The data of every fake (a test may have replaced a method on one: that is not state).
    const saved = this.ports().map((p) =>
      structuredClone(Object.fromEntries(Object.entries(p).filter(([, v]) => typeof v !== 'function'))),
    );
    this.inTransaction = true;
    try {
      return await fn(this);
    } catch (e) {
      for (const [i, p] of this.ports().entries()) Object.assign(p, saved[i]);
      throw e;
    } finally {
      this.inTransaction = false;
    }
  }
}

/** A sender row in {@link FakeClientObservations}. */
export interface FakeObservedSender extends ObservedSender {
  renewalId: string;
  proof: { ok: boolean; at: string } | null;
}

/** Observations and seen clients in arrays. */
export class FakeClientObservations implements ClientObservations {
  senderRows: FakeObservedSender[] = [];
  clients: Array<SeenClient & { renewalId: string }> = [];
  /** Source addresses of senders outside any renewal (the rest of the inventory). */
  otherInventory: string[] = [];

  async senders(renewalId: string): Promise<ObservedSender[]> {
    return this.senderRows
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => a.senderId.localeCompare(b.senderId))
      .map((r) => ({
        readinessId: r.readinessId,
        senderId: r.senderId,
        sourceAddresses: [...r.sourceAddresses],
        observed: r.observed && { ...r.observed },
      }));
  }
  async setObserved(readinessId: string, o: Observation) {
    const r = this.senderRows.find((x) => x.readinessId === readinessId);
    if (r) r.observed = { ...o };
  }
  async observations(renewalId: string): Promise<SenderObservation[]> {
    return this.senderRows
      .filter((r) => r.renewalId === renewalId && r.observed)
      .sort((a, b) => a.senderId.localeCompare(b.senderId))
      .map((r) => ({ senderId: r.senderId, observed: { ...r.observed! }, proof: r.proof && { ...r.proof } }));
  }
  async recordSeen(
    renewalId: string,
    clients: ReadonlyArray<{ address: string; lastSeenAt: string; handshakes: number }>,
  ) {
    for (const c of clients) {
      const row = this.clients.find((x) => x.renewalId === renewalId && x.address === c.address);
      if (!row) {
        this.clients.push({
          renewalId,
          address: c.address,
          firstSeenAt: c.lastSeenAt,
          lastSeenAt: c.lastSeenAt,
          handshakes: c.handshakes,
          gracedAt: null,
          gracedBy: null,
        });
        continue;
      }
      if (c.lastSeenAt > row.lastSeenAt) row.lastSeenAt = c.lastSeenAt;
      if (c.handshakes > row.handshakes) row.handshakes = c.handshakes;
    }
  }
  async seen(renewalId: string): Promise<SeenClient[]> {
    return this.clients
      .filter((c) => c.renewalId === renewalId)
      .sort((a, b) => (a.address < b.address ? -1 : a.address > b.address ? 1 : 0))
      .map(({ renewalId: _, ...c }) => c);
  }
  async grace(renewalId: string, addresses: readonly string[], by: string, at: string) {
    const added: string[] = [];
    for (const c of this.clients) {
      if (c.renewalId !== renewalId || c.gracedAt || !addresses.includes(c.address)) continue;
      c.gracedAt = at;
      c.gracedBy = by;
      added.push(c.address);
    }
    return added.sort();
  }
  async graced(renewalId: string) {
    return (await this.seen(renewalId)).filter((c) => c.gracedAt).map((c) => c.address);
  }
  async inventoryAddresses() {
    return [...new Set([...this.senderRows.flatMap((r) => r.sourceAddresses), ...this.otherInventory])];
  }
}

/** Tenants' notification settings in a map by tenant. */
export class FakeTenantSettings implements TenantSettingsRepo {
  rows: Record<string, TenantNotifySettings> = {};

  async get(tenantId: string) {
    const r = this.rows[tenantId];
    return r && { ...r };
  }
  async put(settings: TenantNotifySettings) {
    this.rows[settings.tenantId] = { ...settings };
  }
  async withWebhook(tenantIds: readonly string[]) {
    return [...new Set(tenantIds)].filter((t) => this.rows[t]?.webhookUrl != null).sort();
  }
  async autoForwarding(tenantIds: readonly string[]) {
    return [...new Set(tenantIds)].filter((t) => this.rows[t]?.autoForward).sort();
  }
}

/** A sender's facts in {@link FakeSenderFacts}, with the renewal and evidence it belongs to. */
export interface FakeSenderRecord extends SenderRecord {
  renewalId: string;
  /** The evidence last reported, as sent. */
  evidence?: unknown;
}

/**
 * Senders' facts in an array; when tenants forwarded from {@link FakeRenewals}' forwardings, when
 * senders were reminded from the `remind` steps the renewal views keep (as the store reads its tables).
 */
export class FakeSenderFacts implements SenderFactsRepo {
  rows: FakeSenderRecord[] = [];

  constructor(
    private readonly forwardings: () => FakeRenewals['forwardings'] = () => [],
    private readonly steps: () => ReadonlyArray<{
      renewalId: string;
      kind: string;
      at: string;
      evidence: unknown;
    }> = () => [],
  ) {}

  private of(renewalId: string) {
    return this.rows
      .filter((r) => r.renewalId === renewalId)
      .sort((a, b) => (a.senderId < b.senderId ? -1 : a.senderId > b.senderId ? 1 : 0));
  }
  private out({ renewalId: _, evidence: __, ...r }: FakeSenderRecord): SenderRecord {
    return structuredClone(r);
  }
  async list(renewalId: string, by: SenderSelection = {}) {
    return this.of(renewalId)
      .filter((r) => !by.tenantIds || by.tenantIds.includes(r.tenantId))
      .filter((r) => !by.senderIds?.length || by.senderIds.includes(r.senderId))
      .map((r) => this.out(r));
  }
  async page(renewalId: string, after: string, limit: number) {
    return this.of(renewalId)
      .filter((r) => r.senderId > after)
      .slice(0, limit)
      .map((r) => this.out(r));
  }
  async get(renewalId: string, senderId: string) {
    const r = this.of(renewalId).find((x) => x.senderId === senderId);
    return r && this.out(r);
  }
  async find(renewalId: string, ref: string) {
    const r = this.of(renewalId).find((x) => x.senderId === ref || x.name === ref);
    return r && this.out(r);
  }
  async forwardedAt(renewalId: string, tenantIds?: readonly string[]) {
    return new Map(
      this.forwardings()
        .filter(
          (f) =>
            f.renewalId === renewalId &&
            f.state === 'forwarded' &&
            (!tenantIds || tenantIds.includes(f.tenantId)),
        )
        .map((f) => [f.tenantId, f.updatedAt]),
    );
  }
  async remindedSince(renewalId: string, since: string) {
    const out = new Map<string, string>();
    for (const s of this.steps()) {
      const sender = (s.evidence as { sender?: unknown } | null)?.sender;
      if (s.renewalId !== renewalId || s.kind !== 'remind' || s.at < since || typeof sender !== 'string')
        continue;
      if (s.at > (out.get(sender) ?? '')) out.set(sender, s.at);
    }
    return out;
  }
  async traffic(renewalId: string) {
    return this.of(renewalId).map((r) => ({
      readinessId: r.readinessId,
      sourceAddresses: [...r.sourceAddresses],
      traffic: r.traffic && { ...r.traffic },
    }));
  }
  async setTraffic(readinessId: string, traffic: StoredTraffic) {
    const r = this.rows.find((x) => x.readinessId === readinessId);
    if (r) r.traffic = { ...traffic };
  }
  async acknowledge(readinessId: string, state: ReadinessState, at: string) {
    const r = this.rows.find((x) => x.readinessId === readinessId);
    if (r) Object.assign(r, { state, updatedAt: at, acknowledgedAt: at });
  }
  async report(readinessId: string, p: Parameters<SenderFactsRepo['report']>[1]) {
    const r = this.rows.find((x) => x.readinessId === readinessId);
    if (!r) return;
    Object.assign(r, {
      state: p.state,
      evidence: structuredClone(p.evidence),
      reason: p.reason,
      updatedAt: p.at,
    });
    if (p.proof) r.proof = { ...p.proof };
    if (p.removal) r.removal = { ...p.removal };
  }
}

/** Steps recorded into the rows {@link FakeRenewalViews} reads back (ids minted in order). */
export class FakeStepLog implements StepLog {
  private minted = 0;

  constructor(private readonly rows: () => FakeRenewalViews['stepRows']) {}

  async add(step: NewStep) {
    this.minted += 1;
    const { renewalId, ...s } = structuredClone(step);
    this.rows().push({ id: `stp_${String(this.minted).padStart(8, '0')}`, renewalId, ...s });
  }
}
