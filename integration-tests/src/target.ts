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
  const info = await call<LocalInfo>(`${controlUrl}/_local/info`).catch(() => {
    throw new Error(`No answer from the local runner at ${controlUrl}: is \`npm run dev\` still running?`);
  });
  return endpointsFromInfo(info.body, controlUrl);
}

/** What the local runner tells about itself (its /_local/info). */
export interface LocalInfo {
  apis: Record<string, string>;
  apiKeys: Record<string, string>;
  providerUrl: string;
  /** The simulated carrier (fulfilment's shipments), when the fulfilment stack runs. */
  carrierUrl?: string;
  engines?: { moto?: string };
  exports?: Record<string, string>;
}

export function endpointsFromInfo(info: LocalInfo, controlUrl: string): PlatformEndpoints {
  const carrierApiKey = Object.entries(info.apiKeys).find(([name]) => name.includes('carrier'))?.[1];
  const clickstreamApiKey = Object.entries(info.apiKeys).find(([name]) =>
    name.startsWith('op-analytics-clickstream'),
  )?.[1];
  const catalogBucket = Object.entries(info.exports ?? {}).find(
    ([name]) => name.startsWith('op-catalog-') && name.endsWith('-CatalogBucketName'),
  )?.[1];
  return {
    target: 'local',
    apis: info.apis,
    ...(carrierApiKey ? { carrierApiKey } : {}),
    ...(clickstreamApiKey ? { clickstreamApiKey } : {}),
    providerUrl: info.providerUrl,
    ...(info.carrierUrl ? { carrierUrl: info.carrierUrl } : {}),
    controlUrl,
    aws: {
      ...(info.engines?.moto ? { endpoint: info.engines.moto } : {}),
      ...(catalogBucket ? { catalogBucket } : {}),
    },
  };
}

/** What a platform started in this process (local/src/platform.ts) needs to be driven like `npm run dev`. */
export interface StartedPlatform {
  apis: Record<string, string>;
  apiKeys: Record<string, string>;
  provider: { url: string };
  carrierUrl?: string;
  engines?: { moto?: string };
  exports?: Map<string, string>;
  controlUrl: string;
}

/** The endpoints of a platform started in this process (the e2e setup, chaos, benches). */
export function endpointsOfPlatform(platform: StartedPlatform): PlatformEndpoints {
  return endpointsFromInfo(
    {
      apis: platform.apis,
      apiKeys: platform.apiKeys,
      providerUrl: platform.provider.url,
      ...(platform.carrierUrl ? { carrierUrl: platform.carrierUrl } : {}),
      ...(platform.engines ? { engines: platform.engines } : {}),
      ...(platform.exports ? { exports: Object.fromEntries(platform.exports) } : {}),
    },
    platform.controlUrl,
  );
}

/** Endpoints of deployed stacks (LocalStack or AWS), from their outputs. */
export async function deployedEndpoints(stage: string): Promise<PlatformEndpoints> {
  const cfn = new CloudFormationClient({});
  const apis: Record<string, string> = {};
  let catalogBucket: string | undefined;
  for (const service of ['orders', 'reporting', 'webhook', 'invoicing', 'catalog', 'storefront']) {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: `op-${service}-${stage}` }));
    const outputs = out.Stacks?.[0]?.Outputs ?? [];
    // osls names the URL of a stack's http events ServiceEndpoint; the storefront, whose
    // API is plain CloudFormation (routes.cjs), names it ApiUrl.
    const endpoint = outputs.find(
      (o) => o.OutputKey === 'ServiceEndpoint' || o.OutputKey === 'ApiUrl',
    )?.OutputValue;
    if (!endpoint) throw new Error(`op-${service}-${stage} has no API URL output: is it deployed?`);
    apis[service] = endpoint;
    if (service === 'catalog')
      catalogBucket = outputs.find((o) => o.OutputKey === 'CatalogBucketName')?.OutputValue;
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
    aws: {
      ...(process.env.AWS_ENDPOINT_URL ? { endpoint: process.env.AWS_ENDPOINT_URL } : {}),
      ...(catalogBucket ? { catalogBucket } : {}),
    },
  };
}

export function targetName(): string {
  return process.env.E2E_TARGET ?? 'local';
}
