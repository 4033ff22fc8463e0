/**
 * Runs a stack's deploy-time migration (a CloudFormation custom resource) from its
 * packaged zip, as Lambda would: the zip unpacked into a task root, the bundle loaded with
 * LAMBDA_TASK_ROOT pointing there, and its answer caught by a local stand-in for the
 * pre-signed S3 response URL. The stacks' migrate tests share it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { lambdaContext, uniqueName } from './aws';
import { repoRoot } from './template';

type Handler = (event: CloudFormationCustomResourceEvent, context: Context) => Promise<void>;

export interface CustomResourceSpec {
  /** e.g. services/webhook */
  stack: string;
  logicalId: string;
  resourceType: string;
  physicalId: string;
  properties: Record<string, unknown>;
}

export interface PackagedMigrate {
  /** Where the zip was unpacked (LAMBDA_TASK_ROOT while it runs). */
  taskRoot: string;
  /** Every answer the function sent to CloudFormation, in order. */
  responses: Record<string, unknown>[];
  /** Invokes a freshly loaded bundle with a Create or Update event against `databaseUrl`. */
  run(requestType: 'Create' | 'Update', databaseUrl: string): Promise<Record<string, unknown>>;
  close(): Promise<void>;
}

export async function startPackagedMigrate(spec: CustomResourceSpec): Promise<PackagedMigrate> {
  const zip = join(repoRoot, spec.stack, '.serverless', 'migrate.zip');
  if (!existsSync(zip)) throw new Error(`No packaged ${zip}. Run "npm run package" first (npm test does).`);
  const taskRoot = mkdtempSync(join(tmpdir(), 'lambda-migrate-'));
  execFileSync('unzip', ['-q', zip, '-d', taskRoot]);

  const responses: Record<string, unknown>[] = [];
  const responder = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      responses.push(JSON.parse(body));
      res.writeHead(200).end();
    });
  });
  await new Promise<void>((r) => responder.listen(0, '127.0.0.1', r));
  const responseUrl = `http://127.0.0.1:${(responder.address() as AddressInfo).port}/presigned`;
  const stackName = `op-${spec.stack.split('/').pop()}-dev`;

  const event = (RequestType: 'Create' | 'Update') =>
    ({
      RequestType,
      ServiceToken: `arn:aws:lambda:us-east-1:123456789012:function:${stackName}-migrate`,
      ResponseURL: responseUrl,
      StackId: `arn:aws:cloudformation:us-east-1:123456789012:stack/${stackName}/1`,
      RequestId: uniqueName('req'),
      LogicalResourceId: spec.logicalId,
      ResourceType: spec.resourceType,
      ResourceProperties: { ServiceToken: 'x', ...spec.properties },
      ...(RequestType === 'Update' ? { PhysicalResourceId: spec.physicalId, OldResourceProperties: {} } : {}),
    }) as CloudFormationCustomResourceEvent;

  return {
    taskRoot,
    responses,
    async run(requestType, databaseUrl) {
      process.env.DATABASE_URL = databaseUrl;
      process.env.LAMBDA_TASK_ROOT = taskRoot;
      try {
        const handler = createRequire(import.meta.url)(join(taskRoot, 'src/handlers/migrate.js'))
          .handler as Handler;
        await handler(event(requestType), lambdaContext() as unknown as Context);
      } finally {
        delete process.env.LAMBDA_TASK_ROOT;
      }
      return responses.at(-1)!;
    },
    async close() {
      await new Promise((r) => responder.close(r));
      rmSync(taskRoot, { recursive: true, force: true });
    },
  };
}
