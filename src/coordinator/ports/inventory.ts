/**
 * The inventory as domain values: load balancers and their nodes, virtual servers, tenants, senders
 * and the source addresses senders claim (JSON columns parsed once, by the store's row mappers).
 */
import type { OperatingModel } from '../../access/operating-model.js';

/** A load balancer. */
export interface LoadBalancer {
  id: string;
  name: string;
  kind: string;
  createdAt: string;
}

/** A data-plane node of a load balancer (its secrets are not part of it). */
export interface LbNode {
  id: string;
  lbId: string;
  name: string;
  address: string;
  /** Where its control API is (http(s)://…, or pull://ID for a node that pulls), when known. */
  controlUrl: string | null;
  createdAt: string;
}

/**
 * Where a node's control API is and the token it takes, sealed (SecretBox, context `node-control:ID`):
 * what the workflow opens to drive the node, and nothing else of it.
 */
export interface NodeControlRecord {
  id: string;
  name: string;
  controlUrl: string | null;
  controlTokenSealed: string | null;
}

/** A virtual server: host names, listener, backends, the credential served and the one staged. */
export interface VirtualServer {
  id: string;
  lbId: string;
  name: string;
  hosts: string[];
  listen: string;
  backends: string[];
  previewListen: string | null;
  activeCredentialId: string | null;
  stagedCredentialId: string | null;
  activateAt: string | null;
  createdAt: string;
}

/** What the renewal workflow changes of a virtual server: the credential served, the one staged, and when it switches. */
export type VirtualServerChange = Partial<
  Pick<VirtualServer, 'activeCredentialId' | 'stagedCredentialId' | 'activateAt'>
>;

/** A tenant of a virtual server. */
export interface Tenant {
  id: string;
  name: string;
  virtualServerId: string | null;
  operatingModel: OperatingModel;
  customerOrganisation: string;
  createdAt: string;
}

/** A customer back-end sending to a tenant. */
export interface Sender {
  id: string;
  tenantId: string;
  name: string;
  contacts: string[];
  truststoreKind: string;
  sourceAddresses: string[];
  clientCertSubject: string | null;
  createdAt: string;
}

/** What may change of a sender. */
export type SenderChange = Partial<Pick<Sender, 'contacts' | 'truststoreKind' | 'sourceAddresses'>> & {
  clientCertSubject?: string | undefined;
};

/** A new object: everything but the id, which the store mints. */
export type New<T> = Omit<T, 'id'>;

/**
 * Reading and writing the inventory. Lists are ordered by id. `…ByRef` finds by id, else by the
 * unique name, in one query either way (a miss costs what a hit costs). Adding a duplicate name is
 * NAME_TAKEN; removing what is still referenced is STILL_IN_USE.
 */
export interface InventoryRepo {
  loadBalancerByRef(ref: string): Promise<LoadBalancer | undefined>;
  loadBalancers(): Promise<LoadBalancer[]>;
  /** The nodes of one load balancer, or of all. */
  nodes(lbId?: string): Promise<LbNode[]>;
  addLoadBalancer(lb: New<LoadBalancer>): Promise<LoadBalancer>;
  addNode(node: Omit<New<LbNode>, 'controlUrl'>): Promise<LbNode>;
  node(id: string): Promise<LbNode | undefined>;
  /** Removes a load balancer with its nodes. */
  removeLoadBalancer(id: string): Promise<void>;
  /** A node of a load balancer by id, else by name. */
  nodeByRef(lbId: string, ref: string): Promise<LbNode | undefined>;
  /** The node holding a token, by the token's SHA-256. */
  nodeByTokenHash(tokenHash: string): Promise<LbNode | undefined>;
  /** Sets (or replaces) the hash of the token a node authenticates with. */
  setNodeTokenHash(nodeId: string, tokenHash: string): Promise<void>;
  /** The control records of the nodes with these ids, ordered by id (an unknown id is left out). */
  nodeControls(nodeIds: readonly string[]): Promise<NodeControlRecord[]>;
  /** Records where a node's control API is and its token, sealed (SecretBox, context `node-control:ID`). */
  setNodeControl(nodeId: string, controlUrl: string, controlTokenSealed: string): Promise<void>;
  /** Whether a virtual server of the load balancer serves or stages the credential. */
  lbUsesCredential(lbId: string, credentialId: string): Promise<boolean>;

  virtualServerByRef(ref: string): Promise<VirtualServer | undefined>;
  /** The virtual servers of one load balancer, or of all. */
  virtualServers(lbId?: string): Promise<VirtualServer[]>;
  /** The virtual servers with these ids, ordered by id (an unknown id is left out). */
  virtualServersByIds(ids: readonly string[]): Promise<VirtualServer[]>;
  addVirtualServer(vs: New<VirtualServer>): Promise<VirtualServer>;
  /** Sets the credential a virtual server serves. */
  setActiveCredential(vsId: string, credentialId: string): Promise<void>;
  /** Changes the given credential fields of a virtual server (staging, exchange, rollback, cancel). */
  updateVirtualServer(vsId: string, change: VirtualServerChange): Promise<void>;
  removeVirtualServer(id: string): Promise<void>;

  tenantByRef(ref: string): Promise<Tenant | undefined>;
  tenants(): Promise<Tenant[]>;
  /** The tenants of these virtual servers (only those with the ids `only`, when given), ordered by id. */
  tenantsOf(virtualServerIds: readonly string[], only?: readonly string[]): Promise<Tenant[]>;
  addTenant(t: New<Tenant>): Promise<Tenant>;
  removeTenant(id: string): Promise<void>;

  sender(id: string): Promise<Sender | undefined>;
  /** The senders of one tenant, or of all. */
  senders(tenantId?: string): Promise<Sender[]>;
  /** Adds senders, all or nothing within the caller's unit of work. */
  addSenders(senders: ReadonlyArray<New<Sender>>): Promise<Sender[]>;
  /** Changes the given fields of a sender. */
  updateSender(id: string, change: SenderChange): Promise<void>;
  removeSender(id: string): Promise<void>;
  /** The source addresses claimed by the senders of every tenant but `tenantId`, per sender. */
  claimedAddresses(exceptTenantId: string): Promise<Array<{ tenantId: string; ranges: string[] }>>;
  /** These senders' contacts, by sender id (an unknown id is left out). */
  senderContacts(senderIds: readonly string[]): Promise<SenderContacts[]>;
  /** The contacts of every sender of these tenants, by sender id. */
  tenantSenderContacts(tenantIds: readonly string[]): Promise<SenderContacts[]>;
}

/** Where a sender is told: its contacts' mail addresses. */
export interface SenderContacts {
  senderId: string;
  contacts: string[];
}
