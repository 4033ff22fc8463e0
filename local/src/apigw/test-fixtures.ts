/**
 * LocalResource fixtures for the API Gateway tests: the `AWS::ApiGateway::*` resources of
 * the packaged orders and webhook stacks (services/*\/.serverless), intrinsics resolved
 * as the runner resolves them for stage `local`, plus a few resources the real stacks do
 * not have yet (a `{proxy+}` route, a REQUEST authorizer, a required header) so every
 * feature has a realistic input. Also a fake FunctionRunner that records invocations.
 */
import { carrierUpdateJsonSchema } from '../../../services/webhook/src/domain/shipments';
import type { FunctionRunner, InvokeResult, LocalResource } from '../types';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const ORDERS_API = 'a1b2c3d4e5';
export const WEBHOOK_API = 'f6g7h8i9j0';

const lambdaUri = (fn: string) =>
  `arn:aws:apigateway:${REGION}:lambda:path/2015-03-31/functions/arn:aws:lambda:${REGION}:${ACCOUNT}:function:${fn}/invocations`;

/* eslint-disable @typescript-eslint/no-explicit-any */
function resource(
  service: string,
  logicalId: string,
  type: string,
  physicalId: string,
  properties: Record<string, any>,
  attributes: Record<string, string> = {},
): LocalResource {
  return {
    stack: `services/${service.replace(/^op-/, '')}`,
    service,
    logicalId,
    type,
    physicalId,
    properties,
    attributes,
  };
}

const proxyMethod = (
  resourceId: string,
  httpMethod: string,
  fn: string,
  extra: Record<string, any> = {},
) => ({
  HttpMethod: httpMethod,
  RequestParameters: {},
  ResourceId: resourceId,
  RestApiId: ORDERS_API,
  ApiKeyRequired: false,
  AuthorizationType: 'CUSTOM',
  AuthorizerId: 'gk1234',
  Integration: { IntegrationHttpMethod: 'POST', Type: 'AWS_PROXY', Uri: lambdaUri(fn) },
  MethodResponses: [],
  ...extra,
});

/** The orders API: gatekeeper TOKEN authorizer on every route but /health. */
export function ordersResources(): LocalResource[] {
  const s = 'op-orders';
  const r = (logicalId: string, type: string, id: string, props: Record<string, any>, attrs = {}) =>
    resource(s, logicalId, type, id, props, attrs);
  return [
    r(
      'ApiGatewayRestApi',
      'AWS::ApiGateway::RestApi',
      ORDERS_API,
      {
        Name: 'local-op-orders',
        EndpointConfiguration: { Types: ['EDGE'] },
        Policy: '',
        MinimumCompressionSize: 1024,
      },
      { RootResourceId: 'root0001' },
    ),
    r('ApiGatewayResourceOrders', 'AWS::ApiGateway::Resource', 'res-orders', {
      ParentId: 'root0001',
      PathPart: 'orders',
      RestApiId: ORDERS_API,
    }),
    r('ApiGatewayResourceOrdersOrderidVar', 'AWS::ApiGateway::Resource', 'res-order', {
      ParentId: 'res-orders',
      PathPart: '{orderId}',
      RestApiId: ORDERS_API,
    }),
    r('ApiGatewayResourceOrdersOrderidVarCancel', 'AWS::ApiGateway::Resource', 'res-cancel', {
      ParentId: 'res-order',
      PathPart: 'cancel',
      RestApiId: ORDERS_API,
    }),
    r('ApiGatewayResourceHealth', 'AWS::ApiGateway::Resource', 'res-health', {
      ParentId: 'root0001',
      PathPart: 'health',
      RestApiId: ORDERS_API,
    }),
    // Not in the real stack: a greedy route, and a static sibling of {orderId}.
    r('ApiGatewayResourceOrdersSearch', 'AWS::ApiGateway::Resource', 'res-search', {
      ParentId: 'res-orders',
      PathPart: 'search',
      RestApiId: ORDERS_API,
    }),
    r('ApiGatewayResourceFiles', 'AWS::ApiGateway::Resource', 'res-files', {
      ParentId: 'root0001',
      PathPart: 'files',
      RestApiId: ORDERS_API,
    }),
    r('ApiGatewayResourceFilesProxyVar', 'AWS::ApiGateway::Resource', 'res-files-proxy', {
      ParentId: 'res-files',
      PathPart: '{proxy+}',
      RestApiId: ORDERS_API,
    }),
    r(
      'ApiGatewayMethodOrdersPost',
      'AWS::ApiGateway::Method',
      'm-orders-post',
      proxyMethod('res-orders', 'POST', 'op-orders-local-createOrder'),
    ),
    r(
      'ApiGatewayMethodOrdersOrderidVarGet',
      'AWS::ApiGateway::Method',
      'm-order-get',
      proxyMethod('res-order', 'GET', 'op-orders-local-getOrder'),
    ),
    r(
      'ApiGatewayMethodOrdersOrderidVarCancelPost',
      'AWS::ApiGateway::Method',
      'm-cancel-post',
      proxyMethod('res-cancel', 'POST', 'op-orders-local-cancelOrder'),
    ),
    r(
      'ApiGatewayMethodHealthGet',
      'AWS::ApiGateway::Method',
      'm-health-get',
      proxyMethod('res-health', 'GET', 'op-orders-local-health', {
        AuthorizationType: 'NONE',
        AuthorizerId: undefined,
      }),
    ),
    r(
      'ApiGatewayMethodOrdersSearchGet',
      'AWS::ApiGateway::Method',
      'm-search-get',
      proxyMethod('res-search', 'GET', 'op-orders-local-search', {
        AuthorizationType: 'NONE',
        AuthorizerId: undefined,
        RequestValidatorId: 'val-params',
        RequestParameters: { 'method.request.querystring.q': true, 'method.request.header.X-Tenant': false },
      }),
    ),
    r(
      'ApiGatewayMethodFilesProxyVarAny',
      'AWS::ApiGateway::Method',
      'm-files-any',
      proxyMethod('res-files-proxy', 'ANY', 'op-orders-local-files', { AuthorizerId: 'reqauth1' }),
    ),
    r('GatekeeperApiGatewayAuthorizer', 'AWS::ApiGateway::Authorizer', 'gk1234', {
      AuthorizerResultTtlInSeconds: 300,
      IdentitySource: 'method.request.header.Authorization',
      IdentityValidationExpression: '^Bearer .+$',
      Name: 'gatekeeper',
      RestApiId: ORDERS_API,
      AuthorizerUri: lambdaUri('op-auth-local-gatekeeper'),
      Type: 'TOKEN',
    }),
    r('FilesApiGatewayAuthorizer', 'AWS::ApiGateway::Authorizer', 'reqauth1', {
      AuthorizerResultTtlInSeconds: 0,
      IdentitySource: 'method.request.header.X-Tenant, method.request.querystring.sig',
      Name: 'files',
      RestApiId: ORDERS_API,
      AuthorizerUri: lambdaUri('op-auth-local-files'),
      Type: 'REQUEST',
    }),
    r('SearchParamsValidator', 'AWS::ApiGateway::RequestValidator', 'val-params', {
      RestApiId: ORDERS_API,
      Name: 'params',
      ValidateRequestBody: false,
      ValidateRequestParameters: true,
    }),
    r('ApiGatewayDeployment1795348137000', 'AWS::ApiGateway::Deployment', 'dep1', {
      RestApiId: ORDERS_API,
      StageName: 'local',
    }),
  ];
}

/** The carrier integration's request template, as in services/webhook's packaged template. */
export const CARRIER_REQUEST_TEMPLATE =
  'Action=SendMessage&MessageBody=$util.urlEncode($input.body)&MessageAttribute.1.Name=correlationId&MessageAttribute.1.Value.DataType=String&MessageAttribute.1.Value.StringValue=$util.urlEncode($context.requestId)&MessageAttribute.2.Name=kind&MessageAttribute.2.Value.DataType=String&MessageAttribute.2.Value.StringValue=carrier.update';

/** The webhook API: a Lambda proxy route and the carrier route straight into SQS. */
export function webhookResources(carrierQueue = 'op-webhook-local-carrier'): LocalResource[] {
  const s = 'op-webhook';
  const r = (logicalId: string, type: string, id: string, props: Record<string, any>, attrs = {}) =>
    resource(s, logicalId, type, id, props, attrs);
  return [
    r(
      'ApiGatewayRestApi',
      'AWS::ApiGateway::RestApi',
      WEBHOOK_API,
      { Name: 'local-op-webhook', EndpointConfiguration: { Types: ['EDGE'] }, Policy: '' },
      { RootResourceId: 'root0002' },
    ),
    r('ApiGatewayResourceWebhooks', 'AWS::ApiGateway::Resource', 'res-webhooks', {
      ParentId: 'root0002',
      PathPart: 'webhooks',
      RestApiId: WEBHOOK_API,
    }),
    r('ApiGatewayResourceWebhooksPayments', 'AWS::ApiGateway::Resource', 'res-payments', {
      ParentId: 'res-webhooks',
      PathPart: 'payments',
      RestApiId: WEBHOOK_API,
    }),
    r('WebhooksCarrierResource', 'AWS::ApiGateway::Resource', 'res-carrier', {
      RestApiId: WEBHOOK_API,
      ParentId: 'res-webhooks',
      PathPart: 'carrier',
    }),
    r('ApiGatewayMethodWebhooksPaymentsPost', 'AWS::ApiGateway::Method', 'm-payments-post', {
      HttpMethod: 'POST',
      RequestParameters: {},
      ResourceId: 'res-payments',
      RestApiId: WEBHOOK_API,
      ApiKeyRequired: false,
      AuthorizationType: 'NONE',
      Integration: {
        IntegrationHttpMethod: 'POST',
        Type: 'AWS_PROXY',
        Uri: lambdaUri('op-webhook-local-receivePaymentWebhook'),
      },
      MethodResponses: [],
    }),
    r('ApiGatewayDeployment1795347259033', 'AWS::ApiGateway::Deployment', 'dep2', {
      RestApiId: WEBHOOK_API,
      StageName: 'local',
    }),
    r('ApiGatewayApiKey1', 'AWS::ApiGateway::ApiKey', 'key00001', {
      Enabled: true,
      Name: 'op-webhook-carrier-local',
      StageKeys: [{ RestApiId: WEBHOOK_API, StageName: 'local' }],
    }),
    r('ApiGatewayUsagePlan', 'AWS::ApiGateway::UsagePlan', 'plan0001', {
      ApiStages: [{ ApiId: WEBHOOK_API, Stage: 'local' }],
      Description: 'Usage plan for op-webhook local stage',
      UsagePlanName: 'op-webhook-local',
      Throttle: { BurstLimit: 100, RateLimit: 50 },
    }),
    r('ApiGatewayUsagePlanKey1', 'AWS::ApiGateway::UsagePlanKey', 'key00001:plan0001', {
      KeyId: 'key00001',
      KeyType: 'API_KEY',
      UsagePlanId: 'plan0001',
    }),
    r('CarrierUpdateModel', 'AWS::ApiGateway::Model', 'CarrierShipmentUpdate', {
      RestApiId: WEBHOOK_API,
      Name: 'CarrierShipmentUpdate',
      ContentType: 'application/json',
      // The service's own copy of the model (the stack renders the same object).
      Schema: carrierUpdateJsonSchema,
    }),
    r('CarrierBodyValidator', 'AWS::ApiGateway::RequestValidator', 'val-body', {
      RestApiId: WEBHOOK_API,
      Name: 'carrier-body',
      ValidateRequestBody: true,
      ValidateRequestParameters: false,
    }),
    r('BadRequestBodyResponse', 'AWS::ApiGateway::GatewayResponse', 'gr-bad-body', {
      RestApiId: WEBHOOK_API,
      ResponseType: 'BAD_REQUEST_BODY',
      StatusCode: '400',
      ResponseTemplates: {
        'application/json':
          '{"error":{"code":"VALIDATION_FAILED","message":"$context.error.validationErrorString"}}',
      },
    }),
    r('CarrierUpdatePostMethod', 'AWS::ApiGateway::Method', 'm-carrier-post', {
      RestApiId: WEBHOOK_API,
      ResourceId: 'res-carrier',
      HttpMethod: 'POST',
      AuthorizationType: 'NONE',
      ApiKeyRequired: true,
      RequestValidatorId: 'val-body',
      RequestModels: { 'application/json': 'CarrierShipmentUpdate' },
      Integration: {
        Type: 'AWS',
        IntegrationHttpMethod: 'POST',
        Uri: `arn:aws:apigateway:${REGION}:sqs:path/${ACCOUNT}/${carrierQueue}`,
        Credentials: `arn:aws:iam::${ACCOUNT}:role/op-webhook-local-carrier-proxy`,
        PassthroughBehavior: 'NEVER',
        RequestParameters: {
          'integration.request.header.Content-Type': "'application/x-www-form-urlencoded'",
        },
        RequestTemplates: { 'application/json': CARRIER_REQUEST_TEMPLATE },
        IntegrationResponses: [
          {
            StatusCode: '202',
            ResponseTemplates: { 'application/json': '{"accepted":true,"requestId":"$context.requestId"}' },
          },
          {
            StatusCode: '502',
            SelectionPattern: '[45]\\d{2}',
            ResponseTemplates: {
              'application/json':
                '{"error":{"code":"DEPENDENCY_UNAVAILABLE","message":"The update could not be queued; retry"}}',
            },
          },
        ],
      },
      MethodResponses: [{ StatusCode: '202' }, { StatusCode: '502' }],
    }),
  ];
}

/** A valid carrier update body. */
export const CARRIER_UPDATE = {
  eventId: 'evt_1',
  orderId: 'ord_01HZY3J6V9M0Q8K2R7T5W4X1CD',
  carrier: 'dhl',
  trackingNumber: 'JD0140-0001',
  status: 'in_transit',
  occurredAt: '2025-06-01T10:00:00.000Z',
};

type Handler = (event: any) => unknown;

/** A FunctionRunner over handlers keyed by function name; a thrown Error becomes an invoke error. */
export class FakeFunctions implements FunctionRunner {
  readonly calls: { name: string; event: any }[] = [];
  constructor(private readonly handlers: Record<string, Handler>) {}

  private nameOf(nameOrArn: string): string {
    return /function:([^:/]+)/.exec(nameOrArn)?.[1] ?? nameOrArn;
  }

  has(nameOrArn: string): boolean {
    return this.nameOf(nameOrArn) in this.handlers;
  }

  async invoke(nameOrArn: string, event: unknown): Promise<InvokeResult> {
    const name = this.nameOf(nameOrArn);
    this.calls.push({ name, event });
    try {
      const payload = JSON.parse(JSON.stringify((await this.handlers[name]!(event)) ?? null));
      return { payload, durationMs: 1, coldStart: false };
    } catch (error) {
      const e = error as Error;
      return {
        payload: null,
        error: { errorType: e.name, errorMessage: e.message },
        durationMs: 1,
        coldStart: false,
      };
    }
  }

  callsTo(name: string) {
    return this.calls.filter((c) => c.name === name);
  }
}

/** An IAM policy like the gatekeeper's. */
export function policy(effect: 'Allow' | 'Deny', resources: string[]) {
  return {
    Version: '2012-10-17',
    Statement: [{ Action: 'execute-api:Invoke', Effect: effect, Resource: resources }],
  };
}
