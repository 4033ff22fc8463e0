import { describe, expect, it } from 'vitest';
import {
  iamStatements,
  lambdaFunction,
  loadTemplate,
  resourcesOfType,
  wildcardStatements,
} from '@order-platform/test-support/template';
import { DEV_AUDIENCE, DEV_ISSUER, devKeyParameterName } from '../src/dev/constants';

const stage = process.env.STAGE ?? 'dev';
const template = loadTemplate('services/auth');
const [gatekeeperId, gatekeeper] = lambdaFunction(template, 'gatekeeper');

describe('op-auth stack (P08 gatekeeper)', () => {
  it('runs the gatekeeper on nodejs24.x, arm64, 256 MB, 5 s', () => {
    expect(gatekeeper.Properties).toMatchObject({
      Runtime: 'nodejs24.x',
      Architectures: ['arm64'],
      MemorySize: 256,
      Timeout: 5,
    });
  });

  it('exports the function ARN for the other stacks to attach as their authorizer', () => {
    const output = Object.values(template.Outputs ?? {}).find(
      (o) => o.Export?.Name === `op-auth-${stage}-AuthorizerArn`,
    );

    expect(output?.Value).toEqual({ 'Fn::GetAtt': [gatekeeperId, 'Arn'] });
  });

  it('grants no wildcard action or resource', () => {
    expect(wildcardStatements(template)).toEqual([]);
  });

  it('may read exactly one SSM parameter, the key parameter of its own account, region and stage', () => {
    // Prepare
    const ssm = iamStatements(template).filter(({ statement }) =>
      [statement.Action].flat().some((a) => String(a).startsWith('ssm:')),
    );

    // Assess
    expect(ssm).toHaveLength(1);
    expect(ssm[0]?.statement.Action).toEqual(['ssm:GetParameter']);
    expect(ssm[0]?.statement.Resource).toEqual({
      'Fn::Sub': `arn:\${AWS::Partition}:ssm:\${AWS::Region}:\${AWS::AccountId}:parameter${devKeyParameterName(stage)}`,
    });
  });

  it('creates no key parameter itself (the dev token command publishes the public key)', () => {
    expect(resourcesOfType(template, 'AWS::SSM::Parameter')).toEqual([]);
  });

  it('has no API of its own and no invoke permission: each consuming stack adds one for its API', () => {
    expect(resourcesOfType(template, 'AWS::ApiGateway::RestApi')).toEqual([]);
    expect(resourcesOfType(template, 'AWS::Lambda::Permission')).toEqual([]);
  });

  it.runIf(['dev', 'localstack', 'local'].includes(stage))(
    'trusts the dev issuer the token command signs for',
    () => {
      expect(gatekeeper.Properties?.Environment?.Variables).toMatchObject({
        JWT_ISSUER: DEV_ISSUER,
        JWT_AUDIENCE: DEV_AUDIENCE,
        JWT_JWKS_URL: '',
        JWT_PUBLIC_KEY_PARAMETER: devKeyParameterName(stage),
      });
    },
  );
});
