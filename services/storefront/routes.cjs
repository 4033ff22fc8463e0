/**
 * The strangler's switchboard (P21). The storefront API is the shop's one public entry:
 * every request the platform has not taken over yet goes on to the legacy storefront (the
 * monolith) through an HTTP proxy integration; the routes listed here are served by the
 * platform's Lambda functions instead.
 *
 * Moving a route off the monolith is one line: add it to MIGRATED with the export of the
 * function that now serves it (and to undo, remove the line). Everything else about the
 * API (resources, the legacy fallback on every path, permissions, the deployment) is
 * derived from this list by storefrontResources().
 */
const { createHash } = require('node:crypto');

/** Served by Lambda. `function` is the suffix of the CloudFormation export `op-<stack>-<stage>-<suffix>`. */
const MIGRATED = [
  { method: 'GET', path: 'products', stack: 'catalog', function: 'ListProductsArn' },
  { method: 'GET', path: 'products/{sku}', stack: 'catalog', function: 'GetProductArn' },
];

const pascal = (part) =>
  part
    .replace(/[{}+]/g, '')
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
    .map((w) => w[0].toUpperCase() + w.slice(1))
    .join('') + (part.startsWith('{') ? 'Var' : '');

const idOf = (path) => `Storefront${path.split('/').map(pascal).join('')}Resource`;
const paramsOf = (path) => [...path.matchAll(/\{([^}+]+)\+?\}/g)].map((m) => m[1]);

/** The legacy backend for `path` (API Gateway path syntax), path parameters passed through. */
function legacyMethod(api, resourceRef, path, legacyUrl) {
  const params = paramsOf(path);
  return {
    Type: 'AWS::ApiGateway::Method',
    Properties: {
      RestApiId: api,
      ResourceId: resourceRef,
      HttpMethod: 'ANY',
      AuthorizationType: 'NONE',
      RequestParameters: Object.fromEntries(params.map((p) => [`method.request.path.${p}`, true])),
      Integration: {
        Type: 'HTTP_PROXY',
        IntegrationHttpMethod: 'ANY',
        Uri: `${legacyUrl.replace(/\/$/, '')}/${path.replace('+}', '}')}`,
        RequestParameters: Object.fromEntries(
          params.map((p) => [`integration.request.path.${p}`, `method.request.path.${p}`]),
        ),
        PassthroughBehavior: 'WHEN_NO_MATCH',
        TimeoutInMillis: 10000,
      },
    },
  };
}

/**
 * The API's CloudFormation for a route list: `{ Resources, Outputs }`. Exported for the
 * tests, which flip a route and replay the result.
 */
function storefrontResources(migrated, { stage, legacyUrl }) {
  const api = { Ref: 'StorefrontApi' };
  const Resources = {
    StorefrontApi: {
      Type: 'AWS::ApiGateway::RestApi',
      Properties: {
        Name: `op-storefront-${stage}`,
        Description: 'The shop: migrated routes served by Lambda, the rest by the legacy storefront',
        EndpointConfiguration: { Types: ['REGIONAL'] },
      },
    },
  };
  const methods = [];
  const addMethod = (id, method) => {
    Resources[id] = method;
    methods.push(id);
  };
  // Every path the migrated routes need, parents first; each also falls back to the legacy shop.
  const paths = new Set();
  for (const r of migrated) {
    const parts = r.path.split('/');
    for (let i = 1; i <= parts.length; i++) paths.add(parts.slice(0, i).join('/'));
  }
  const refOf = (path) =>
    path === '' ? { 'Fn::GetAtt': ['StorefrontApi', 'RootResourceId'] } : { Ref: idOf(path) };
  for (const path of [...paths, '{proxy+}']) {
    const parent = path.includes('/') ? path.slice(0, path.lastIndexOf('/')) : '';
    Resources[idOf(path)] = {
      Type: 'AWS::ApiGateway::Resource',
      Properties: { RestApiId: api, ParentId: refOf(parent), PathPart: path.split('/').pop() },
    };
    addMethod(`${idOf(path)}Legacy`, legacyMethod(api, refOf(path), path, legacyUrl));
  }
  addMethod('StorefrontRootLegacy', legacyMethod(api, refOf(''), '', legacyUrl));

  for (const r of migrated) {
    const fn = { 'Fn::ImportValue': `op-${r.stack}-${stage}-${r.function}` };
    const id = `${idOf(r.path)}${r.method[0]}${r.method.slice(1).toLowerCase()}`;
    addMethod(id, {
      Type: 'AWS::ApiGateway::Method',
      Properties: {
        RestApiId: api,
        ResourceId: refOf(r.path),
        HttpMethod: r.method,
        AuthorizationType: 'NONE',
        RequestParameters: Object.fromEntries(
          paramsOf(r.path).map((p) => [`method.request.path.${p}`, true]),
        ),
        Integration: {
          Type: 'AWS_PROXY',
          IntegrationHttpMethod: 'POST',
          Uri: {
            'Fn::Sub': [
              'arn:${AWS::Partition}:apigateway:${AWS::Region}:lambda:path/2015-03-31/functions/${Fn}/invocations',
              { Fn: fn },
            ],
          },
        },
      },
    });
    Resources[`${id}Permission`] = {
      Type: 'AWS::Lambda::Permission',
      Properties: {
        FunctionName: fn,
        Action: 'lambda:InvokeFunction',
        Principal: 'apigateway.amazonaws.com',
        SourceArn: {
          'Fn::Sub': `arn:\${AWS::Partition}:execute-api:\${AWS::Region}:\${AWS::AccountId}:\${StorefrontApi}/*/${r.method}/${r.path.replace(/\{[^}]+\}/g, '*')}`,
        },
      },
    };
  }

  // A new deployment whenever the routes change (CloudFormation deploys an API only when
  // the Deployment resource is new).
  const hash = createHash('sha256')
    .update(JSON.stringify({ migrated, legacyUrl }))
    .digest('hex')
    .slice(0, 10);
  Resources[`StorefrontDeployment${hash}`] = {
    Type: 'AWS::ApiGateway::Deployment',
    DependsOn: methods,
    Properties: { RestApiId: api, Description: `routes ${hash}` },
  };
  Resources.StorefrontStage = {
    Type: 'AWS::ApiGateway::Stage',
    Properties: {
      RestApiId: api,
      StageName: stage,
      DeploymentId: { Ref: `StorefrontDeployment${hash}` },
      MethodSettings: [
        { ResourcePath: '/*', HttpMethod: '*', ThrottlingRateLimit: 100, ThrottlingBurstLimit: 200 },
      ],
    },
  };
  const Outputs = {
    ApiUrl: {
      Description: 'The shop: migrated routes served by Lambda, everything else by the legacy storefront',
      Value: {
        'Fn::Sub': `https://\${StorefrontApi}.execute-api.\${AWS::Region}.\${AWS::URLSuffix}/${stage}`,
      },
      Export: { Name: `op-storefront-${stage}-ApiUrl` },
    },
  };
  return { Resources, Outputs };
}

module.exports = async ({ resolveVariable }) =>
  storefrontResources(MIGRATED, {
    stage: await resolveVariable('sls:stage'),
    legacyUrl: await resolveVariable('param:legacyStorefrontUrl'),
  });
module.exports.MIGRATED = MIGRATED;
module.exports.storefrontResources = storefrontResources;
