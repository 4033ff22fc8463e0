/**
 * The deploy-time migration (a CloudFormation custom resource) run from the packaged
 * artifact itself: the migrate function's zip is unpacked as Lambda would, its bundle
 * loaded with LAMBDA_TASK_ROOT pointing at it, and invoked with a CloudFormation event
 * against a real Postgres. The answer goes to a local stand-in for the pre-signed S3 URL.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDatabase } from '../../../test-support/src/engines';
import { lambdaContext } from '../../../test-support/src/aws';
import { repoRoot } from '../../../test-support/src/template';
import { query, uid } from './helpers';

type Handler = (event: CloudFormationCustomResourceEvent, context: Context) => Promise<void>;

const zip = join(repoRoot, 'services/webhook/.serverless/migrate.zip');
let taskRoot: string;
let handler: Handler;
let responder: Server;
let responderUrl: string;
const responses: Record<string, unknown>[] = [];

beforeAll(async () => {
  if (!existsSync(zip)) throw new Error(`No packaged ${zip}. Run "npm run package" first (npm test does).`);
  taskRoot = mkdtempSync(join(tmpdir(), 'lambda-migrate-'));
  execFileSync('unzip', ['-q', zip, '-d', taskRoot]);
  responder = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => responder.listen(0, '127.0.0.1', r));
  responderUrl = `http://127.0.0.1:${(responder.address() as AddressInfo).port}/presigned`;
});

afterAll(async () => {
  await new Promise((r) => responder?.close(r));
  if (taskRoot) rmSync(taskRoot, { recursive: true, force: true });
});

const cfnEvent = (RequestType: 'Create' | 'Update'): CloudFormationCustomResourceEvent =>
  ({
    RequestType,
    ServiceToken: 'arn:aws:lambda:us-east-1:123456789012:function:migrate',
    ResponseURL: responderUrl,
    StackId: 'arn:aws:cloudformation:us-east-1:123456789012:stack/op-webhook-dev/1',
    RequestId: uid(),
    LogicalResourceId: 'LedgerSchema',
    ResourceType: 'Custom::PaymentsLedgerSchema',
    ResourceProperties: { ServiceToken: 'x', Version: '1764800000000_order-outcomes-and-reconciliation' },
    ...(RequestType === 'Update'
      ? { PhysicalResourceId: 'payments-ledger-schema', OldResourceProperties: {} }
      : {}),
  }) as CloudFormationCustomResourceEvent;

describe('deploy-time migrations (packaged migrate function)', () => {
  it('creates the ledger schema from the SQL shipped in the zip, then finds nothing to do', async () => {
    const url = await createDatabase(inject('postgresUrl'), `migrate_${uid()}`);
    process.env.DATABASE_URL = url;
    process.env.LAMBDA_TASK_ROOT = taskRoot;
    try {
      handler = createRequire(import.meta.url)(join(taskRoot, 'src/handlers/migrate.js')).handler;
      await handler(cfnEvent('Create'), lambdaContext() as unknown as Context);
      await handler(cfnEvent('Update'), lambdaContext() as unknown as Context);
    } finally {
      delete process.env.LAMBDA_TASK_ROOT;
    }
    expect(responses.map((r) => r.Status)).toEqual(['SUCCESS', 'SUCCESS']);
    expect((responses[0]!.Data as { Applied: string }).Applied).toBe(
      '1763800000000_payments-ledger,1764800000000_order-outcomes-and-reconciliation',
    );
    expect((responses[1]!.Data as { Applied: string }).Applied).toBe('');
    const tables = await query<{ table_name: string }>(
      url,
      `SELECT table_name FROM information_schema.tables WHERE table_schema = 'payments'`,
    );
    expect(tables.map((t) => t.table_name)).toEqual(expect.arrayContaining(['pgmigrations']));
    expect(tables.length).toBeGreaterThan(1);
  });

  it('answers FAILED, not silence, when the database cannot be reached', async () => {
    process.env.DATABASE_URL = 'postgres://nobody@127.0.0.1:1/none';
    process.env.LAMBDA_TASK_ROOT = taskRoot;
    try {
      const fresh = createRequire(import.meta.url)(join(taskRoot, 'src/handlers/migrate.js'))
        .handler as Handler;
      await fresh(cfnEvent('Update'), lambdaContext() as unknown as Context);
    } finally {
      delete process.env.LAMBDA_TASK_ROOT;
    }
    const last = responses.at(-1)!;
    expect(last.Status).toBe('FAILED');
    expect(String(last.Reason)).toMatch(/Migration failed/);
  });
});
