/** The expiry watch (`GET /api/v1/expiry`) and the coordinator's Prometheus metrics (`GET /metrics`). */
import { z } from '@hono/zod-openapi';
import { expiryWatch, renewalMetrics } from '../../coordinator/renewal/expiry.js';
import type { RenewalEnv } from '../../coordinator/renewal/ports.js';
import type { ApiApp } from '../context.js';
import { op } from '../route.js';

/** Registers the expiry watch and metrics routes. */
export function registerExpiryRoutes(app: ApiApp, env: RenewalEnv): void {
  op(
    app,
    {
      method: 'get',
      path: '/api/v1/expiry',
      summary: 'Expiry watch per virtual server: expiries, latest safe T, proposal',
      tag: 'renewals',
      response: z.array(z.object({}).passthrough()),
    },
    async (c) => expiryWatch(env, c.var.principal),
  );
  const registry = renewalMetrics(env);
  app.get('/metrics', async (c) =>
    c.body(await registry.metrics(), 200, { 'content-type': registry.contentType }),
  );
}
