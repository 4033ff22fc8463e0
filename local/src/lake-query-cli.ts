/**
 * npm run lake:query -- <named-query>   runs one of the analytics workgroup's named queries
 * npm run lake:query                    lists them
 *
 * Against the running `npm run dev` (it writes .local/platform.json): the query, the Glue
 * tables and the lake's objects are read from its engines; DuckDB runs the SQL
 * (lake-query.ts).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { namedQueries, runNamedQuery, type LakeTarget } from './lake-query';

const root = join(__dirname, '..', '..');

async function targetOf(): Promise<LakeTarget> {
  const file = join(root, '.local', 'platform.json');
  if (!existsSync(file)) throw new Error('The platform is not running: start it with `npm run dev` first');
  const { controlUrl } = JSON.parse(readFileSync(file, 'utf8')) as { controlUrl: string };
  const get = async <T>(path: string) => (await (await fetch(`${controlUrl}${path}`)).json()) as T;
  const info = await get<{ engines: { moto: string } }>('/_local/info');
  const resources = await get<{ type: string; physicalId: string }[]>('/_local/resources');
  const workGroup = resources.find((r) => r.type === 'AWS::Athena::WorkGroup')?.physicalId;
  if (!workGroup)
    throw new Error('The running platform has no Athena workgroup (is services/analytics packaged?)');
  return { endpoint: info.engines.moto, workGroup };
}

/** The rows as an aligned text table. */
function table(columns: string[], rows: Record<string, unknown>[]): string {
  const cells = [columns, ...rows.map((r) => columns.map((c) => String(r[c] ?? '')))];
  const widths = columns.map((_c, i) => Math.max(...cells.map((row) => row[i]!.length)));
  const line = (row: string[]) => row.map((v, i) => v.padEnd(widths[i]!)).join('  ');
  return [line(columns), widths.map((w) => '-'.repeat(w)).join('  '), ...cells.slice(1).map(line)].join('\n');
}

async function main() {
  const target = await targetOf();
  const name = process.argv[2];
  if (!name) {
    for (const q of await namedQueries(target))
      process.stdout.write(`${q.name.padEnd(28)} ${q.description ?? ''}\n`);
    return;
  }
  const r = await runNamedQuery(target, name);
  process.stdout.write(
    `-- ${r.query.name} (workgroup ${target.workGroup}, database ${r.query.database}); objects read: ${JSON.stringify(r.objects)}\n`,
  );
  process.stdout.write(`${table(r.columns, r.rows)}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).message}\n`);
  process.exit(1);
});
