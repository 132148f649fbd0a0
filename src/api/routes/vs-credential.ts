/** The route that gives a virtual server its first credential. */
import { z } from '@hono/zod-openapi';
import type { CoordinatorEnv } from '../../coordinator/env.js';
import { assignInitialCredential } from '../../coordinator/serve-credential.js';
import type { ApiApp } from '../context.js';
import { op } from '../route.js';
import { IdParam, VirtualServer } from '../schemas.js';

/** Registers `POST /api/v1/virtual-servers/{id}/credential`. */
export function registerVsCredentialRoutes(app: ApiApp, env: CoordinatorEnv): void {
  op(
    app,
    {
      method: 'post',
      path: '/api/v1/virtual-servers/{id}/credential',
      summary:
        'Set the credential a virtual server serves before any renewal (later changes go through a renewal)',
      tag: 'virtual servers',
      params: IdParam,
      body: z.object({ credentialId: z.string().min(1) }).strict(),
      response: VirtualServer,
    },
    async (c, i) => assignInitialCredential(env, c.var.principal, i.params.id, i.body.credentialId),
  );
}
