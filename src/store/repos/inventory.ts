/** The inventory over SQL: rows mapped to domain values, JSON columns parsed here and only here. */
import type { Kysely, Selectable } from 'kysely';
import type { OperatingModel } from '../../access/operating-model.js';
import type {
  InventoryRepo,
  LbNode,
  LoadBalancer,
  Sender,
  SenderContacts,
  Tenant,
  VirtualServer,
} from '../../coordinator/ports/inventory.js';
import { getRow, insertRow, insertRows, listRows, removeRow, rowByIdOrName, updateRow } from '../entities.js';
import type {
  Database,
  LbNodeTable,
  LoadBalancerTable,
  SenderTable,
  TenantTable,
  VirtualServerTable,
} from '../schema.js';

const list = (json: string) => JSON.parse(json) as string[];

/** A load balancer row as the domain value. */
export function toLoadBalancer(r: Selectable<LoadBalancerTable>): LoadBalancer {
  return { id: r.id, name: r.name, kind: r.kind, createdAt: r.created_at };
}

/** A node row as the domain value (without its token hash or control secrets). */
export function toLbNode(r: Selectable<LbNodeTable>): LbNode {
  return {
    id: r.id,
    lbId: r.lb_id,
    name: r.name,
    address: r.address,
    controlUrl: r.control_url,
    createdAt: r.created_at,
  };
}

/** A virtual server row as the domain value. */
export function toVirtualServer(r: Selectable<VirtualServerTable>): VirtualServer {
  return {
    id: r.id,
    lbId: r.lb_id,
    name: r.name,
    hosts: list(r.hosts),
    listen: r.listen,
    backends: list(r.backends),
    previewListen: r.preview_listen,
    activeCredentialId: r.active_credential_id,
    stagedCredentialId: r.staged_credential_id,
    activateAt: r.activate_at,
    createdAt: r.created_at,
  };
}

/** A tenant row as the domain value. */
export function toTenant(r: Selectable<TenantTable>): Tenant {
  return {
    id: r.id,
    name: r.name,
    virtualServerId: r.virtual_server_id,
    operatingModel: r.operating_model as OperatingModel,
    customerOrganisation: r.customer_organisation,
    createdAt: r.created_at,
  };
}

/** A sender row as the domain value. */
export function toSender(r: Selectable<SenderTable>): Sender {
  return {
    id: r.id,
    tenantId: r.tenant_id,
    name: r.name,
    contacts: list(r.contacts),
    truststoreKind: r.truststore_kind,
    sourceAddresses: list(r.source_addresses),
    clientCertSubject: r.client_cert_subject,
    createdAt: r.created_at,
  };
}

const senderRow = (s: Omit<Sender, 'id'>) => ({
  tenant_id: s.tenantId,
  name: s.name,
  contacts: JSON.stringify(s.contacts),
  truststore_kind: s.truststoreKind,
  source_addresses: JSON.stringify(s.sourceAddresses),
  client_cert_subject: s.clientCertSubject,
  created_at: s.createdAt,
});

const byLb = (lbId: string | undefined) =>
  lbId === undefined ? undefined : { column: 'lb_id', values: [lbId] };

/** The inventory on `db`. */
export function sqlInventory(db: Kysely<Database>): InventoryRepo {
  return {
    async loadBalancerByRef(ref) {
      const r = await rowByIdOrName(db, 'load_balancers', ref);
      return r && toLoadBalancer(r);
    },
    async loadBalancers() {
      return (await listRows(db, 'load_balancers')).map(toLoadBalancer);
    },
    async nodes(lbId) {
      return (await listRows(db, 'lb_nodes', byLb(lbId))).map(toLbNode);
    },
    async addLoadBalancer(lb) {
      return toLoadBalancer(
        await insertRow(db, 'load_balancers', { name: lb.name, kind: lb.kind, created_at: lb.createdAt }),
      );
    },
    async addNode(n) {
      return toLbNode(
        await insertRow(db, 'lb_nodes', {
          lb_id: n.lbId,
          name: n.name,
          address: n.address,
          token_hash: null,
          control_url: null,
          control_token_sealed: null,
          created_at: n.createdAt,
        }),
      );
    },
    async removeLoadBalancer(id) {
      await db.deleteFrom('lb_nodes').where('lb_id', '=', id).execute();
      await removeRow(db, 'load_balancers', id);
    },

    async node(id) {
      const r = await getRow(db, 'lb_nodes', id);
      return r && toLbNode(r);
    },
    async nodeControls(nodeIds) {
      if (nodeIds.length === 0) return [];
      const rows = await db
        .selectFrom('lb_nodes')
        .select(['id', 'name', 'control_url', 'control_token_sealed'])
        .where('id', 'in', [...new Set(nodeIds)])
        .orderBy('id')
        .execute();
      return rows.map((r) => ({
        id: r.id,
        name: r.name,
        controlUrl: r.control_url,
        controlTokenSealed: r.control_token_sealed,
      }));
    },
    async setNodeControl(nodeId, controlUrl, controlTokenSealed) {
      await updateRow(db, 'lb_nodes', nodeId, {
        control_url: controlUrl,
        control_token_sealed: controlTokenSealed,
      });
    },
    async nodeByRef(lbId, ref) {
      const rows = await db
        .selectFrom('lb_nodes')
        .selectAll()
        .where('lb_id', '=', lbId)
        .where((eb) => eb.or([eb('id', '=', ref), eb('name', '=', ref)]))
        .execute();
      const r = rows.find((n) => n.id === ref) ?? rows[0];
      return r && toLbNode(r);
    },
    async nodeByTokenHash(tokenHash) {
      const r = await db
        .selectFrom('lb_nodes')
        .selectAll()
        .where('token_hash', '=', tokenHash)
        .executeTakeFirst();
      return r && toLbNode(r);
    },
    async setNodeTokenHash(nodeId, tokenHash) {
      await updateRow(db, 'lb_nodes', nodeId, { token_hash: tokenHash });
    },
    async lbUsesCredential(lbId, credentialId) {
      const uses = await db
        .selectFrom('virtual_servers')
        .select('id')
        .where('lb_id', '=', lbId)
        .where((eb) =>
          eb.or([
            eb('active_credential_id', '=', credentialId),
            eb('staged_credential_id', '=', credentialId),
          ]),
        )
        .execute();
      return uses.length > 0;
    },

    async virtualServerByRef(ref) {
      const r = await rowByIdOrName(db, 'virtual_servers', ref);
      return r && toVirtualServer(r);
    },
    async virtualServers(lbId) {
      return (await listRows(db, 'virtual_servers', byLb(lbId))).map(toVirtualServer);
    },
    async virtualServersByIds(ids) {
      return (await listRows(db, 'virtual_servers', { column: 'id', values: ids })).map(toVirtualServer);
    },
    async addVirtualServer(vs) {
      return toVirtualServer(
        await insertRow(db, 'virtual_servers', {
          lb_id: vs.lbId,
          name: vs.name,
          hosts: JSON.stringify(vs.hosts),
          listen: vs.listen,
          backends: JSON.stringify(vs.backends),
          active_credential_id: vs.activeCredentialId,
          staged_credential_id: vs.stagedCredentialId,
          activate_at: vs.activateAt,
          preview_listen: vs.previewListen,
          created_at: vs.createdAt,
        }),
      );
    },
    async setActiveCredential(vsId, credentialId) {
      await updateRow(db, 'virtual_servers', vsId, { active_credential_id: credentialId });
    },
    async updateVirtualServer(vsId, change) {
      const set: Partial<
        Record<'active_credential_id' | 'staged_credential_id' | 'activate_at', string | null>
      > = {};
      if (change.activeCredentialId !== undefined) set.active_credential_id = change.activeCredentialId;
      if (change.stagedCredentialId !== undefined) set.staged_credential_id = change.stagedCredentialId;
      if (change.activateAt !== undefined) set.activate_at = change.activateAt;
      if (Object.keys(set).length > 0) await updateRow(db, 'virtual_servers', vsId, set);
    },
    async removeVirtualServer(id) {
      await removeRow(db, 'virtual_servers', id);
    },

    async tenantByRef(ref) {
      const r = await rowByIdOrName(db, 'tenants', ref);
      return r && toTenant(r);
    },
    async tenants() {
      return (await listRows(db, 'tenants')).map(toTenant);
    },
    async tenantsOf(virtualServerIds, only) {
      const rows =
        only === undefined
          ? await listRows(db, 'tenants', { column: 'virtual_server_id', values: virtualServerIds })
          : (await listRows(db, 'tenants', { column: 'id', values: only })).filter((t) =>
              virtualServerIds.includes(t.virtual_server_id ?? ''),
            );
      return rows.map(toTenant);
    },
    async addTenant(t) {
      return toTenant(
        await insertRow(db, 'tenants', {
          name: t.name,
          virtual_server_id: t.virtualServerId,
          operating_model: t.operatingModel,
          customer_organisation: t.customerOrganisation,
          created_at: t.createdAt,
        }),
      );
    },
    async removeTenant(id) {
      await removeRow(db, 'tenants', id);
    },

    async sender(id) {
      const r = await getRow(db, 'senders', id);
      return r && toSender(r);
    },
    async senders(tenantId) {
      const filter = tenantId === undefined ? undefined : { column: 'tenant_id', values: [tenantId] };
      return (await listRows(db, 'senders', filter)).map(toSender);
    },
    async addSenders(senders) {
      return (await insertRows(db, 'senders', senders.map(senderRow))).map(toSender);
    },
    async updateSender(id, c) {
      await updateRow(db, 'senders', id, {
        contacts: c.contacts && JSON.stringify(c.contacts),
        truststore_kind: c.truststoreKind,
        source_addresses: c.sourceAddresses && JSON.stringify(c.sourceAddresses),
        client_cert_subject: c.clientCertSubject,
      });
    },
    async removeSender(id) {
      await removeRow(db, 'senders', id);
    },
    async claimedAddresses(exceptTenantId) {
      const rows = await db
        .selectFrom('senders')
        .select(['tenant_id', 'source_addresses'])
        .where('tenant_id', '!=', exceptTenantId)
        .orderBy('id')
        .execute();
      return rows.map((r) => ({ tenantId: r.tenant_id, ranges: list(r.source_addresses) }));
    },
    senderContacts: (senderIds) => contactsWhere(db, 'id', senderIds),
    tenantSenderContacts: (tenantIds) => contactsWhere(db, 'tenant_id', tenantIds),
  };
}

/** The contacts of the senders whose `column` is one of `values` (asked in batches), by sender id. */
async function contactsWhere(
  db: Kysely<Database>,
  column: 'id' | 'tenant_id',
  values: readonly string[],
): Promise<SenderContacts[]> {
  const out: SenderContacts[] = [];
  for (let i = 0; i < values.length; i += 1000) {
    const rows = await db
      .selectFrom('senders')
      .select(['id', 'contacts'])
      .where(column, 'in', values.slice(i, i + 1000))
      .orderBy('id')
      .execute();
    out.push(...rows.map((r) => ({ senderId: r.id, contacts: list(r.contacts) })));
  }
  return values.length > 1000 ? out.sort((a, b) => (a.senderId < b.senderId ? -1 : 1)) : out;
}
