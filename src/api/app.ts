/**
 * The HTTP API: hono + zod-openapi under /api/v1, bearer authentication, problem+json errors from
 * one table, body size limits, strict request schemas, and the OpenAPI document generated from the
 * same schemas at /api/openapi.json. `buildApi` is pure wiring: it gets the coordinator environment
 * and returns a fetch handler; src/main/server.ts puts it on a socket.
 */

import { getConnInfo } from '@hono/node-server/conninfo';
import { OpenAPIHono } from '@hono/zod-openapi';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { authenticate } from '../coordinator/auth.js';
import { authenticateNode } from '../coordinator/credentials.js';
import type { CoordinatorEnv } from '../coordinator/env.js';
import { hasRenewal } from '../coordinator/renewal/ports.js';
import { assertJsonDepth } from '../shared/json-depth.js';
import { clientAddressOf } from './client-address.js';
import type { ApiApp, ApiEnv, ApiPorts } from './context.js';
import { problem, problemFrom, problemResponse } from './problem.js';
import { registerAuditRoutes } from './routes/audit.js';
import { registerCredentialRoutes } from './routes/credentials.js';
import { registerEventRoutes } from './routes/events.js';
import { registerExpiryRoutes } from './routes/expiry.js';
import { registerInventoryRoutes } from './routes/inventory.js';
import { registerJwksRoute } from './routes/jwks.js';
import { registerLinkRoutes } from './routes/links.js';
import { registerNodeSyncRoutes } from './routes/node-sync.js';
import { registerPeopleRoutes } from './routes/people.js';
import { registerRenewalKitRoute } from './routes/renewal-kit.js';
import { registerRenewalRoutes } from './routes/renewals.js';
import { registerSignInLinkRoutes, SIGN_IN_LINK_REDEEM } from './routes/sign-in-links.js';
import { registerVsCredentialRoutes } from './routes/vs-credential.js';
import { webUi } from './web.js';

export type { ApiApp, ApiEnv, ApiPorts };

/** The largest JSON body accepted (a sender import of 10 000 rows fits). */
export const MAX_BODY_BYTES = 2 * 1024 * 1024;

/** Paths under /api/v1 that take no bearer token. */
const PUBLIC = new Set(['/api/v1/sessions', '/api/v1/invitations/accept', SIGN_IN_LINK_REDEEM]);
/** Public renewal paths: the status, the signed announcement, and personal links (the link is the key). */
const PUBLIC_PATTERNS = [
  /^\/api\/v1\/renewals\/[^/]+\/(status\.json|announcement\.jws)$/,
  /^\/api\/v1\/links\//,
];
/** Evidence may come with a personal link token (`rlk_…`) instead of a user token. */
const LINK_TOKEN_PATH = /^\/api\/v1\/renewals\/[^/]+\/evidence$/;

/** Builds the API app. */
export function buildApi(env: CoordinatorEnv, ports: ApiPorts = {}): ApiApp {
  const app: ApiApp = new OpenAPIHono<ApiEnv>({
    defaultHook: (result) => {
      if (!result.success) {
        // Say where and why, never echo the values (they may be secrets).
        const issues = result.error.issues.map((i) => ({
          path: i.path.join('.'),
          message: i.code === 'unrecognized_keys' ? `unknown field(s): ${i.keys.join(', ')}` : i.message,
        }));
        const first = issues[0];
        // An instant that is not RFC 3339 or not on the calendar keeps its own code (src/shared/time.ts).
        const time = result.error.issues.find(
          (i) => i.code === 'custom' && (i as { params?: { code?: string } }).params?.code === 'BAD_TIME',
        );
        if (time) {
          return problemResponse(
            problem('BAD_TIME', `invalid request: ${time.path.join('.')}: ${time.message}`, { issues }),
          );
        }
        return problemResponse(
          problem(
            'BAD_ARGUMENT',
            `invalid request: ${first ? `${first.path || 'body'}: ${first.message}` : 'rejected'}`,
            {
              issues,
            },
          ),
        );
      }
    },
  });

  app.onError((e) => {
    if (e instanceof HTTPException) {
      if (e.status === 413) {
        return problemResponse(problem('BODY_TOO_LARGE', 'the request body is too large'), {
          connection: 'close',
        });
      }
      return problemResponse(problem('BAD_ARGUMENT', `malformed request: ${e.message || 'unreadable body'}`));
    }
    const p = problemFrom(e);
    if (p.code === 'INTERNAL') ports.onUnexpected?.(e);
    const headers: Record<string, string> = {};
    if (p.code === 'RATE_LIMITED' && typeof p.retryAfterSeconds === 'number') {
      headers['retry-after'] = String(p.retryAfterSeconds);
    }
    if (p.code === 'UNAUTHENTICATED') headers['www-authenticate'] = 'Bearer realm="rollover"';
    return problemResponse(p, headers);
  });
  app.notFound(() => problemResponse(problem('NOT_FOUND', 'no such route')));

  app.get('/healthz', (c) => c.json({ ok: true }));
  app.use('*', webUi()); // the web UI and its client routes; never /api/*, /healthz, /.well-known/*, /metrics

  app.use(
    '/api/*',
    bodyLimit({
      maxSize: MAX_BODY_BYTES,
      // Close the connection: the unread rest of the body must not be taken for the next request.
      onError: () =>
        problemResponse(
          problem('BODY_TOO_LARGE', `the request body is larger than ${MAX_BODY_BYTES} bytes`),
          {
            connection: 'close',
          },
        ),
    }),
  );
  // Nesting is bounded before any parse, for every body: a deep one would overflow the stack later.
  app.use('/api/*', async (c, next) => {
    if (
      c.req.method !== 'GET' &&
      c.req.method !== 'HEAD' &&
      /json/i.test(c.req.header('content-type') ?? '')
    ) {
      assertJsonDepth(await c.req.text());
    }
    await next();
  });
  app.use('/api/v1/*', async (c, next) => {
    let addr = 'unknown';
    try {
      addr = getConnInfo(c).remote.address ?? 'unknown';
    } catch {
      // In-process requests (app.request) have no socket.
    }
    c.set('clientAddress', clientAddressOf(addr, c.req.header('x-forwarded-for'), env.trustedProxies));
    const h = c.req.header('authorization');
    const bearer = h ? /^Bearer\s+(\S+)$/i.exec(h)?.[1] : undefined;
    // Node routes take a node token only; every other non-public route takes a user token only.
    if (c.req.path.startsWith('/api/v1/node/')) c.set('node', await authenticateNode(env, bearer));
    else if (PUBLIC_PATTERNS.some((r) => r.test(c.req.path))) {
      // public
    } else if (LINK_TOKEN_PATH.test(c.req.path) && bearer?.startsWith('rlk_')) {
      // the evidence route checks the link itself
    } else if (!PUBLIC.has(c.req.path)) c.set('principal', await authenticate(env, bearer));
    await next();
  });

  app.openAPIRegistry.registerComponent('securitySchemes', 'bearer', { type: 'http', scheme: 'bearer' });
  // Without the workflow's ports (an environment built without renewal settings) its routes are absent.
  if (hasRenewal(env)) {
    const renewalEnv = env;
    registerRenewalRoutes(app, renewalEnv);
    registerLinkRoutes(app, renewalEnv);
    registerRenewalKitRoute(app, renewalEnv);
    registerEventRoutes(app, renewalEnv);
    registerExpiryRoutes(app, renewalEnv);
    registerJwksRoute(app, renewalEnv);
  }
  registerPeopleRoutes(app, env);
  registerInventoryRoutes(app, env);
  registerVsCredentialRoutes(app, env);
  registerSignInLinkRoutes(app, env);
  registerNodeSyncRoutes(app, env);
  registerCredentialRoutes(app, env);
  registerAuditRoutes(app, env, ports);

  app.doc('/api/openapi.json', {
    openapi: '3.0.3',
    info: {
      title: 'rollover coordinator API',
      version: '1',
      description: 'Renew a load balancer certificate under a new CA root without breaking a single client.',
    },
  });
  return app;
}
