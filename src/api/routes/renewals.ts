/**
 * The renewal workflow's routes (seed steps 1–6) under /api/v1: plan, announce, forward, ack,
 * evidence, postpone, gate override, exchange now, rollback, complete, and the public status and
 * signed announcement. Node control endpoints and tenant notification settings are set here too.
 */
import { z } from '@hono/zod-openapi';
import { SenderEvidenceSchema } from '../../api/contract/evidence.js';
import { RenewalStatusSchema } from '../../api/contract/renewal-status.js';
import {
  CompletionSchema,
  RenewalStatusViewSchema,
  SenderStatusSchema,
  SenderTallySchema,
} from '../../api/contract/sender-status.js';
import { authenticate } from '../../coordinator/auth.js';
import { announceRenewal } from '../../coordinator/renewal/announce.js';
import { cancelRenewal } from '../../coordinator/renewal/cancel.js';
import { completeRenewal } from '../../coordinator/renewal/completion.js';
import { forwardRenewal } from '../../coordinator/renewal/forward.js';
import {
  exchangeNow,
  overrideGate,
  postponeRenewal,
  rollbackRenewal,
} from '../../coordinator/renewal/lifecycle.js';
import { resolveLink } from '../../coordinator/renewal/links.js';
import { setNodeControl } from '../../coordinator/renewal/nodes.js';
import { planRenewal } from '../../coordinator/renewal/plan.js';
import type { RenewalEnv } from '../../coordinator/renewal/ports.js';
import { acknowledge, recordEvidence } from '../../coordinator/renewal/readiness.js';
import { remindSenders } from '../../coordinator/renewal/remind.js';
import { renewalDetail } from '../../coordinator/renewal/renewal-detail.js';
import { setTenantNotify } from '../../coordinator/renewal/tenant-settings.js';
import { graceUnknownClients } from '../../coordinator/renewal/unknown-clients.js';
import { announcementJws, listRenewalSummaries, publicStatus } from '../../coordinator/renewal/views.js';
import { fail } from '../../shared/errors.js';
import type { ApiApp } from '../context.js';
import { problemFrom, problemResponse } from '../problem.js';
import { op } from '../route.js';
import { FreeText } from '../schemas.js';

const Sha = z.string().nullable();
const BridgeCert = z.object({ sha256: z.string(), notAfter: z.string(), issuer: z.string() });
const Counts = z.object({
  pending: z.number(),
  notified: z.number(),
  acknowledged: z.number(),
  verified: z.number(),
  failing: z.number(),
  'old-root-removed': z.number(),
});

/** A renewal in a list. */
export const RenewalSummary = z
  .object({
    id: z.string(),
    state: z.string(),
    /** The state refined by what happened (held-at-gate, completed-with-open-items…). */
    phase: RenewalStatusViewSchema.shape.phase,
    /** One line for lists, e.g. "completed with 2 senders failing". */
    headline: z.string(),
    exchangeAt: z.string().nullable(),
    virtualServers: z.array(z.object({ id: z.string(), name: z.string(), hosts: z.array(z.string()) })),
    newRootSha256: Sha,
    oldRootSha256: Sha,
    readiness: Counts,
  })
  .openapi('RenewalSummary');

/** One renewal with its steps, tenants, senders and nodes (scoped to the caller). */
export const RenewalDetail = RenewalSummary.extend({
  /** The real exchange instant (null before it). */
  exchangedAt: z.string().nullable(),
  /** The real exchange instant (or T before it) plus the rollback window. */
  safeRemovalAt: z.string().nullable(),
  /** What is true for the renewal now (derived): phase, held, actions, open items, steps per sender. */
  status: RenewalStatusViewSchema,
  tally: SenderTallySchema,
  completion: CompletionSchema.nullable(),
  /** Where `sender verify` proves the new root now: the preview listener before the exchange, the virtual server after. */
  prove: z.object({ url: z.string(), servername: z.string(), exchanged: z.boolean() }),
  /** Where a sender in grace proves it (its addresses are served the old credential): the preview listener. */
  proveInGrace: z.object({ url: z.string(), servername: z.string(), exchanged: z.boolean() }),
  gateAt: z.string().nullable(),
  postponeDeadline: z.string().nullable(),
  rollbackWindowSeconds: z.number(),
  gatePolicy: z.string(),
  /** The bridge between the roots and its deadline, or null when none is served. */
  bridge: z
    .object({
      mode: z.enum(['forward', 'both']),
      until: z.string(),
      forward: BridgeCert,
      reverse: BridgeCert.nullable(),
    })
    .nullable(),
  /** The gate counts evidence of kind `observed` (a preview handshake from a sender's address) as readiness. */
  acceptObserved: z.boolean(),
  /**
   * Addresses seen handshaking on the main listener in the days before T that match no sender of the
   * inventory, and whether an lb-admin graced them; null for callers who do not see every tenant.
   */
  unknownClients: z
    .object({
      headline: z.string(),
      clients: z.array(
        z.object({
          address: z.string(),
          firstSeenAt: z.string(),
          lastSeenAt: z.string(),
          handshakes: z.number(),
          graced: z.boolean(),
          gracedAt: z.string().nullable(),
          gracedBy: z.string().nullable(),
          note: z.string(),
        }),
      ),
      graceThem: z.object({ available: z.boolean(), reason: z.string() }),
    })
    .nullable(),
  sequence: z.number(),
  gate: z.object({
    decided: z.boolean(),
    decision: z.string(),
    notReady: z.array(z.string()),
    reason: z.string(),
    override: z.object({ by: z.string(), reason: z.string() }).optional(),
  }),
  steps: z.array(
    z.object({
      step: z.number().nullable(),
      kind: z.string(),
      role: z.string(),
      actor: z.string(),
      at: z.string(),
      detail: z.unknown(),
    }),
  ),
  tenants: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      operatingModel: z.string(),
      forwarded: z.boolean(),
      forwardedAt: z.string().nullable(),
      forwardedBy: z.string().nullable(),
    }),
  ),
  senders: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      tenantId: z.string(),
      state: z.string(),
      reason: z.string().optional(),
      updatedAt: z.string(),
      failuresAfterT: z.number(),
      /** What is true for this sender now (derived): every surface speaks from it. */
      status: SenderStatusSchema,
    }),
  ),
  nodes: z.array(
    z.object({
      id: z.string(),
      name: z.string(),
      stagedAckAt: z.string().nullable(),
      staging: z.object({ state: z.string(), text: z.string() }),
      verifiedAt: z.string().nullable(),
      servedSha256: z.string().nullable(),
      /** The TLS profile the node reported when it acknowledged staging (null: not reported). */
      tlsProfile: z.string().nullable().optional(),
      late: z.boolean(),
      lastError: z.string().nullable().optional(),
      /** The source exceptions last sent (whole tables) and the node's answer; null: none sent. */
      exceptions: z
        .object({
          /** applied; differs (the node reports another table); not-yet (its agent cannot); failed. */
          outcome: z.enum(['applied', 'differs', 'not-yet', 'failed']),
          detail: z.string().nullable(),
          sentAt: z.string(),
          entries: z.number(),
          /** Entries the node added by itself (automatic fallback). */
          autoEntries: z.number(),
        })
        .nullable(),
    }),
  ),
  announcementUrl: z.string(),
  statusUrl: z.string(),
}).openapi('RenewalDetail');

const PlanBody = z
  .object({
    virtualServerIds: z.array(z.string().min(1)).min(1),
    credentialId: z.string().min(1).optional(),
    credential: z
      .object({
        name: z.string().min(1).max(200),
        chainPem: z.string().min(1),
        keyPem: z.string().min(1),
        rootPem: z.string().min(1),
      })
      .strict()
      .optional()
      .describe('a credential to import with the plan; nothing is imported when the plan is refused'),
    issueFromCaId: z.string().min(1).optional(),
    exchangeAt: z.string().min(1),
    rollbackWindow: z.string().optional(),
    gate: z.enum(['block', 'warn']).optional(),
    bridge: z
      .enum(['off', 'forward', 'both'])
      .optional()
      .describe('serve a bridge between the roots: forward from T until bridgeUntil; both also before T'),
    bridgeUntil: z
      .string()
      .min(1)
      .optional()
      .describe('the bridge deadline: after T, never after the bridge or the old root expires'),
    bridgeForwardPem: z
      .string()
      .min(1)
      .optional()
      .describe('the forward bridge: `rollover ca cross-sign --ca OLD --subject-ca NEW`'),
    bridgeReversePem: z
      .string()
      .min(1)
      .optional()
      .describe('the reverse bridge (mode both): `rollover ca cross-sign --ca NEW --subject-ca OLD`'),
    grace: z
      .enum(['off', 'unready'])
      .optional()
      .describe(
        'unready (default): senders not proven keep the old credential after T until graceUntil; off: everyone switches at T (a renewal after a key compromise)',
      ),
    graceUntil: z
      .string()
      .min(1)
      .optional()
      .describe(
        "the grace deadline (RFC 3339): after T, not after the old certificate's notAfter minus one hour (default T + 7 days)",
      ),
    early: z
      .enum(['off', 'proven'])
      .optional()
      .describe('proven: proven senders get the new credential before T (default off)'),
    autoGrace: z
      .enum(['on', 'off'])
      .optional()
      .describe(
        'on (default with grace): built-in nodes put an address failing on the new credential into grace by themselves',
      ),
    acceptObserved: z
      .boolean()
      .optional()
      .describe(
        'count a handshake with the new credential seen on the preview listener from a sender address as readiness (evidence "observed"; default false: only proofs count)',
      ),
  })
  .strict();
const Id = z.object({ id: z.string().min(1) });
const ReadinessAnswer = z.object({
  senderId: z.string(),
  state: z.string(),
  reason: z.string().optional(),
  changed: z.boolean().optional(),
});

/** Registers the renewal routes. */
export function registerRenewalRoutes(app: ApiApp, env: RenewalEnv): void {
  const P = '/api/v1';
  const detail = (c: { var: { principal: Parameters<typeof renewalDetail>[1] } }, id: string) =>
    renewalDetail(env, c.var.principal, id);
  op(
    app,
    {
      method: 'post',
      path: `${P}/renewals`,
      summary: 'Plan a renewal (step 1)',
      tag: 'renewals',
      body: PlanBody,
      response: RenewalDetail,
      status: 201,
    },
    async (c, i) => detail(c, await planRenewal(env, c.var.principal, i.body)),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/renewals`,
      summary: 'Renewals you may see, summarised',
      tag: 'renewals',
      response: z.array(RenewalSummary),
    },
    async (c) => listRenewalSummaries(env, c.var.principal),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/renewals/{id}`,
      summary: 'One renewal: steps, gate, tenants, senders, nodes (scoped)',
      tag: 'renewals',
      params: Id,
      response: RenewalDetail,
    },
    async (c, i) => detail(c, i.params.id),
  );
  const action = (
    path: string,
    summary: string,
    body: z.ZodType | undefined,
    fn: (c: Parameters<Parameters<typeof op>[2]>[0], id: string, body: never) => Promise<unknown>,
  ) =>
    op(
      app,
      {
        method: 'post',
        path: `${P}/renewals/{id}/${path}`,
        summary,
        tag: 'renewals',
        params: Id,
        ...(body ? { body } : {}),
        response: RenewalDetail,
      },
      async (c, i) => {
        await fn(c, i.params.id, i.body as never);
        return detail(c, i.params.id);
      },
    );
  action(
    'unknown-clients/grace',
    'Grace them too: unknown clients seen before T keep the old certificate until the grace deadline (lb-admin)',
    z
      .object({
        addresses: z
          .array(z.string().min(1).max(64))
          .max(10_000)
          .optional()
          .describe('the unknown clients to grace (default: every one not graced yet)'),
      })
      .strict(),
    (c, id, b: { addresses?: string[] }) => graceUnknownClients(env, c.var.principal, id, b.addresses),
  );
  action(
    'announce',
    'Announce: stage on every node at T, notify the tenant admins (step 2)',
    undefined,
    (c, id) => announceRenewal(env, c.var.principal, id),
  );
  action(
    'forward',
    "Forward to the tenant's senders (step 3)",
    z.object({ tenantId: z.string().min(1), message: FreeText(4000, true).optional() }).strict(),
    (c, id, b: { tenantId: string; message?: string }) =>
      forwardRenewal(env, c.var.principal, id, b.tenantId, b.message),
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/renewals/{id}/remind`,
      summary:
        "Remind senders now whose admin has the next move (a tenant's, or the given ones); not twice within 15 minutes",
      tag: 'renewals',
      params: Id,
      body: z
        .object({
          tenantId: z.string().min(1).optional(),
          senderIds: z.array(z.string().min(1)).min(1).max(1000).optional(),
        })
        .strict(),
      response: z.object({
        reminded: z.array(z.string()),
        skipped: z.array(z.object({ senderId: z.string(), reason: z.string() })),
      }),
    },
    async (c, i) => remindSenders(env, c.var.principal, i.params.id, i.body),
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/renewals/{id}/ack`,
      summary: 'Acknowledge for a sender (step 4)',
      tag: 'renewals',
      params: Id,
      body: z.object({ senderId: z.string().min(1) }).strict(),
      response: ReadinessAnswer,
    },
    async (c, i) => acknowledge(env, { principal: c.var.principal }, i.params.id, i.body.senderId),
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/renewals/{id}/evidence`,
      summary:
        'Readiness evidence or a root-removal record (a sender-admin token or the personal link token)',
      tag: 'renewals',
      params: Id,
      body: SenderEvidenceSchema as unknown as z.ZodType,
      response: ReadinessAnswer,
    },
    async (c, i) => {
      const h = c.req.header('authorization') ?? '';
      const bearer = /^Bearer\s+(\S+)$/i.exec(h)?.[1];
      const caller = bearer?.startsWith('rlk_')
        ? { link: await resolveLink(env, bearer) }
        : { principal: c.var.principal ?? (await authenticate(env, bearer)) };
      return recordEvidence(env, caller, i.params.id, i.body as never);
    },
  );
  action(
    'postpone',
    'Postpone T: re-stage and re-announce; refused after the cut-off',
    z.object({ exchangeAt: z.string().min(1) }).strict(),
    (c, id, b: { exchangeAt: string }) => postponeRenewal(env, c.var.principal, id, b.exchangeAt),
  );
  action(
    'gate/override',
    'Let a blocked gate through, with a reason (lb-admin)',
    z.object({ reason: FreeText(2000, true) }).strict(),
    (c, id, b: { reason: string }) => overrideGate(env, c.var.principal, id, b.reason),
  );
  action(
    'exchange',
    'Exchange now on every node (step 5)',
    z.object({ now: z.literal(true) }).strict(),
    (c, id) => exchangeNow(env, c.var.principal, id),
  );
  action('rollback', 'Roll back every node, until T plus the rollback window', undefined, (c, id) =>
    rollbackRenewal(env, c.var.principal, id),
  );
  action(
    'complete',
    'Complete a retiring renewal (step 6); with open items only with {force: true, reason} (OPEN_ITEMS otherwise)',
    z
      .object({ force: z.boolean().optional(), reason: z.string().min(1).max(2000).optional() })
      .strict()
      .optional(),
    (c, id, b: { force?: boolean; reason?: string } | undefined) =>
      completeRenewal(env, c.var.principal, id, b ?? {}),
  );
  action(
    'cancel',
    'Cancel before the exchange: unstage on every node, tell everyone who was told (lb-admin, with a reason)',
    z.object({ reason: FreeText(2000, true) }).strict(),
    (c, id, b: { reason: string }) => cancelRenewal(env, c.var.principal, id, b.reason),
  );
  op(
    app,
    {
      method: 'get',
      path: `${P}/renewals/{id}/status.json`,
      summary:
        "Public status for truststore remove --renewal-status (no secrets); ?sender=ID adds that sender's removal verdict",
      tag: 'renewals',
      params: Id,
      query: z.object({ sender: z.string().min(1).max(128).optional() }),
      response: RenewalStatusSchema as unknown as z.ZodType,
      public: true,
    },
    async (_c, i) => publicStatus(env, i.params.id, i.query?.sender),
  );
  app.get(`${P}/renewals/:id/announcement.jws`, async (c) => {
    try {
      return c.body(await announcementJws(env, c.req.param('id')), 200, {
        'content-type': 'application/jose',
      });
    } catch (e) {
      return problemResponse(problemFrom(e));
    }
  });
  op(
    app,
    {
      method: 'post',
      path: `${P}/lbs/{id}/nodes/{node}/control`,
      summary: "Where a node's control API is, and its token (sealed at rest)",
      tag: 'load balancers',
      params: z.object({ id: z.string(), node: z.string() }),
      body: z.object({ url: z.string().min(1), token: z.string().min(16) }).strict(),
      response: z.object({ nodeId: z.string(), controlUrl: z.string() }),
    },
    async (c, i) =>
      setNodeControl(env, c.var.principal, i.params.id, i.params.node, i.body.url, i.body.token),
  );
  op(
    app,
    {
      method: 'post',
      path: `${P}/tenants/{id}/notify`,
      summary: "A tenant's webhook (HMAC-signed) and auto-forward policy",
      tag: 'tenants',
      params: Id,
      body: z
        .object({
          webhookUrl: z.string().min(1).max(2048).nullable().optional(),
          webhookSecret: z.string().min(16).optional(),
          autoForward: z.boolean().optional(),
        })
        .strict(),
      response: z.object({
        tenantId: z.string(),
        webhookUrl: z.string().nullable(),
        autoForward: z.boolean(),
      }),
    },
    async (c, i) => setTenantNotify(env, c.var.principal, i.params.id, i.body),
  );
  void fail;
}
