/**
 * A denied call answered the way the service answers it, so the SDK raises the error a
 * deployed function would get: JSON protocols `AccessDeniedException` (HTTP 400; the
 * DynamoDB, EventBridge, Step Functions, Secrets Manager, SSM, KMS clients read
 * `__type`), SQS's JSON protocol its query-compatible `AccessDenied` (x-amzn-query-error),
 * query protocols an XML `ErrorResponse` (SNS `AuthorizationError`, SQS / SES
 * `AccessDenied`, HTTP 403), S3 an XML `Error` with `AccessDenied` (403), Lambda and SES v2
 * (REST JSON) 403 with `x-amzn-ErrorType: AccessDeniedException`.
 */
import { randomUUID } from 'node:crypto';
import type { Check, Protocol } from './actions';

export interface ErrorReply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** AWS's wording for an identity-policy denial. */
export function deniedMessage(principalArn: string, check: Check, explicit: boolean): string {
  const why = explicit
    ? 'with an explicit deny in an identity-based policy'
    : `because no identity-based policy allows the ${check.action} action`;
  return `User: ${principalArn} is not authorized to perform: ${check.action} on resource: ${check.resource} ${why}`;
}

const xml = (s: string) =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

const QUERY_CODES: Record<string, string> = { sns: 'AuthorizationError' };
const QUERY_NAMESPACES: Record<string, string> = {
  sns: 'http://sns.amazonaws.com/doc/2010-03-31/',
  sqs: 'http://queue.amazonaws.com/doc/2012-11-05/',
  ses: 'http://ses.amazonaws.com/doc/2010-12-01/',
};

export function errorReply(
  service: string,
  protocol: Protocol,
  message: string,
  code = 'AccessDeniedException',
): ErrorReply {
  const requestId = randomUUID();
  switch (protocol) {
    case 'json':
      return {
        status: 400,
        headers: {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': `${code}:`,
        },
        body: JSON.stringify({ __type: code, message, Message: message }),
      };
    case 'sqs':
      return {
        status: 403,
        headers: {
          'content-type': 'application/x-amz-json-1.0',
          'x-amzn-requestid': requestId,
          'x-amzn-query-error': `${code === 'AccessDeniedException' ? 'AccessDenied' : code};Sender`,
        },
        body: JSON.stringify({ __type: `com.amazon.coral.service#${code}`, message }),
      };
    case 'rest-json':
      return {
        status: 403,
        headers: {
          'content-type': 'application/json',
          'x-amzn-requestid': requestId,
          'x-amzn-errortype': code,
        },
        body: JSON.stringify({ Type: 'User', message, Message: message }),
      };
    case 'rest-xml':
      return {
        status: 403,
        headers: { 'content-type': 'application/xml', 'x-amz-request-id': requestId },
        body: `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code === 'AccessDeniedException' ? 'AccessDenied' : code}</Code><Message>${xml(message)}</Message><RequestId>${requestId}</RequestId><HostId>local</HostId></Error>`,
      };
    case 'query': {
      const queryCode = code === 'AccessDeniedException' ? (QUERY_CODES[service] ?? 'AccessDenied') : code;
      const ns = QUERY_NAMESPACES[service];
      return {
        status: 403,
        headers: { 'content-type': 'text/xml', 'x-amzn-requestid': requestId },
        body: `<ErrorResponse${ns ? ` xmlns="${ns}"` : ''}><Error><Type>Sender</Type><Code>${queryCode}</Code><Message>${xml(message)}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`,
      };
    }
  }
}

/**
 * AWS failing a call on its side (an injected fault, local/src/faults): `unavailable` is
 * the 503 every service can answer; `throttled` the service's own throttling error. The
 * SDK retries both with backoff, as it does on AWS.
 */
export function serviceFaultReply(
  service: string,
  protocol: Protocol,
  fault: 'unavailable' | 'throttled',
): ErrorReply {
  if (fault === 'unavailable')
    return {
      ...errorReply(service, protocol, 'Service Unavailable (injected fault)', 'ServiceUnavailable'),
      status: 503,
    };
  const throttled: Record<Protocol, [number, string]> = {
    json: [400, 'ThrottlingException'],
    sqs: [400, 'RequestThrottled'],
    query: [400, 'Throttling'],
    'rest-json': [429, 'TooManyRequestsException'],
    'rest-xml': [503, 'SlowDown'],
  };
  const [status, code] = throttled[protocol];
  return { ...errorReply(service, protocol, 'Rate exceeded (injected fault)', code), status };
}
