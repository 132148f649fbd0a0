/** The sender kit of a renewal for signed-in people who may see it (sender admins, tenant admins…). */

import { kitFile } from '../../coordinator/renewal/kit-file.js';
import type { RenewalEnv } from '../../coordinator/renewal/ports.js';
import { visibleFacts } from '../../coordinator/renewal/views.js';
import type { ApiApp } from '../context.js';
import { problemFrom, problemResponse } from '../problem.js';

/** Registers `GET /api/v1/renewals/{id}/kit/{file}` (the same files the personal link serves). */
export function registerRenewalKitRoute(app: ApiApp, env: RenewalEnv): void {
  app.get('/api/v1/renewals/:id/kit/:file', async (c) => {
    try {
      const facts = await visibleFacts(env, c.var.principal, c.req.param('id'));
      const file = c.req.param('file');
      const kit = await kitFile(
        facts,
        file,
        new Date(env.clock.now()),
        `${env.publicUrl}/api/v1/renewals/${facts.renewal.id}/status.json`,
      );
      return c.body(typeof kit.content === 'string' ? kit.content : Buffer.from(kit.content), 200, {
        'content-type': kit.contentType,
        'content-disposition': `attachment; filename="${file}"`,
      });
    } catch (e) {
      return problemResponse(problemFrom(e));
    }
  });
}
