/** Node reports over SQL; the JSON the node sent is parsed here, once. */
import type { Kysely, Selectable } from 'kysely';
import type { NodeReport, NodeReports } from '../../coordinator/ports/node-reports.js';
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
  };
}
