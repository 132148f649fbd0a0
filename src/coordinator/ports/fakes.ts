/**
 * In-memory implementations of the coordinator's ports, for unit tests of the use cases. They keep
 * the contract the SQL implementations keep (test/coordinator/ports-contract.test.ts runs all three).
 * One fake per port lives in `fakes/`; this file is `FakeStore`, all of them as one unit of work, and
 * the one place tests take the fakes from.
 */
import { FakeRenewalViews } from './fake-renewal-views.js';
import { FakeAuditLog } from './fakes/audit-log.js';
import { FakeClientObservations, FakeObservedSender } from './fakes/client-observations.js';
import { FakeCredentials } from './fakes/credentials.js';
import { FakeGrace } from './fakes/grace.js';
import { FakeInstallationValues } from './fakes/installation-values.js';
import { FakeInventory } from './fakes/inventory.js';
import { FakeJob, FakeJobQueue } from './fakes/job-queue.js';
import { FakeNodeReports } from './fakes/node-reports.js';
import { FakeNotification, FakeOutbox } from './fakes/outbox.js';
import { FakePeople } from './fakes/people.js';
import { FakeReadiness, FakeReadinessRow } from './fakes/readiness.js';
import { FakeReadinessCounts } from './fakes/readiness-counts.js';
import { FakeRenewalNodes } from './fakes/renewal-nodes.js';
import { FakeRenewals } from './fakes/renewals.js';
import { FakeSecretBox } from './fakes/secret-box.js';
import { FakeSenderFacts, FakeSenderRecord } from './fakes/sender-facts.js';
import { FakeSenderLinks } from './fakes/sender-links.js';
import { FakeStepLog } from './fakes/steps.js';
import { FakeTenantSettings } from './fakes/tenant-settings.js';
import type { PortName, Ports, StoreWith } from './unit-of-work.js';

export { FakeAuditLog } from './fakes/audit-log.js';
export { FakeClientObservations, FakeObservedSender } from './fakes/client-observations.js';
export { FakeCredentials } from './fakes/credentials.js';
export { FakeGrace } from './fakes/grace.js';
export { FakeInstallationValues } from './fakes/installation-values.js';
export { FakeInventory } from './fakes/inventory.js';
export { FakeJob, FakeJobQueue } from './fakes/job-queue.js';
export { FakeNodeReports } from './fakes/node-reports.js';
export { FakeNotification, FakeOutbox } from './fakes/outbox.js';
export { FakePeople } from './fakes/people.js';
export { FakeReadiness, FakeReadinessRow } from './fakes/readiness.js';
export { FakeReadinessCounts } from './fakes/readiness-counts.js';
export { FakeRenewalNodes } from './fakes/renewal-nodes.js';
export { FakeRenewals } from './fakes/renewals.js';
export { FakeSecretBox } from './fakes/secret-box.js';
export { FakeSenderFacts, FakeSenderRecord } from './fakes/sender-facts.js';
export { FakeSenderLinks } from './fakes/sender-links.js';
export { FakeStepLog } from './fakes/steps.js';
export { FakeTenantSettings } from './fakes/tenant-settings.js';

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
