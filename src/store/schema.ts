/**
 * The store's tables as Kysely sees them. Portable types only (text, integer) so one migration set
 * serves SQLite and PostgreSQL: instants are ISO 8601 UTC text, lists and objects are JSON text,
 * private keys are AES-256-GCM sealed text (see ./seal.ts).
 */
import type { Generated } from 'kysely';

/** Key/value facts about the store itself (master-key check, audit head). */
export interface MetaTable {
  key: string;
  value: string;
}

/** A person or machine account. `organisation` is who they work for (provider or a customer). */
export interface UserTable {
  id: string;
  name: string;
  email: string | null;
  organisation: string;
  password_hash: string | null;
  created_at: string;
}

/** One role a user holds, globally or on one tenant/sender. */
export interface RoleBindingTable {
  id: string;
  user_id: string;
  role: string;
  /** '' for a global role, else the tenant or sender id the role is scoped to. */
  scope_id: string;
}

/** An API bearer token; only its SHA-256 is stored. */
export interface ApiTokenTable {
  id: string;
  user_id: string;
  name: string;
  token_hash: string;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
}

/** A one-time, expiring invitation for a tenant or sender admin of another organisation. */
export interface InvitationTable {
  id: string;
  token_hash: string;
  role: string;
  scope_id: string;
  organisation: string;
  email: string | null;
  created_by: string;
  created_at: string;
  expires_at: string;
  used_at: string | null;
}

/** A load balancer: a set of data-plane nodes of one kind. */
export interface LoadBalancerTable {
  id: string;
  name: string;
  kind: string;
  created_at: string;
}

/** One data-plane node of a load balancer. */
export interface LbNodeTable {
  id: string;
  lb_id: string;
  name: string;
  address: string;
  token_hash: string | null;
  created_at: string;
  /** Migration 0002: the node's control API URL and its bearer token, sealed. */
  control_url: string | null;
  control_token_sealed: string | null;
}

/** A virtual server: host names, listener, backends, active and staged credential. */
export interface VirtualServerTable {
  id: string;
  lb_id: string;
  name: string;
  hosts: string;
  listen: string;
  backends: string;
  active_credential_id: string | null;
  staged_credential_id: string | null;
  activate_at: string | null;
  preview_listen: string | null;
  created_at: string;
}

/** A certificate authority: a root or intermediate, with its key sealed (or none for an external root). */
export interface CaTable {
  id: string;
  name: string;
  certificate_pem: string;
  key_sealed: string | null;
  fingerprint: string;
  not_after: string;
  created_at: string;
}

/** A server credential: sealed private key plus certificate chain. */
export interface CredentialTable {
  id: string;
  name: string;
  chain_pem: string;
  root_pem: string;
  key_sealed: string;
  fingerprint: string;
  not_after: string;
  created_at: string;
}

/** A tenant served by a virtual server. */
export interface TenantTable {
  id: string;
  name: string;
  virtual_server_id: string | null;
  operating_model: string;
  customer_organisation: string;
  created_at: string;
}

/** A customer back-end sending to a tenant. */
export interface SenderTable {
  id: string;
  tenant_id: string;
  name: string;
  contacts: string;
  truststore_kind: string;
  source_addresses: string;
  client_cert_subject: string | null;
  created_at: string;
}

/** One exchange on one virtual server (filled by the renewal workflow). */
export interface RenewalTable {
  id: string;
  virtual_server_id: string;
  old_credential_id: string | null;
  new_credential_id: string | null;
  old_root_fingerprint: string | null;
  new_root_fingerprint: string | null;
  exchange_at: string | null;
  rollback_window_seconds: number;
  gate_policy: string;
  state: string;
  created_at: string;
  updated_at: string;
  /** Migration 0002 (renewal workflow): instants computed once at planning. */
  gate_at: string | null;
  postpone_deadline: string | null;
  safe_removal_at: string | null;
  /** Announcement sequence: 0 first, +1 per postpone (the .ics SEQUENCE). */
  sequence: Generated<number>;
  /** The last gate decision (JSON), and an lb-admin override (JSON {by, reason, at}). */
  gate: string | null;
  gate_override: string | null;
  /** Reminder instants (JSON array of ISO strings). */
  reminders: Generated<string>;
  /** Per-node handshake-failure counts per client taken at T (JSON), to count only failures after T. */
  failures_baseline: string | null;
  /** Migration 0004: readiness counts per state (JSON), kept with every readiness change. */
  readiness_counts: string | null;
  /** Migration 0006: the real exchange instant (T, or an override / "exchange now" after or before it). */
  exchanged_at: string | null;
  /** Migration 0006: the completion record (JSON {at, by, forced, reason, open}). */
  completion: string | null;
  /** Migration 0007: the bridge between the roots (JSON RenewalBridge), null when off. */
  bridge: string | null;
  /** Migration 0008: grace policy (off | unready; null on renewals planned before: off), its deadline, early (off | proven), autoGrace (on | off). */
  grace_policy: string | null;
  grace_until: string | null;
  early_policy: string | null;
  auto_grace: string | null;
  /** Migration 0009: 1 when the gate counts a handshake seen on the preview listener as readiness. */
  accept_observed: Generated<number>;
}

/** Further virtual servers one renewal exchanges at the same T. */
export interface RenewalVirtualServerTable {
  renewal_id: string;
  virtual_server_id: string;
}

/** A recorded workflow step: who did what, when, with which evidence. */
export interface StepTable {
  id: string;
  renewal_id: string;
  kind: string;
  role: string;
  actor: string;
  at: string;
  evidence: string;
}

/** Per-tenant forwarding of the announcement (seed step 3). */
export interface ForwardingTable {
  id: string;
  renewal_id: string;
  tenant_id: string;
  state: string;
  actor: string | null;
  updated_at: string;
  /** Migration 0002: the tenant admin's note passed on to the senders. */
  message: string | null;
}

/** Per-sender readiness: notified → acknowledged → verified → old root removed. */
export interface ReadinessTable {
  id: string;
  renewal_id: string;
  sender_id: string;
  state: string;
  evidence: string;
  updated_at: string;
  /** Migration 0002: handshake failures attributed to this sender after T, and why it fails. */
  failures_after_t: Generated<number>;
  reason: string | null;
  /** Migration 0006: when the sender acknowledged; its latest proof, its removal report, its handshakes (JSON). */
  acknowledged_at: string | null;
  proof: string | null;
  removal: string | null;
  traffic: string | null;
  /** Migration 0008: the grace the coordinator decided for this sender (JSON, see ports/grace.ts). */
  grace: string | null;
  /** Migration 0009: the latest handshake with the new credential seen on the preview listener from its addresses (JSON). */
  observed: string | null;
}

/** Transactional outbox row, retried until delivered. */
export interface NotificationTable {
  id: string;
  channel: string;
  recipient: string;
  subject: string;
  body: string;
  state: string;
  attempts: number;
  next_attempt_at: string;
  last_error: string | null;
  created_at: string;
  delivered_at: string | null;
  /** Migration 0002: unique per (step, recipient), so one step's message is written once. */
  idempotency_key: string | null;
  renewal_id: string | null;
}

/** A scheduled job (stage retries, post-T probes, window closing). */
export interface JobTable {
  id: string;
  kind: string;
  payload: string;
  run_at: string;
  state: string;
  attempts: number;
  locked_by: string | null;
  locked_until: string | null;
  /** Migration 0002: unique per scheduled duty, so re-arming a job is a no-op. */
  job_key: string | null;
  last_error: string | null;
}

/** Migration 0002: a node's acknowledgement of a renewal's staging, and its verification after T. */
export interface RenewalNodeTable {
  renewal_id: string;
  node_id: string;
  virtual_server_id: string;
  sequence: number;
  staged_ack_at: string | null;
  verified_at: string | null;
  served_sha256: string | null;
  last_error: string | null;
  /** Migration 0008: the source-exception table last sent and the node's answer (JSON, see ports/renewal-nodes.ts). */
  exceptions: string | null;
  /** Migration 0010: the TLS profile the node reported when it acknowledged staging. */
  tls_profile?: string | null;
  /** Migration 0012: the coordinator's own verification handshakes by source address (JSON). */
  probes?: string | null;
}

/** Migration 0002: a sender's personal, expiring link for one renewal (only its hash is stored). */
export interface SenderLinkTable {
  id: string;
  renewal_id: string;
  sender_id: string;
  token_hash: string;
  created_at: string;
  expires_at: string;
  revoked_at: string | null;
}

/** Migration 0002: per-tenant notification settings (webhook, auto-forward). */
export interface TenantSettingsTable {
  tenant_id: string;
  webhook_url: string | null;
  webhook_secret_sealed: string | null;
  auto_forward: Generated<number>;
  updated_at: string;
}

/** One append-only, hash-chained audit event. */
export interface AuditEventTable {
  seq: number;
  at: string;
  actor: string;
  role: string;
  organisation: string;
  action: string;
  target_kind: string;
  target_id: string;
  change: string;
  prev_hash: string;
  hash: string;
}

/** The latest report of a node that pulls its desired state (one row per node). */
/** The source exceptions wanted of a pulling node's virtual server (migration 0011). */
export interface PulledExceptionsTable {
  node_id: string;
  virtual_server: string;
  /** The whole table, JSON (null: none sent yet, only the fallback deadline). */
  entries: string | null;
  auto_until: string | null;
  set_at: string;
}

export interface NodeReportTable {
  node_id: string;
  reported_at: string;
  /** The node's DataPlaneStatus, JSON. */
  status: string;
  /** Handshake failures per client address, JSON. */
  failures: string;
}

/** Migration 0009: a client address the nodes saw handshaking before T, and whether it was graced. */
export interface RenewalClientTable {
  renewal_id: string;
  address: string;
  first_seen_at: string;
  last_seen_at: string;
  /** Completed handshakes on the main listener, as last counted. */
  handshakes: Generated<number>;
  /** When and by whom an lb-admin put it into the renewal's grace set ("grace them too"). */
  graced_at: string | null;
  graced_by: string | null;
}

/** Every table, by name. */
export interface Database {
  meta: MetaTable;
  users: UserTable;
  role_bindings: RoleBindingTable;
  api_tokens: ApiTokenTable;
  invitations: InvitationTable;
  load_balancers: LoadBalancerTable;
  lb_nodes: LbNodeTable;
  virtual_servers: VirtualServerTable;
  cas: CaTable;
  credentials: CredentialTable;
  tenants: TenantTable;
  senders: SenderTable;
  renewals: RenewalTable;
  renewal_virtual_servers: RenewalVirtualServerTable;
  steps: StepTable;
  forwardings: ForwardingTable;
  readiness: ReadinessTable;
  notifications: NotificationTable;
  jobs: JobTable;
  audit_events: AuditEventTable;
  renewal_nodes: RenewalNodeTable;
  sender_links: SenderLinkTable;
  tenant_settings: TenantSettingsTable;
  node_reports: NodeReportTable;
  pulled_exceptions: PulledExceptionsTable;
  renewal_clients: RenewalClientTable;
}
