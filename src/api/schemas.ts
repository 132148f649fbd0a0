/**
 * The request and response schemas: the same zod objects validate requests and generate the OpenAPI
 * document. Request objects are strict: an unknown field is refused, not ignored.
 */
import { isIP } from 'node:net';
import { z } from '@hono/zod-openapi';
import { OPERATING_MODELS } from '../access/operating-model.js';
import { ROLES } from '../access/roles.js';
import { parseBlock } from '../shared/ip.js';
import { textProblem } from './contract/text.js';

export { textProblem } from './contract/text.js';

/** Free text people type (a reason, a message, a certificate subject): the one rule, 1–`max` characters. */
export function FreeText(max: number, multiline = false) {
  return z
    .string()
    .min(1)
    .max(max)
    .superRefine((s, ctx) => {
      const why = textProblem(s, multiline);
      if (why) ctx.addIssue({ code: 'custom', message: why });
    });
}

/** A name people type: 1–64 characters, letters, digits, space, dot, dash, underscore; no edge spaces. */
export const Name = z
  .string()
  .regex(
    /^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/,
    'use 1–64 letters, digits, spaces, dots, dashes or underscores',
  )
  .refine((s) => s === s.trim(), 'remove the leading or trailing spaces');

/** An id or a unique name. */
export const Ref = z.string().min(1).max(128);

const HOST = /^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/i;
/** A DNS host name (a leading wildcard allowed) or an IP address. */
export const Host = z
  .string()
  .max(253)
  .refine((s) => HOST.test(s) || isIP(s) !== 0, 'not a host name or IP address');

/** HOST:PORT (IPv6 in brackets). */
export const HostPort = z
  .string()
  .max(300)
  .regex(/^(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+):\d{1,5}$/i, 'write HOST:PORT, for example 0.0.0.0:443')
  .refine((s) => Number(s.slice(s.lastIndexOf(':') + 1)) <= 65535, 'the port must be 0–65535');

/** HOST:PORT someone connects to: port 0 ("any port" when listening) names no reachable port. */
export const ConnectHostPort = HostPort.refine(
  (s) => Number(s.slice(s.lastIndexOf(':') + 1)) >= 1,
  'port 0 is not an address anything can connect to: give the port the node listens on (1–65535)',
);

/** A backend: HOST:PORT or an http(s) URL. */
export const Backend = z
  .string()
  .max(2048)
  .refine(
    (s) => /^https?:\/\/[^\s]+$/i.test(s) || ConnectHostPort.safeParse(s).success,
    'write HOST:PORT or an http(s) URL',
  );

/** An IP address or CIDR range, IPv4 or IPv6, as src/shared/ip.ts reads it (no zone id). */
export const SourceAddress = z
  .string()
  .max(64)
  .refine((s) => s === s.trim() && parseBlock(s) !== undefined, 'not an IP address or CIDR range');

/** The truststore kinds a sender may have. */
export const TRUSTSTORE_KINDS = ['pem', 'pkcs12', 'jks', 'dir', 'os', 'unknown'] as const;

const Email = z.email().max(254);
const Duration = z.string().regex(/^([0-9]+(ms|d|h|m|s))+$|^P/i, 'write a duration such as 90d or 12h');

// ---- requests ------------------------------------------------------------------------------------

/** Body of POST /lbs. */
export const LbCreate = z
  .object({
    name: Name,
    kind: z.enum(['builtin', 'haproxy', 'nginx']),
    nodes: z
      .array(z.object({ name: Name, address: ConnectHostPort }).strict())
      .max(64)
      .optional(),
  })
  .strict()
  .openapi('LoadBalancerCreate');

/** Body of POST /virtual-servers. */
export const VsCreate = z
  .object({
    name: Name,
    lb: Ref,
    hosts: z.array(Host).min(1).max(100),
    listen: HostPort,
    backends: z.array(Backend).max(100),
    previewListen: HostPort.optional(),
  })
  .strict()
  .openapi('VirtualServerCreate');

/** Body of POST /tenants. */
export const TenantCreate = z
  .object({
    name: Name,
    virtualServer: Ref.optional(),
    operatingModel: z.enum(OPERATING_MODELS),
    customerOrganisation: Name,
  })
  .strict()
  .openapi('TenantCreate');

/** A sender's own fields. */
export const SenderFields = z
  .object({
    name: Name,
    contacts: z.array(Email).min(1).max(20),
    truststoreKind: z.enum(TRUSTSTORE_KINDS),
    sourceAddresses: z.array(SourceAddress).max(100).optional(),
    clientCertSubject: FreeText(512).optional(),
  })
  .strict()
  .openapi('SenderFields');

/** Body of POST /senders. */
export const SenderCreate = SenderFields.extend({ tenant: Ref }).strict().openapi('SenderCreate');

/** Body of PATCH /senders/{id}. */
export const SenderPatch = SenderFields.omit({ name: true }).partial().strict().openapi('SenderPatch');

/** Body of POST /senders/import. */
export const SenderImport = z
  .object({ tenant: Ref, senders: z.array(SenderFields).min(1).max(10_000) })
  .strict()
  .openapi('SenderImport');

const RoleRequest = z.object({ role: z.enum(ROLES), scope: Ref.optional() }).strict();

/** Body of POST /users. */
export const UserCreate = z
  .object({
    name: Name,
    email: Email.optional(),
    organisation: Name,
    password: z.string().min(12).max(1024).optional(),
    roles: z.array(RoleRequest).max(50),
  })
  .strict()
  .openapi('UserCreate');

/** Body of POST /tokens. */
export const TokenCreate = z
  .object({ name: Name, expiresIn: Duration.optional(), user: Ref.optional() })
  .strict()
  .openapi('TokenCreate');

/** Body of POST /sessions. */
export const SessionCreate = z
  .object({ name: z.string().min(1).max(64), password: z.string().min(1).max(1024) })
  .strict()
  .openapi('SessionCreate');

/** Body of POST /invitations. */
export const InvitationCreate = z
  .object({
    role: z.enum(ROLES),
    scope: Ref,
    organisation: Name,
    email: Email.optional(),
    expiresIn: Duration.optional(),
  })
  .strict()
  .openapi('InvitationCreate');

/** Body of POST /invitations/accept. */
export const InvitationAccept = z
  .object({
    token: z.string().min(1).max(256),
    name: Name,
    password: z.string().min(12).max(1024),
    email: Email.optional(),
  })
  .strict()
  .openapi('InvitationAccept');

/** Path parameter `{id}`. */
export const IdParam = z.object({ id: Ref.openapi({ param: { name: 'id', in: 'path' } }) });

/** Query of GET /senders. */
export const SenderQuery = z.object({
  tenant: Ref.optional().openapi({ param: { name: 'tenant', in: 'query' } }),
});

/** Query of GET /audit/events. */
export const AuditQuery = z.object({
  after: z.coerce
    .number()
    .int()
    .min(0)
    .optional()
    .openapi({ param: { name: 'after', in: 'query' } }),
  limit: z.coerce
    .number()
    .int()
    .min(1)
    .max(100_000)
    .optional()
    .openapi({ param: { name: 'limit', in: 'query' } }),
});

// ---- responses -----------------------------------------------------------------------------------

const Instant = z.string();

/** A load balancer. */
export const LoadBalancer = z
  .object({
    id: z.string(),
    name: z.string(),
    kind: z.string(),
    nodes: z.array(z.object({ id: z.string(), name: z.string(), address: z.string() })),
    createdAt: Instant,
  })
  .openapi('LoadBalancer');

/** A virtual server. */
export const VirtualServer = z
  .object({
    id: z.string(),
    name: z.string(),
    lbId: z.string(),
    hosts: z.array(z.string()),
    listen: z.string(),
    backends: z.array(z.string()),
    previewListen: z.string().nullable(),
    activeCredentialId: z.string().nullable(),
    stagedCredentialId: z.string().nullable(),
    activateAt: Instant.nullable(),
    createdAt: Instant,
  })
  .openapi('VirtualServer');

/** A tenant. */
export const Tenant = z
  .object({
    id: z.string(),
    name: z.string(),
    virtualServerId: z.string().nullable(),
    operatingModel: z.string(),
    customerOrganisation: z.string(),
    createdAt: Instant,
  })
  .openapi('Tenant');

/** A sender. */
export const Sender = z
  .object({
    id: z.string(),
    tenantId: z.string(),
    name: z.string(),
    contacts: z.array(z.string()),
    truststoreKind: z.string(),
    sourceAddresses: z.array(z.string()),
    clientCertSubject: z.string().nullable(),
    createdAt: Instant,
  })
  .openapi('Sender');

/** A user with roles. */
export const User = z
  .object({
    id: z.string(),
    name: z.string(),
    email: z.string().nullable(),
    organisation: z.string(),
    roles: z.array(z.object({ role: z.string(), scope: z.string().nullable() })),
    createdAt: Instant,
  })
  .openapi('User');

/** An API token's metadata. */
export const Token = z
  .object({
    id: z.string(),
    name: z.string(),
    userId: z.string(),
    createdAt: Instant,
    expiresAt: Instant.nullable(),
    revokedAt: Instant.nullable(),
  })
  .openapi('Token');

/** A token with its secret, shown once. */
export const TokenSecret = Token.extend({ token: z.string() }).openapi('TokenSecret');

/** An invitation as created (the secret and link shown once). */
export const Invitation = z
  .object({
    id: z.string(),
    role: z.string(),
    scope: z.string(),
    organisation: z.string(),
    expiresAt: Instant,
    token: z.string(),
    url: z.string(),
  })
  .openapi('Invitation');

/** The answer of a removal. */
export const Removed = z.object({ id: z.string(), removed: z.boolean() }).openapi('Removed');

/** The audit verdict. */
export const AuditVerdict = z
  .object({
    ok: z.boolean(),
    events: z.number(),
    head: z.object({ seq: z.number(), hash: z.string() }).optional(),
    problems: z.array(z.object({ seq: z.number(), kind: z.string(), message: z.string() })),
  })
  .openapi('AuditVerdict');

/** A problem+json error body. */
export const ProblemBody = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number(),
    code: z.string(),
    detail: z.string(),
  })
  .openapi('Problem');

const Pem = z.string().min(1).max(200_000);

/** Body of POST /credentials: PEM texts; the key unencrypted (it is sealed under the master key). */
export const CredentialCreate = z
  .object({ name: Name, chainPem: Pem, keyPem: Pem, rootPem: Pem, hosts: z.array(Host).max(100).optional() })
  .strict()
  .openapi('CredentialCreate');

/** A credential as shown to people: never its key. */
export const CredentialInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    fingerprint: z.string(),
    rootFingerprint: z.string(),
    hosts: z.array(z.string()),
    notAfter: Instant,
    createdAt: Instant,
  })
  .openapi('Credential');

/** A credential with its key, for an LB node. */
export const NodeCredential = z
  .object({ id: z.string(), name: z.string(), chainPem: z.string(), rootPem: z.string(), keyPem: z.string() })
  .openapi('NodeCredential');

/** Path parameters `{id}` and `{node}`. */
export const NodeParams = z.object({
  id: Ref.openapi({ param: { name: 'id', in: 'path' } }),
  node: Ref.openapi({ param: { name: 'node', in: 'path' } }),
});

/** Body of POST /cas. */
export const CaCreate = z
  .object({ name: Name, certificatePem: Pem, keyPem: Pem.optional() })
  .strict()
  .openapi('CaCreate');

/** A CA as shown: never its key. */
export const CaInfo = z
  .object({
    id: z.string(),
    name: z.string(),
    subject: z.string(),
    fingerprint: z.string(),
    selfSigned: z.boolean(),
    hasKey: z.boolean(),
    notAfter: Instant,
    createdAt: Instant,
  })
  .openapi('CertificateAuthority');
