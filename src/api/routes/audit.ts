/** Routes for the audit log and the backup. */
import { z } from '@hono/zod-openapi';
import { can } from '../../access/can.js';
import { auditEvents, auditVerify } from '../../coordinator/audit-log.js';
import { type CoordinatorEnv, forbidden } from '../../coordinator/env.js';
import { fail } from '../../shared/errors.js';
import type { ApiApp, ApiPorts } from '../context.js';
import { defineRoute, op } from '../route.js';
import { AuditQuery, AuditVerdict } from '../schemas.js';

/** Registers the audit and backup routes. */
export function registerAuditRoutes(app: ApiApp, env: CoordinatorEnv, ports: ApiPorts): void {
  const P = '/api/v1';
  op(
    app,
    {
      method: 'get',
      path: `${P}/audit/verify`,
      summary: 'Verify the audit hash chain',
      tag: 'audit',
      response: AuditVerdict,
    },
    async (c) => auditVerify(env, c.var.principal),
  );
  // JSON lines: one event per line, so an export of any size streams into files and tools.
  app.openapi(
    defineRoute({
      method: 'get',
      path: `${P}/audit/events`,
      summary: 'Export audit events as JSON lines',
      tag: 'audit',
      query: AuditQuery,
      response: z.string(),
    }),
    // biome-ignore lint/suspicious/noExplicitAny: the response is text, not the typed JSON of the route
    (async (c: any) => {
      const q = c.req.valid('query') as z.infer<typeof AuditQuery>;
      const events = await auditEvents(env, c.var.principal, q.after ?? 0, q.limit ?? 100_000);
      const body = events.map((e) => `${JSON.stringify(e)}\n`).join('');
      return c.body(body, 200, { 'content-type': 'application/x-ndjson' });
    }) as never,
  );
  app.openapi(
    defineRoute({
      method: 'get',
      path: `${P}/backup`,
      summary: 'Download a consistent copy of the SQLite store',
      tag: 'backup',
      response: z.string(),
    }),
    // biome-ignore lint/suspicious/noExplicitAny: the response is a file, not the typed JSON of the route
    (async (c: any) => {
      if (
        !can(c.var.principal, 'read', { kind: 'backup' }) ||
        !can(c.var.principal, 'create', { kind: 'backup' })
      ) {
        forbidden('download backups');
      }
      if (!ports.backup) {
        fail(
          'NOT_YET',
          'the online backup is for the SQLite store; back up PostgreSQL with pg_dump (see docs/api.md)',
        );
      }
      const bytes = await ports.backup();
      return c.body(bytes, 200, { 'content-type': 'application/vnd.sqlite3' });
    }) as never,
  );
}
