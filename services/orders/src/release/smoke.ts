/**
 * The pre-traffic smoke request of the orders API (P30): which version to try, what to
 * send it and how to judge the answer. Pure, so the unit tests and the hook share it.
 */
import type { APIGatewayProxyEvent } from 'aws-lambda';

export interface Target {
  name: string;
  version: string;
}

/**
 * The function and the version CodeDeploy is about to shift traffic to, from the
 * deployment's AppSpec (JSON when CloudFormation starts the deployment; YAML accepted).
 */
export function targetOf(appSpec: string | undefined): Target {
  if (!appSpec) throw new Error('the deployment has no AppSpec content');
  let name: unknown;
  let version: unknown;
  try {
    const spec = JSON.parse(appSpec) as {
      Resources?: Array<Record<string, { Properties?: Record<string, unknown> }>>;
    };
    const props = Object.values(spec.Resources?.[0] ?? {})[0]?.Properties ?? {};
    ({ Name: name, TargetVersion: version } = props);
  } catch {
    name = /^\s*Name:\s*["']?([^"'\s]+)/m.exec(appSpec)?.[1];
    version = /^\s*TargetVersion:\s*["']?([^"'\s]+)/m.exec(appSpec)?.[1];
  }
  if (typeof name !== 'string' || !name || (typeof version !== 'string' && typeof version !== 'number'))
    throw new Error('the AppSpec names no function and target version');
  return { name, version: String(version) };
}

/** An API Gateway proxy event with no principal: every orders API handler refuses it. */
export function smokeEvent(deploymentId: string): APIGatewayProxyEvent {
  return {
    resource: '/smoke',
    path: '/smoke',
    httpMethod: 'GET',
    headers: { 'user-agent': 'codedeploy-pre-traffic-hook' },
    multiValueHeaders: {},
    queryStringParameters: null,
    multiValueQueryStringParameters: null,
    pathParameters: null,
    stageVariables: null,
    body: null,
    isBase64Encoded: false,
    requestContext: { requestId: `smoke-${deploymentId}`, authorizer: null } as never,
  };
}

export interface Verdict {
  ok: boolean;
  statusCode?: number;
  reason: string;
}

/** Healthy: the function answered with a status below 500 and no function error. */
export function smokeVerdict(answer: { payload?: string; functionError?: string }): Verdict {
  if (answer.functionError) return { ok: false, reason: `function error ${answer.functionError}` };
  let statusCode: unknown;
  try {
    statusCode = (JSON.parse(answer.payload ?? 'null') as { statusCode?: unknown } | null)?.statusCode;
  } catch {
    return { ok: false, reason: 'the answer is not JSON' };
  }
  if (typeof statusCode !== 'number') return { ok: false, reason: 'the answer has no statusCode' };
  return statusCode < 500
    ? { ok: true, statusCode, reason: 'answered without a server error' }
    : { ok: false, statusCode, reason: 'answered with a server error' };
}
