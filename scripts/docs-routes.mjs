#!/usr/bin/env node
// Writes the table of every HTTP route of the platform into README.md (between the
// routes markers), and the deploy order (between the stacks markers, from
// scripts/stacks.mjs: the one list deploy, packaging and the local runner follow), read from the stacks' packaged CloudFormation (`npm run package`), so
// the documented routes cannot drift from the deployed ones. `--check` fails when the
// README is out of date (a template test runs it).
//
// Each route is shown as the local runner serves it (one port, one base path per
// service: http://127.0.0.1:3000/<service>/<path>); deployed, the same path follows the
// stage's ServiceEndpoint output.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { routesOf } from './routes.mjs';
import { root, stacks } from './stacks.mjs';

const check = process.argv.includes('--check');
const LOCAL = 'http://127.0.0.1:3000';

function table() {
  const rows = ['| service | method | URL (`npm run dev`) | authentication |', '|---|---|---|---|'];
  const missing = [];
  for (const stack of stacks()) {
    const file = join(root, stack, '.serverless', 'cloudformation-template-update-stack.json');
    if (!existsSync(file)) {
      missing.push(stack);
      continue;
    }
    const template = JSON.parse(readFileSync(file, 'utf8'));
    const hasApi = Object.values(template.Resources ?? {}).some((r) => r.Type === 'AWS::ApiGateway::RestApi');
    const service = String(hasApi ? stack.split('/').pop() : '');
    if (!service) continue;
    for (const r of routesOf(template))
      rows.push(`| ${service} | ${r.method} | \`${LOCAL}/${service}${r.path}\` | ${r.auth} |`);
  }
  if (missing.length) throw new Error(`No packaged template for ${missing.join(', ')}: run npm run package`);
  return `${rows.join('\n')}\n`;
}

/** The stacks in deploy order, each with the stack name it deploys as. */
function deployOrder() {
  return stacks()
    .map((stack, i) => {
      const name = readFileSync(join(root, stack, 'serverless.yml'), 'utf8').match(/^service:\s*(\S+)/m)?.[1];
      return `${i + 1}. \`${name}\` ([${stack === '.' ? 'serverless.yml' : stack}](${stack === '.' ? 'serverless.yml' : stack}))`;
    })
    .join('\n');
}

const readmePath = join(root, 'README.md');
const readme = readFileSync(readmePath, 'utf8');
const next = readme
  .replace(
    /<!-- routes:start -->[\s\S]*<!-- routes:end -->/,
    `<!-- routes:start -->\n${table()}<!-- routes:end -->`,
  )
  .replace(
    /<!-- stacks:start -->[\s\S]*<!-- stacks:end -->/,
    `<!-- stacks:start -->\n${deployOrder()}\n<!-- stacks:end -->`,
  );
if (check) {
  if (!readme.includes('<!-- stacks:start -->')) {
    console.error('README.md has no deploy order (<!-- stacks:start --> markers)');
    process.exit(1);
  }
  if (next !== readme) {
    console.error('README.md route table or deploy order is out of date. Run: node scripts/docs-routes.mjs');
    process.exit(1);
  }
  console.log('route table and deploy order up to date');
} else {
  writeFileSync(readmePath, next);
  console.log('wrote the README route table and deploy order');
}
