/**
 * The types every route module shares with the app that registers it: the per-request variables,
 * the app type and the optional ports. Routes import these, never ./app.ts (which imports every route).
 */
import type { OpenAPIHono } from '@hono/zod-openapi';
import type { Principal } from '../access/roles.js';
import type { NodeIdentity } from '../coordinator/credentials.js';

/** Variables the middleware puts on each request. */
export interface ApiEnv {
  Variables: { principal: Principal; node: NodeIdentity; clientAddress: string };
}

/** The app type routes are registered on. */
export type ApiApp = OpenAPIHono<ApiEnv>;

/** Optional capabilities the composition root provides. */
export interface ApiPorts {
  /** A consistent copy of the store as a file's bytes (SQLite online backup). */
  backup?: () => Promise<Uint8Array>;
  /** Where unexpected errors (answered as INTERNAL without details) are reported with their stack. */
  onUnexpected?: (e: unknown) => void;
}
