/**
 * The unit of work: the ports, bound to one database or to one transaction of it. A use case that
 * writes several tables runs `store.transaction(async (tx) => …)` and writes only through `tx`; all of
 * it commits together or none of it does. Nested units join the outer one.
 */
import type { AuditLog } from './audit-log.js';
import type { ClientObservations } from './client-observations.js';
import type { CredentialRepo } from './credentials.js';
import type { GraceRepo } from './grace.js';
import type { InventoryRepo } from './inventory.js';
import type { JobQueue } from './job-queue.js';
import type { NodeReports } from './node-reports.js';
import type { Outbox } from './outbox.js';
import type { PeopleRepo } from './people.js';
import type { ReadinessRepo } from './readiness.js';
import type { ReadinessCounts } from './readiness-counts.js';
import type { RenewalNodes } from './renewal-nodes.js';
import type { RenewalViews } from './renewal-views.js';
import type { RenewalRepo } from './renewals.js';
import type { SecretBox } from './secrets.js';
import type { SenderFactsRepo } from './sender-facts.js';
import type { SenderLinks } from './sender-links.js';
import type { InstallationValues } from './settings.js';
import type { StepLog } from './steps.js';
import type { TenantSettingsRepo } from './tenant-settings.js';

/** Every persistence port the coordinator owns. */
export interface Ports {
  renewals: RenewalRepo;
  renewalNodes: RenewalNodes;
  readiness: ReadinessRepo;
  grace: GraceRepo;
  jobs: JobQueue;
  outbox: Outbox;
  people: PeopleRepo;
  senderLinks: SenderLinks;
  audit: AuditLog;
  inventory: InventoryRepo;
  credentials: CredentialRepo;
  clientObservations: ClientObservations;
  nodeReports: NodeReports;
  secrets: SecretBox;
  readinessCounts: ReadinessCounts;
  installation: InstallationValues;
  tenantSettings: TenantSettingsRepo;
  senderFacts: SenderFactsRepo;
  steps: StepLog;
  renewalViews: RenewalViews;
}

/** The name of a port. */
export type PortName = keyof Ports;

/** The ports `K` and a unit of work over them (what a use case declares it needs). */
export type StoreWith<K extends PortName> = Pick<Ports, K> & {
  /** Runs `fn` in one transaction: every write through `tx` commits together or not at all. */
  transaction<T>(fn: (tx: StoreWith<K>) => Promise<T>): Promise<T>;
};
