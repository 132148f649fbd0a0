/** Routes for one-time sign-in links. */
import { z } from '@hono/zod-openapi';
import type { CoordinatorEnv } from '../../coordinator/env.js';
import { createSignInLink, redeemSignInLink } from '../../coordinator/sign-in-link.js';
import type { ApiApp } from '../context.js';
import { op } from '../route.js';
import { TokenSecret } from '../schemas.js';

/** The public path that redeems a link (listed among the app's public paths). */
export const SIGN_IN_LINK_REDEEM = '/api/v1/sessions/link';

/** Registers `POST /api/v1/sign-in-links` (lb-admin) and `POST /api/v1/sessions/link` (public). */
export function registerSignInLinkRoutes(app: ApiApp, env: CoordinatorEnv): void {
  op(
    app,
    {
      method: 'post',
      path: '/api/v1/sign-in-links',
      summary: 'A one-time sign-in link for a user (lb-admin)',
      tag: 'people',
      body: z.object({ user: z.string().min(1).max(128), expiresIn: z.string().max(16).optional() }).strict(),
      response: z.object({ url: z.string(), expiresAt: z.string().nullable() }),
      status: 201,
    },
    async (c, i) => createSignInLink(env, c.var.principal, i.body),
  );
  op(
    app,
    {
      method: 'post',
      path: SIGN_IN_LINK_REDEEM,
      summary: 'Use a one-time sign-in link: it is revoked and a 12-hour session token is returned',
      tag: 'people',
      body: z.object({ token: z.string().min(1).max(256) }).strict(),
      response: TokenSecret,
      status: 201,
      public: true,
    },
    async (_c, i) => redeemSignInLink(env, i.body.token),
  );
}
