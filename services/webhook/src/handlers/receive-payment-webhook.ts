import { SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { intEnv, optionalEnv, requireEnv } from '@order-platform/shared/config';
import { PayloadTooLargeError } from '@order-platform/shared/errors';
import { errorResponse, header, json, parseJsonBody } from '@order-platform/shared/http';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  currentCorrelationId,
  metrics,
  setCorrelationId,
  withObservability,
} from '@order-platform/shared/observability';
import { providerWebhookSchema } from '../domain/messages';
import { correlationIdFor, enqueueWebhookFor, verifyWebhookFor, type ReceiveDeps } from '../domain/receive';
import { SIGNATURE_HEADER } from '../domain/signature';
import { buildEnqueueLedgerMessage } from '../adapters/queue';
import { buildSigningSecrets } from '../adapters/signing-secrets';

export const MAX_BODY_BYTES = 64 * 1024;

/** POST /webhooks/payments (P01): 401 bad signature, 400 bad body, else enqueue and 202. */
export function makeHandler(deps: ReceiveDeps) {
  const verify = verifyWebhookFor(deps);
  const enqueue = enqueueWebhookFor(deps);
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const raw =
        event.isBase64Encoded && event.body
          ? Buffer.from(event.body, 'base64').toString('utf8')
          : (event.body ?? '');
      // Checked before the HMAC so an oversized body costs nothing.
      if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES)
        throw new PayloadTooLargeError(`Request body exceeds ${MAX_BODY_BYTES} bytes`);
      await verify(raw, header(event, SIGNATURE_HEADER));
      const webhook = parseJsonBody(event, providerWebhookSchema, { maxBytes: MAX_BODY_BYTES });
      // From here on the webhook belongs to the order's thread (the id the charge carried).
      await enqueue(webhook, setCorrelationId(correlationIdFor(webhook, currentCorrelationId())));
      metrics.addMetric('WebhookAccepted', MetricUnit.Count, 1);
      return json(202, { received: true, id: webhook.id });
    } catch (error) {
      const response = errorResponse(error);
      metrics.addMetric(
        response.statusCode === 401 ? 'WebhookSignatureRejected' : 'WebhookRejected',
        MetricUnit.Count,
        1,
      );
      return response;
    }
  };
}

const secretId = optionalEnv('SIGNING_SECRET_ID');
const parameterName = optionalEnv('SIGNING_SECRET_PARAMETER');

export const handler = withObservability(
  makeHandler({
    secrets: buildSigningSecrets({
      ...(secretId ? { secretId } : {}),
      ...(parameterName ? { parameterName } : {}),
      maxAgeSeconds: intEnv('SIGNING_SECRET_MAX_AGE_SECONDS', 300),
    }),
    enqueue: buildEnqueueLedgerMessage(
      awsClient(SQSClient, { maxAttempts: 2 }),
      requireEnv('PAYMENTS_QUEUE_URL'),
    ),
    now: () => new Date(),
    toleranceSeconds: intEnv('SIGNATURE_TOLERANCE_SECONDS', 300),
  }),
);
