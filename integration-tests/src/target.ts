/**
 * Where the end-to-end suite and the demo find the platform. One setting chooses:
 *
 *   E2E_TARGET=local        the suite starts the platform itself (local runner), or the
 *                           demo attaches to a running `npm run dev` (.local/platform.json)
 *   E2E_TARGET=localstack   stacks deployed with `npm run deploy:localstack`; endpoints read
 *                           from their CloudFormation outputs through AWS_ENDPOINT_URL
 *   E2E_TARGET=<stage>      an AWS stage deployed with `npm run deploy -- --stage <stage>`
 *
 * Outside `local`, the simulated provider must be reachable by the payments function and
 * by the suite: E2E_PROVIDER_URL gives its address (see integration-tests/README.md).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { APIGatewayClient, GetApiKeysCommand } from '@aws-sdk/client-api-gateway';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { call, type PlatformEndpoints } from './client';

export const repoRoot = join(__dirname, '..', '..');

/** Endpoints of a running `npm run dev` (it writes .local/platform.json). */
export async function attachToLocal(): Promise<PlatformEndpoints> {
  const file = join(repoRoot, '.local', 'platform.json');
  if (!existsSync(file))
    throw new Error('The platform is not running: start it with `npm run dev` in another terminal');
  const { controlUrl } = JSON.parse(readFileSync(file, 'utf8')) as { controlUrl: string };
  const info = await call<{
    apis: Record<string, string>;
    apiKeys: Record<string, string>;
    providerUrl: string;
  }>(`${controlUrl}/_local/info`).catch(() => {
    throw new Error(`No answer from the local runner at ${controlUrl}: is \`npm run dev\` still running?`);
  });
  return endpointsFromInfo(info.body, controlUrl);
}

export function endpointsFromInfo(
  info: { apis: Record<string, string>; apiKeys: Record<string, string>; providerUrl: string },
  controlUrl: string,
): PlatformEndpoints {
  const carrierApiKey = Object.entries(info.apiKeys).find(([name]) => name.includes('carrier'))?.[1];
  return {
    target: 'local',
    apis: info.apis,
    ...(carrierApiKey ? { carrierApiKey } : {}),
    providerUrl: info.providerUrl,
    controlUrl,
  };
}

/** Endpoints of deployed stacks (LocalStack or AWS), from their outputs. */
export async function deployedEndpoints(stage: string): Promise<PlatformEndpoints> {
  const cfn = new CloudFormationClient({});
  const apis: Record<string, string> = {};
  for (const service of ['orders', 'reporting', 'webhook', 'invoicing']) {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: `op-${service}-${stage}` }));
    const endpoint = out.Stacks?.[0]?.Outputs?.find((o) => o.OutputKey === 'ServiceEndpoint')?.OutputValue;
    if (!endpoint) throw new Error(`op-${service}-${stage} has no ServiceEndpoint output: is it deployed?`);
    apis[service] = endpoint;
  }
  const keys = await new APIGatewayClient({}).send(
    new GetApiKeysCommand({ nameQuery: `op-webhook-carrier-${stage}`, includeValues: true }),
  );
  const carrierApiKey = keys.items?.[0]?.value;
  const providerUrl = process.env.E2E_PROVIDER_URL;
  return {
    target: stage,
    apis,
    ...(carrierApiKey ? { carrierApiKey } : {}),
    ...(providerUrl ? { providerUrl } : {}),
  };
}

export function targetName(): string {
  return process.env.E2E_TARGET ?? 'local';
}
