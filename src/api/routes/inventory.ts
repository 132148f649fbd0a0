/** Routes for load balancers, virtual servers, tenants and senders. */
import { z } from '@hono/zod-openapi';
import type { CoordinatorEnv } from '../../coordinator/env.js';
import * as inv from '../../coordinator/inventory.js';
import type { ApiApp } from '../context.js';
import { op } from '../route.js';
import {
  IdParam,
  LbCreate,
  LoadBalancer,
  Removed,
  Sender,
  SenderCreate,
  SenderImport,
  SenderPatch,
  SenderQuery,
  Tenant,
  TenantCreate,
  VirtualServer,
  VsCreate,
} from '../schemas.js';

/** Registers the inventory routes. */
export function registerInventoryRoutes(app: ApiApp, env: CoordinatorEnv): void {
  const P = '/api/v1';
  // load balancers
  op(
    app,
    {
      method: 'post',
      path: `${P}/lbs`,
      summary: 'Add a load balancer',
      tag: 'load balancers',
      body: LbCreate,
      response: LoadBalancer,
      status: 201,
    },
    async (c, i) => await inv.addLb(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/lbs`,
      summary: 'List load balancers',
      tag: 'load balancers',
      response: z.array(LoadBalancer),
    },
    async (c) => await inv.listLbs(env, c.var.principal),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/lbs/{id}`,
      summary: 'Show a load balancer',
      tag: 'load balancers',
      params: IdParam,
      response: LoadBalancer,
    },
    async (c, i) => await inv.showLb(env, c.var.principal, i.params.id),
  );
  op(
    app,
    {
      method: 'delete',
      path: `${P}/lbs/{id}`,
      summary: 'Remove a load balancer',
      tag: 'load balancers',
      params: IdParam,
      response: Removed,
    },
    async (c, i) => await inv.removeLb(env, c.var.principal, i.params.id),
  );
  // virtual servers
  op(
    app,
    {
      method: 'post',
      path: `${P}/virtual-servers`,
      summary: 'Add a virtual server',
      tag: 'virtual servers',
      body: VsCreate,
      response: VirtualServer,
      status: 201,
    },
    async (c, i) => await inv.addVs(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/virtual-servers`,
      summary: 'List virtual servers',
      tag: 'virtual servers',
      response: z.array(VirtualServer),
    },
    async (c) => await inv.listVs(env, c.var.principal),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/virtual-servers/{id}`,
      summary: 'Show a virtual server',
      tag: 'virtual servers',
      params: IdParam,
      response: VirtualServer,
    },
    async (c, i) => await inv.showVs(env, c.var.principal, i.params.id),
  );
  op(
    app,
    {
      method: 'delete',
      path: `${P}/virtual-servers/{id}`,
      summary: 'Remove a virtual server',
      tag: 'virtual servers',
      params: IdParam,
      response: Removed,
    },
    async (c, i) => await inv.removeVs(env, c.var.principal, i.params.id),
  );
  // tenants
  op(
    app,
    {
      method: 'post',
      path: `${P}/tenants`,
      summary: 'Add a tenant',
      tag: 'tenants',
      body: TenantCreate,
      response: Tenant,
      status: 201,
    },
    async (c, i) => await inv.addTenant(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/tenants`,
      summary: 'List the tenants you may see',
      tag: 'tenants',
      response: z.array(Tenant),
    },
    async (c) => await inv.listTenants(env, c.var.principal),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/tenants/{id}`,
      summary: 'Show a tenant',
      tag: 'tenants',
      params: IdParam,
      response: Tenant,
    },
    async (c, i) => await inv.showTenant(env, c.var.principal, i.params.id),
  );
  op(
    app,
    {
      method: 'delete',
      path: `${P}/tenants/{id}`,
      summary: 'Remove a tenant and its senders',
      tag: 'tenants',
      params: IdParam,
      response: Removed,
    },
    async (c, i) => await inv.removeTenant(env, c.var.principal, i.params.id),
  );
  // senders
  op(
    app,
    {
      method: 'post',
      path: `${P}/senders`,
      summary: 'Add a sender to a tenant',
      tag: 'senders',
      body: SenderCreate,
      response: Sender,
      status: 201,
    },
    async (c, i) => await inv.addSender(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/senders/import`,
      summary: 'Add many senders to a tenant, all or nothing',
      tag: 'senders',
      body: SenderImport,
      response: z.object({ tenantId: z.string(), imported: z.number(), senders: z.array(Sender) }),
      status: 201,
    },
    async (c, i) => await inv.importSenders(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/senders`,
      summary: 'List the senders you may see',
      tag: 'senders',
      query: SenderQuery,
      response: z.array(Sender),
    },
    async (c, i) => await inv.listSenders(env, c.var.principal, i.query.tenant),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/senders/{id}`,
      summary: 'Show a sender',
      tag: 'senders',
      params: IdParam,
      response: Sender,
    },
    async (c, i) => await inv.showSender(env, c.var.principal, i.params.id),
  );
  op(
    app,
    {
      method: 'patch',
      path: `${P}/senders/{id}`,
      summary: 'Change a sender',
      tag: 'senders',
      params: IdParam,
      body: SenderPatch,
      response: Sender,
    },
    async (c, i) => await inv.updateSender(env, c.var.principal, i.params.id, i.body),
  );
  op(
    app,
    {
      method: 'delete',
      path: `${P}/senders/{id}`,
      summary: 'Remove a sender',
      tag: 'senders',
      params: IdParam,
      response: Removed,
    },
    async (c, i) => await inv.removeSender(env, c.var.principal, i.params.id),
  );
}
