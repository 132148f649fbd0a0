/** Routes for server credentials and node tokens; the key goes only to an authenticated LB node. */
import { z } from '@hono/zod-openapi';
import * as cas from '../../coordinator/authorities.js';
import * as creds from '../../coordinator/credentials.js';
import type { CoordinatorEnv } from '../../coordinator/env.js';
import type { ApiApp } from '../context.js';
import { op } from '../route.js';
import {
  CaCreate,
  CaInfo,
  CredentialCreate,
  CredentialInfo,
  IdParam,
  NodeCredential,
  NodeParams,
} from '../schemas.js';

/** Registers the CA and credential routes. */
export function registerCredentialRoutes(app: ApiApp, env: CoordinatorEnv): void {
  const P = '/api/v1';
  op(
    app,
    {
      method: 'post',
      path: `${P}/cas`,
      summary: 'Import a CA certificate (with its key, sealed at rest, or without for an external root)',
      tag: 'credentials',
      body: CaCreate,
      response: CaInfo,
      status: 201,
    },
    async (c, i) => cas.importCa(env, c.var.principal, i.body),
  );
  op(
    app,
    { method: 'get', path: `${P}/cas`, summary: 'List CAs', tag: 'credentials', response: z.array(CaInfo) },
    async (c) => cas.listCas(env, c.var.principal),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/cas/{id}`,
      summary: 'Show a CA',
      tag: 'credentials',
      params: IdParam,
      response: CaInfo,
    },
    async (c, i) => cas.showCa(env, c.var.principal, i.params.id),
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/credentials`,
      summary: 'Import a server credential (checked first; the key is sealed at rest)',
      tag: 'credentials',
      body: CredentialCreate,
      response: CredentialInfo,
      status: 201,
    },
    async (c, i) => creds.importCredential(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/credentials`,
      summary: 'List credentials (never their keys)',
      tag: 'credentials',
      response: z.array(CredentialInfo),
    },
    async (c) => creds.listCredentials(env, c.var.principal),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/credentials/{id}`,
      summary: 'Show a credential (never its key)',
      tag: 'credentials',
      params: IdParam,
      response: CredentialInfo,
    },
    async (c, i) => creds.showCredential(env, c.var.principal, i.params.id),
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/lbs/{id}/nodes/{node}/token`,
      summary: 'Issue the token a data-plane node authenticates with (replaces the previous one)',
      tag: 'load balancers',
      params: NodeParams,
      response: z.object({ nodeId: z.string(), lbId: z.string(), token: z.string() }),
      status: 201,
    },
    async (c, i) => creds.issueNodeToken(env, c.var.principal, i.params.id, i.params.node),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/node/credentials/{id}`,
      summary: 'A credential with its key, for a node of a load balancer that serves or stages it',
      tag: 'nodes',
      params: IdParam,
      response: NodeCredential,
    },
    async (c, i) => creds.credentialForNode(env, c.var.node, i.params.id),
  );
}
