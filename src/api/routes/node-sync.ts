/** Routes for data-plane nodes that pull their desired state (node token only). */
import { z } from '@hono/zod-openapi';
import type { CoordinatorEnv } from '../../coordinator/env.js';
import { desiredState, recordReport } from '../../coordinator/remote-nodes.js';
import type { ApiApp } from '../context.js';
import { op } from '../route.js';

const Credential = z.object({ credentialId: z.string(), sha256: z.string().nullable() });

/** Registers `GET /api/v1/node/desired-state` and `POST /api/v1/node/report`. */
export function registerNodeSyncRoutes(app: ApiApp, env: CoordinatorEnv): void {
  op(
    app,
    {
      method: 'get',
      path: '/api/v1/node/desired-state',
      summary:
        "What a pulling node should serve: its load balancer's virtual servers, active and staged credentials",
      tag: 'nodes',
      response: z.object({
        node: z.string(),
        clock: z.string(),
        virtualServers: z.array(
          z.object({
            name: z.string(),
            hosts: z.array(z.string()),
            listen: z.string(),
            active: Credential.nullable(),
            staged: Credential.extend({
              activateAt: z.string(),
              /** The renewal's rollback window (ms after T) and grace policy, as a stage request carries them. */
              validForMs: z.number().optional(),
              grace: z.boolean().optional(),
              /** The renewal's bridges to serve with it (forward from T until `until`, reverse until T). */
              bridges: z
                .object({ forwardPem: z.string(), until: z.string(), reversePem: z.string().optional() })
                .optional(),
            }).nullable(),
            /**
             * The source exceptions the coordinator wants here (per-sender grace): the whole table and the
             * automatic-fallback deadline; absent when it has sent none. The node applies them with its
             * slot and reports the table it applies.
             */
            exceptions: z
              .object({
                entries: z.array(
                  z.object({
                    cidr: z.string(),
                    serve: z.enum(['old', 'new']),
                    until: z.string().optional(),
                    auto: z.boolean().optional(),
                  }),
                ),
                autoUntil: z.string().nullable(),
                setAt: z.string(),
              })
              .optional(),
          }),
        ),
      }),
    },
    async (c) => desiredState(env, c.var.node),
  );
  op(
    app,
    {
      method: 'post',
      path: '/api/v1/node/report',
      summary: "A pulling node's status and handshake-failure telemetry",
      tag: 'nodes',
      body: z
        .object({
          status: z.object({ virtualServers: z.array(z.looseObject({ name: z.string() })) }).loose(),
          failures: z.array(z.unknown()).optional(),
        })
        .strict(),
      response: z.object({ recordedAt: z.string() }),
    },
    async (c, i) => recordReport(env, c.var.node, i.body),
  );
}
