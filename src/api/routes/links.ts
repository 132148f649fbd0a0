/**
 * Personal sender links (no account): the page's facts, the sender kit files, acknowledgement and
 * evidence. An unknown, expired or superseded link answers 410 LINK_INVALID.
 */
import { z } from '@hono/zod-openapi';
import { SenderEvidenceSchema } from '../../api/contract/evidence.js';
import { notFound } from '../../coordinator/env.js';
import { resolveLink } from '../../coordinator/renewal/links.js';
import { loadFacts } from '../../coordinator/renewal/model.js';
import type { RenewalEnv } from '../../coordinator/renewal/ports.js';
import { acknowledge, recordEvidence } from '../../coordinator/renewal/readiness.js';
import { linkPage } from '../../coordinator/renewal/views.js';
import { readOneCertificate } from '../../pki/certificate.js';
import { buildKit, DEFAULT_STORE_PASSWORD, KIT_FILES } from '../../pki/kit.js';
import type { ApiApp } from '../app.js';
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
      return acknowledge(env, { link }, link.renewal_id, link.sender_id);
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
      return recordEvidence(env, { link }, link.renewal_id, i.body as never);
    },
  );
  app.get(`${P}/:token/kit/:file`, async (c) => {
    try {
      const link = await resolveLink(env, c.req.param('token'));
      const file = c.req.param('file') as (typeof KIT_FILES)[number];
      if (!(KIT_FILES as readonly string[]).includes(file)) notFound('kit file', file);
      const f = await loadFacts(env.store, link.renewal_id, false);
      const kit = await buildKit({
        root: readOneCertificate(f.newCred.root_pem, 'root'),
        ...(f.oldCred ? { oldRoot: readOneCertificate(f.oldCred.root_pem, 'root') } : {}),
        password: DEFAULT_STORE_PASSWORD,
        now: new Date(env.clock.now()),
      });
      const content = kit.files[file];
      const type =
        file.endsWith('.txt') || file.endsWith('.md') || file.endsWith('.pem')
          ? 'text/plain; charset=utf-8'
          : 'application/octet-stream';
      return c.body(typeof content === 'string' ? content : Buffer.from(content), 200, {
        'content-type': type,
        'content-disposition': `attachment; filename="${file}"`,
      });
    } catch (e) {
      return problemResponse(problemFrom(e));
    }
  });
}
