/**
 * Template layer for the platform stack (serverless.yml at the root): the bus and its
 * archive, a network with no way out, the database and cache kept private, the
 * localstack stage's shape, and the export contract that serverless.platform.yml and
 * every service import. Reads the template that `osls package` left in .serverless/ (any
 * stage: the structure is the same, the IsAws condition decides at deploy time).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { EVENT_SOURCE_PREFIX } from '@order-platform/shared/events/envelope';
import { ORDERS_SOURCE } from '@order-platform/shared/events/orders';
import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  loadTemplate,
  refTarget,
  repoRoot,
  resource,
  resourcesOfType,
  wildcardStatements,
} from '../test-support/src/template';

const t = loadTemplate('.');
const stage = String((t.Parameters?.Stage as { Default?: string } | undefined)?.Default);
const exportName = (name: string) => `op-platform-${stage}-${name}`;

const CONTRACT = [
  'EventBusName',
  'EventBusArn',
  'LambdaSecurityGroupId',
  'PrivateSubnetIds',
  'DbProxyEndpoint',
  'DbPort',
  'DbName',
  'DbSecretArn',
  'RedisEndpoint',
  'RedisPort',
];

const asArray = <T>(v: T | T[] | undefined): T[] => (v === undefined ? [] : Array.isArray(v) ? v : [v]);

/** Logical ids referenced anywhere inside a value (Ref, GetAtt, ${X} in Sub). */
function referencedIds(value: unknown, out = new Set<string>()): Set<string> {
  const target = refTarget(value);
  if (target) out.add(target);
  if (Array.isArray(value)) value.forEach((v) => referencedIds(v, out));
  else if (value && typeof value === 'object') Object.values(value).forEach((v) => referencedIds(v, out));
  else if (typeof value === 'string')
    for (const m of value.matchAll(/\$\{([A-Za-z0-9]+)[.}]/g)) out.add(m[1]!);
  return out;
}

describe('platform stack: events (P02)', () => {
  it('has the custom bus op-<stage>', () => {
    // Prepare
    const [[, bus] = []] = resourcesOfType(t, 'AWS::Events::EventBus');

    // Assess
    expect(bus?.Properties?.Name).toBe(`op-${stage}`);
  });

  it('archives the bus for 30 days, filtered to the platform sources, for replay', () => {
    // Prepare
    const archives = resourcesOfType(t, 'AWS::Events::Archive');
    const [[, archive] = []] = archives;
    const prefixes = asArray(archive?.Properties?.EventPattern?.source).map(
      (s: { prefix?: string }) => s.prefix,
    );

    // Assess
    expect(archives).toHaveLength(1);
    expect(refTarget(archive?.Properties?.SourceArn)).toBe('EventBus');
    expect(archive?.Properties?.RetentionDays).toBe(30);
    expect(prefixes).toEqual([`${EVENT_SOURCE_PREFIX}.`]);
    // The orders service's real source falls under the pattern.
    expect(ORDERS_SOURCE.startsWith(prefixes[0]!)).toBe(true);
  });
});

describe('platform stack: network', () => {
  it('has no internet gateway, NAT gateway, elastic IP or default route', () => {
    // Prepare
    const types = Object.values(t.Resources).map((r) => r.Type);
    const routes = resourcesOfType(t, 'AWS::EC2::Route');

    // Assess
    for (const forbidden of [
      'AWS::EC2::InternetGateway',
      'AWS::EC2::VPCGatewayAttachment',
      'AWS::EC2::NatGateway',
      'AWS::EC2::EIP',
      'AWS::EC2::EgressOnlyInternetGateway',
    ]) {
      expect(types, forbidden).not.toContain(forbidden);
    }
    expect(routes).toEqual([]);
  });

  it('has two private subnets in different AZs', () => {
    // Prepare
    const subnets = resourcesOfType(t, 'AWS::EC2::Subnet').map(([, s]) => s.Properties!);

    // Assess
    expect(subnets).toHaveLength(2);
    expect(subnets.map((s) => s.MapPublicIpOnLaunch)).toEqual([false, false]);
    expect(subnets.map((s) => s.AvailabilityZone?.['Fn::Select']?.[0])).toEqual([0, 1]);
  });

  it('reaches DynamoDB and S3 through gateway endpoints and the listed APIs through private-DNS interface endpoints', () => {
    // Prepare
    const endpoints = resourcesOfType(t, 'AWS::EC2::VPCEndpoint').map(([, e]) => e.Properties!);
    const serviceOf = (e: Record<string, unknown>) =>
      String((e.ServiceName as { 'Fn::Sub': string })['Fn::Sub'])
        .split('.')
        .pop();
    const gateway = endpoints.filter((e) => e.VpcEndpointType === 'Gateway');
    const iface = endpoints.filter((e) => e.VpcEndpointType === 'Interface');

    // Assess
    expect(gateway.map(serviceOf).sort()).toEqual(['dynamodb', 's3']);
    expect(iface.map(serviceOf).sort()).toEqual(
      ['events', 'lambda', 'secretsmanager', 'sns', 'sqs', 'ssm', 'states', 'sts'].sort(),
    );
    for (const e of iface) {
      expect(e.PrivateDnsEnabled).toBe(true);
      expect(asArray(e.SubnetIds).map(refTarget).sort()).toEqual(['PrivateSubnetA', 'PrivateSubnetB']);
      expect(asArray(e.SecurityGroupIds).map(refTarget)).toEqual(['EndpointSecurityGroup']);
    }
  });

  it("lets custom resources in the VPC answer CloudFormation: the S3 endpoint admits a PUT to AWS's response bucket, and no other foreign bucket", () => {
    // Prepare
    const s3 = resource(t, 'S3GatewayEndpoint');
    const statements = (s3.Properties!.PolicyDocument as { Statement: Record<string, unknown>[] }).Statement;
    const unconditioned = statements.filter((st) => !st.Condition);

    // Assess: own-account buckets, plus exactly the response bucket for PutObject
    expect(statements.filter((st) => st.Condition)).toHaveLength(1);
    expect(unconditioned).toEqual([
      {
        Effect: 'Allow',
        Principal: '*',
        Action: 's3:PutObject',
        Resource: {
          'Fn::Sub': 'arn:${AWS::Partition}:s3:::cloudformation-custom-resource-response-${AWS::Region}/*',
        },
      },
    ]);
  });

  it('admits each private resource only from its one client group', () => {
    // Prepare
    const ingressSources = (id: string) =>
      asArray(resource(t, id).Properties?.SecurityGroupIngress).map(
        (r: { SourceSecurityGroupId?: unknown; CidrIp?: unknown; FromPort: number; ToPort: number }) => ({
          from: refTarget(r.SourceSecurityGroupId) ?? r.CidrIp,
          ports: `${r.FromPort}-${r.ToPort}`,
        }),
      );

    // Assess
    expect(ingressSources('DbSecurityGroup')).toEqual([{ from: 'DbProxySecurityGroup', ports: '5432-5432' }]);
    expect(ingressSources('DbProxySecurityGroup')).toEqual([
      { from: 'LambdaSecurityGroup', ports: '5432-5432' },
    ]);
    expect(ingressSources('CacheSecurityGroup')).toEqual([
      { from: 'LambdaSecurityGroup', ports: '6379-6380' },
    ]);
    expect(ingressSources('EndpointSecurityGroup')).toEqual([
      { from: 'LambdaSecurityGroup', ports: '443-443' },
      { from: 'DbProxySecurityGroup', ports: '443-443' },
    ]);
    expect(ingressSources('LambdaSecurityGroup')).toEqual([]);
  });
});

describe('platform stack: Postgres behind RDS Proxy (P24)', () => {
  it('keeps the database private and encrypted', () => {
    // Prepare
    const clusters = resourcesOfType(t, 'AWS::RDS::DBCluster').map(([, c]) => c.Properties!);
    const instances = resourcesOfType(t, 'AWS::RDS::DBInstance').map(([, i]) => i.Properties!);

    // Assess
    expect(clusters).toHaveLength(1);
    expect(clusters[0]!.StorageEncrypted).toBe(true);
    expect(clusters[0]!.Engine).toBe('aurora-postgresql');
    expect(asArray(clusters[0]!.VpcSecurityGroupIds).map(refTarget)).toEqual(['DbSecurityGroup']);
    expect(instances.length).toBeGreaterThan(0);
    for (const i of instances) {
      expect(i.PubliclyAccessible).toBe(false);
      expect(i.DBInstanceClass).toBe('db.serverless');
    }
  });

  it('is Serverless v2 at 0.5-4 ACU, the range the connection budget in docs/platform.md is computed for', () => {
    // Prepare
    const scaling = resource(t, 'DbCluster').Properties?.ServerlessV2ScalingConfiguration;
    const pool = resource(t, 'DbProxyTargetGroup').Properties?.ConnectionPoolConfigurationInfo;

    // Assess
    expect(scaling).toEqual({ MinCapacity: 0.5, MaxCapacity: 4 });
    expect(pool?.MaxConnectionsPercent).toBe(60);
  });

  it('takes the master credentials from the secret, not from the template', () => {
    // Prepare
    const cluster = resource(t, 'DbCluster').Properties!;

    // Assess
    for (const key of ['MasterUsername', 'MasterUserPassword']) {
      const sub = String(cluster[key]?.['Fn::Sub']);
      expect(sub).toMatch(/^\{\{resolve:secretsmanager:\$\{DbSecret\}:SecretString:(username|password)\}\}$/);
    }
    expect(refTarget(resource(t, 'DbSecretAttachment').Properties?.TargetId)).toBe('DbCluster');
  });

  it('requires TLS at the proxy, which authenticates with the DB secret through a role that reads only that secret', () => {
    // Prepare
    const proxy = resource(t, 'DbProxy').Properties!;
    const roleId = refTarget(proxy.RoleArn)!;
    const statements = iamStatements(t).filter((s) => s.owner === roleId);
    const targetGroup = resource(t, 'DbProxyTargetGroup').Properties!;

    // Assess
    expect(proxy.RequireTLS).toBe(true);
    expect(proxy.EngineFamily).toBe('POSTGRESQL');
    expect(asArray(proxy.Auth).map((a: { SecretArn: unknown }) => refTarget(a.SecretArn))).toEqual([
      'DbSecret',
    ]);
    expect(statements.map((s) => s.statement)).toEqual([
      { Effect: 'Allow', Action: ['secretsmanager:GetSecretValue'], Resource: { Ref: 'DbSecret' } },
    ]);
    expect(refTarget(targetGroup.DBProxyName)).toBe('DbProxy');
    expect(asArray(targetGroup.DBClusterIdentifiers).map(refTarget)).toEqual(['DbCluster']);
  });
});

describe('platform stack: cache (P05)', () => {
  it('is a serverless cache in the private subnets, with usage limits', () => {
    // Prepare
    const [[, cache] = []] = resourcesOfType(t, 'AWS::ElastiCache::ServerlessCache');

    // Assess
    expect(asArray(cache?.Properties?.SubnetIds).map(refTarget).sort()).toEqual([
      'PrivateSubnetA',
      'PrivateSubnetB',
    ]);
    expect(asArray(cache?.Properties?.SecurityGroupIds).map(refTarget)).toEqual(['CacheSecurityGroup']);
    expect(cache?.Properties?.CacheUsageLimits?.DataStorage?.Maximum).toBeGreaterThan(0);
    expect(cache?.Properties?.CacheUsageLimits?.ECPUPerSecond?.Maximum).toBeGreaterThan(0);
  });
});

describe('platform stack: the emulated stages (localstack, local)', () => {
  const conditional = Object.entries(t.Resources).filter(
    ([, r]) =>
      r.Type.startsWith('AWS::EC2::') ||
      r.Type.startsWith('AWS::RDS::') ||
      r.Type.startsWith('AWS::ElastiCache::') ||
      r.Type === 'AWS::SecretsManager::SecretTargetAttachment',
  );

  it('decides by stage: IsAws is false only for localstack and local', () => {
    // Assess
    expect(t.Conditions?.IsAws).toEqual({
      'Fn::Not': [
        {
          'Fn::Or': [
            { 'Fn::Equals': [{ Ref: 'Stage' }, 'localstack'] },
            { 'Fn::Equals': [{ Ref: 'Stage' }, 'local'] },
          ],
        },
      ],
    });
  });

  it('creates no network, database or cache there: every such resource carries IsAws', () => {
    // Assess
    expect(conditional.length).toBeGreaterThan(20);
    expect(conditional.filter(([, r]) => r.Condition !== 'IsAws').map(([id]) => id)).toEqual([]);
  });

  it('never references a conditional resource from an unconditional one except through Fn::If IsAws', () => {
    // Prepare
    const isConditional = new Set(
      Object.entries(t.Resources)
        .filter(([, r]) => r.Condition === 'IsAws')
        .map(([id]) => id),
    );
    const leaks = Object.entries(t.Outputs ?? {})
      .filter(([, o]) => {
        const ifValue = (o.Value as { 'Fn::If'?: [string, unknown, unknown] })['Fn::If'];
        const unguarded = ifValue?.[0] === 'IsAws' ? ifValue[2] : o.Value;
        return [...referencedIds(unguarded)].some((id) => isConditional.has(id));
      })
      .map(([name]) => name);
    const resourceLeaks = Object.entries(t.Resources)
      .filter(([, r]) => r.Condition !== 'IsAws')
      .filter(([, r]) => [...referencedIds(r.Properties)].some((id) => isConditional.has(id)))
      .map(([id]) => id);

    // Assess
    expect(leaks).toEqual([]);
    // DbSecret is unconditional and uses IsAws only inside Fn::If, never a conditional resource.
    expect(resourceLeaks).toEqual([]);
  });
});

describe('platform stack: export contract', () => {
  it('exports every name of the contract', () => {
    // Prepare
    const exported = Object.values(t.Outputs ?? {}).map((o) => o.Export?.Name);

    // Assess
    for (const name of CONTRACT) expect(exported, name).toContain(exportName(name));
  });

  it('exports everything serverless.platform.yml imports', () => {
    // Prepare
    const include = readFileSync(join(repoRoot, 'serverless.platform.yml'), 'utf8');
    const imported = new Set(
      [...include.matchAll(/op-platform-\$\{sls:stage\}-([A-Za-z]+)/g)].map((m) => m[1]!),
    );
    const exported = new Set(Object.values(t.Outputs ?? {}).map((o) => o.Export?.Name));

    // Assess
    expect(imported.size).toBeGreaterThan(5);
    for (const name of imported) expect(exported, name).toContain(exportName(name));
  });
});

describe('platform stack: least privilege (X3)', () => {
  it('grants no wildcard action and no wildcard resource', () => {
    // Assess
    expect(wildcardStatements(t)).toEqual([]);
  });
});
