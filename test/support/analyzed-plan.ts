import { CompiledQuery, type Kysely } from 'kysely';

interface PlanNode {
  'Node Type': string;
  'Relation Name'?: string;
  'Shared Hit Blocks': number;
  'Shared Read Blocks': number;
  Plans?: PlanNode[];
}

/**
 * Runs a statement under EXPLAIN (ANALYZE, BUFFERS): the pages it touched (its functions' queries
 * included) and every scan it made. A statement that writes is rolled back (`rollBack`).
 */
export async function analyzedPlan<DB>(
  db: Kysely<DB>,
  query: { sql: string; parameters: readonly unknown[] },
  options: { rollBack?: boolean } = {},
): Promise<{ pages: number; scans: string[] }> {
  return db.connection().execute(async (connection) => {
    if (options.rollBack) await connection.executeQuery(CompiledQuery.raw('begin'));
    try {
      const { rows } = await connection.executeQuery<{ 'QUERY PLAN': [{ Plan: PlanNode }] }>(
        CompiledQuery.raw(`explain (analyze, buffers, format json) ${query.sql}`, [...query.parameters]),
      );
      const plan = rows[0]!['QUERY PLAN'][0].Plan;
      const scans: string[] = [];
      const visit = (node: PlanNode) => {
        if (node['Relation Name']) scans.push(`${node['Node Type']} on ${node['Relation Name']}`);
        node.Plans?.forEach(visit);
      };
      visit(plan);
      return { pages: plan['Shared Hit Blocks'] + plan['Shared Read Blocks'], scans };
    } finally {
      if (options.rollBack) await connection.executeQuery(CompiledQuery.raw('rollback'));
    }
  });
}
