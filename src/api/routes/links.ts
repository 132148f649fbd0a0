/**
 * Personal sender links (no account): the page's facts, the sender kit files, acknowledgement and
 * evidence. An unknown, expired or superseded link answers 410 LINK_INVALID.
 */
import { z } from '@hono/zod-openapi';
import { SenderEvidenceSchema } from '../../api/contract/evidence.js';
import { kitFile } from '../../coordinator/renewal/kit-file.js';
import { resolveLink } from '../../coordinator/renewal/links.js';
import { loadFacts } from '../../coordinator/renewal/model.js';
import type { RenewalEnv } from '../../coordinator/renewal/ports.js';
import { acknowledge, recordEvidence } from '../../coordinator/renewal/readiness.js';
import { linkPage, publicStatus } from '../../coordinator/renewal/views.js';
import type { ApiApp } from '../context.js';
import { RenewalStatusSchema } from '../contract/renewal-status.js';
import { problemFrom, problemResponse } from '../problem.js';
import { op } from '../route.js';

const Token = z.object({ token: z.string().min(1) });

/** Registers the link routes (public: the link is the credential). */
export function registerLinkRoutes(app: ApiApp, env: RenewalEnv): void {
  const P = '/api/v1/links';
  op(
    app,
    {
      method: 'get',
      path: `${P}/{token}`,
      summary: "A sender's personal page",
      tag: 'links',
      params: Token,
      response: z.object({}).passthrough(),
      public: true,
    },
    async (_c, i) => linkPage(env, await resolveLink(env, i.params.token)),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/{token}/status.json`,
      summary:
        "The renewal status with this sender's removal verdict, for truststore remove --renewal-status",
      tag: 'links',
      params: Token,
      response: RenewalStatusSchema as unknown as z.ZodType,
      public: true,
    },
    async (_c, i) => {
      const link = await resolveLink(env, i.params.token);
      return publicStatus(env, link.renewalId, link.senderId);
    },
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/{token}/ack`,
      summary: 'Acknowledge through the personal link',
      tag: 'links',
      params: Token,
      response: z.object({}).passthrough(),
      public: true,
    },
    async (_c, i) => {
      const link = await resolveLink(env, i.params.token);
      return acknowledge(env, { link }, link.renewalId, link.senderId);
    },
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/{token}/evidence`,
      summary: 'Upload evidence through the personal link',
      tag: 'links',
      params: Token,
      body: SenderEvidenceSchema as unknown as z.ZodType,
      response: z.object({}).passthrough(),
      public: true,
    },
    async (_c, i) => {
      const link = await resolveLink(env, i.params.token);
      return recordEvidence(env, { link }, link.renewalId, i.body as never);
    },
  );
  app.get(`${P}/:token/kit/:file`, async (c) => {
    try {
      const link = await resolveLink(env, c.req.param('token'));
      const file = c.req.param('file');
      const kit = await kitFile(
        await loadFacts(env.store, link.renewalId, false),
        file,
        new Date(env.clock.now()),
        `${env.publicUrl}/api/v1/renewals/${link.renewalId}/status.json`,
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
