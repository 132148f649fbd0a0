/** Load balancers, nodes, virtual servers, tenants and senders in memory: a fake of the port for unit tests (see ../fakes.ts). */
import { fail } from '../../../shared/errors.js';
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
} from '../inventory.js';
import { byId } from './rows.js';

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
