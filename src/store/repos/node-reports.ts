/** Node reports over SQL; the JSON the node sent is parsed here, once. */
import type { Kysely, Selectable } from 'kysely';
import type { NodeReport, NodeReports, PulledExceptions } from '../../coordinator/ports/node-reports.js';
import type { Database, NodeReportTable } from '../schema.js';

/** A report row as the domain value. */
export function toNodeReport(r: Selectable<NodeReportTable>): NodeReport {
  return {
    nodeId: r.node_id,
    reportedAt: r.reported_at,
    status: JSON.parse(r.status) as NodeReport['status'],
    failures: JSON.parse(r.failures) as NodeReport['failures'],
  };
}

/** Node reports on `db`. */
export function sqlNodeReports(db: Kysely<Database>): NodeReports {
  return {
    async latest(nodeId) {
      const r = await db
        .selectFrom('node_reports')
        .selectAll()
        .where('node_id', '=', nodeId)
        .executeTakeFirst();
      return r && toNodeReport(r);
    },
    async record(nodeId, at, report, failureList) {
      const status = JSON.stringify(report);
      const failures = JSON.stringify(failureList);
      const updated = await db
        .updateTable('node_reports')
        .set({ reported_at: at, status, failures })
        .where('node_id', '=', nodeId)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await db
          .insertInto('node_reports')
          .values({ node_id: nodeId, reported_at: at, status, failures })
          .execute();
      }
    },
    async wantExceptions(nodeId, virtualServer, change, at) {
      const set = {
        set_at: at,
        ...(change.entries !== undefined
          ? { entries: change.entries === null ? null : JSON.stringify(change.entries) }
          : {}),
        ...(change.autoUntil !== undefined ? { auto_until: change.autoUntil } : {}),
      };
      const updated = await db
        .updateTable('pulled_exceptions')
        .set(set)
        .where('node_id', '=', nodeId)
        .where('virtual_server', '=', virtualServer)
        .executeTakeFirst();
      if (Number(updated.numUpdatedRows) === 0) {
        await db
          .insertInto('pulled_exceptions')
          .values({ node_id: nodeId, virtual_server: virtualServer, entries: null, auto_until: null, ...set })
          .execute();
      }
    },
    async wantedExceptions(nodeId) {
      const rows = await db
        .selectFrom('pulled_exceptions')
        .selectAll()
        .where('node_id', '=', nodeId)
        .execute();
      const out: Record<string, PulledExceptions> = {};
      for (const r of rows)
        out[r.virtual_server] = {
          entries: r.entries ? (JSON.parse(r.entries) as PulledExceptions['entries']) : null,
          autoUntil: r.auto_until,
          setAt: r.set_at,
        };
      return out;
    },
  };
}
