/**
 * The API's request and response shapes as TypeScript types, inferred from the zod schemas that
 * validate requests and generate /api/openapi.json. Types only: clients (the web UI) import them with
 * `import type`, so no server code reaches a bundle.
 */
import type { z } from '@hono/zod-openapi';
import type * as s from './schemas.js';

/** A load balancer with its nodes. */
export type LoadBalancer = z.infer<typeof s.LoadBalancer>;
/** A virtual server. */
export type VirtualServer = z.infer<typeof s.VirtualServer>;
/** A tenant. */
export type Tenant = z.infer<typeof s.Tenant>;
/** A sender. */
export type Sender = z.infer<typeof s.Sender>;
/** A user with roles (also GET /me). */
export type User = z.infer<typeof s.User>;
/** An API token's metadata. */
export type Token = z.infer<typeof s.Token>;
/** A token with its secret, shown once (sign-in, token create). */
export type TokenSecret = z.infer<typeof s.TokenSecret>;
/** An invitation as created. */
export type Invitation = z.infer<typeof s.Invitation>;
/** A CA (never its key). */
export type CertificateAuthority = z.infer<typeof s.CaInfo>;
/** A credential (never its key). */
export type CredentialInfo = z.infer<typeof s.CredentialInfo>;
/** The audit verdict. */
export type AuditVerdict = z.infer<typeof s.AuditVerdict>;
/** A problem+json error body. */
export type Problem = z.infer<typeof s.ProblemBody>;

/** Body of POST /lbs. */
export type LbCreate = z.input<typeof s.LbCreate>;
/** Body of POST /virtual-servers. */
export type VsCreate = z.input<typeof s.VsCreate>;
/** Body of POST /tenants. */
export type TenantCreate = z.input<typeof s.TenantCreate>;
/** Body of POST /senders. */
export type SenderCreate = z.input<typeof s.SenderCreate>;
/** Body of PATCH /senders/{id}. */
export type SenderPatch = z.input<typeof s.SenderPatch>;
/** Body of POST /senders/import. */
export type SenderImport = z.input<typeof s.SenderImport>;
/** Body of POST /users. */
export type UserCreate = z.input<typeof s.UserCreate>;
/** Body of POST /tokens. */
export type TokenCreate = z.input<typeof s.TokenCreate>;
/** Body of POST /sessions. */
export type SessionCreate = z.input<typeof s.SessionCreate>;
/** Body of POST /invitations. */
export type InvitationCreate = z.input<typeof s.InvitationCreate>;
/** Body of POST /invitations/accept. */
export type InvitationAccept = z.input<typeof s.InvitationAccept>;
/** Body of POST /credentials. */
export type CredentialCreate = z.input<typeof s.CredentialCreate>;
/** Body of POST /cas. */
export type CaCreate = z.input<typeof s.CaCreate>;

/** A sender's derived status and the renewal-level status, as the API serves them. */
export type { RenewalStatusViewJson, SenderStatusJson } from './contract/sender-status.js';
