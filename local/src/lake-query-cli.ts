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

async function main() {
  const target = await targetOf();
  const name = process.argv[2];
  if (!name) {
    for (const q of await namedQueries(target)) console.log(`${q.name.padEnd(28)} ${q.description ?? ''}`);
    return;
  }
  const r = await runNamedQuery(target, name);
  console.log(
    `-- ${r.query.name} (workgroup ${target.workGroup}, database ${r.query.database}); objects read: ${JSON.stringify(r.objects)}`,
  );
  console.table(r.rows);
}

main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(1);
});
