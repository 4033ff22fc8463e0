/**
 * The local API Gateway's AWS service integration against a real SQS API (moto_server):
 * the webhook stack's carrier route renders its request template, sends it as
 * SendMessage to the queue, and answers with the integration response API Gateway
 * would choose for moto's status.
 */
import { CreateQueueCommand, ReceiveMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { uniqueName } from '@order-platform/test-support/aws';
import { startApiGateway, type LocalApiGateway } from '../src/apigw/index';
import {
  ACCOUNT,
  CARRIER_UPDATE,
  FakeFunctions,
  REGION,
  WEBHOOK_API,
  webhookResources,
} from '../src/apigw/test-fixtures';

const sqs = new SQSClient({});

async function gatewayFor(queueName: string): Promise<LocalApiGateway> {
  return startApiGateway({
    resources: webhookResources(queueName),
    stage: 'local',
    functions: new FakeFunctions({}),
    awsEndpoint: inject('motoUrl'),
    region: REGION,
    accountId: ACCOUNT,
    log: { line: () => {} },
  });
}

async function postUpdate(gw: LocalApiGateway, body: unknown) {
  return fetch(`${gw.baseUrlOf(WEBHOOK_API)}/webhooks/carrier`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': gw.apiKeys['op-webhook-carrier-local']! },
    body: JSON.stringify(body),
  });
}

describe('API Gateway SQS integration (moto)', () => {
  const queueName = uniqueName('op-webhook-local-carrier');
  let queueUrl: string;
  let gw: LocalApiGateway;

  beforeAll(async () => {
    queueUrl = (await sqs.send(new CreateQueueCommand({ QueueName: queueName }))).QueueUrl!;
    gw = await gatewayFor(queueName);
  });
  afterAll(() => gw.close());

  it('enqueues the rendered message with its attributes and answers 202 with the rendered body', async () => {
    const res = await postUpdate(gw, CARRIER_UPDATE);
    expect(res.status).toBe(202);
    const requestId = res.headers.get('x-amzn-requestid');
    expect(await res.json()).toEqual({ accepted: true, requestId });

    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MessageAttributeNames: ['All'], WaitTimeSeconds: 1 }),
    );
    expect(Messages).toHaveLength(1);
    expect(JSON.parse(Messages[0]!.Body!)).toEqual(CARRIER_UPDATE);
    expect(Messages[0]!.MessageAttributes).toEqual({
      correlationId: { DataType: 'String', StringValue: requestId },
      kind: { DataType: 'String', StringValue: 'carrier.update' },
    });
  });

  it('keeps an invalid body out of the queue with the 400 gateway response', async () => {
    const res = await postUpdate(gw, { ...CARRIER_UPDATE, status: 'lost' });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('VALIDATION_FAILED');
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, WaitTimeSeconds: 0 }),
    );
    expect(Messages).toHaveLength(0);
  });

  it('answers the 502 response template when SQS rejects the call (no such queue)', async () => {
    const missing = await gatewayFor(uniqueName('op-webhook-local-missing'));
    try {
      const res = await postUpdate(missing, CARRIER_UPDATE);
      expect(res.status).toBe(502);
      expect(await res.json()).toEqual({
        error: { code: 'DEPENDENCY_UNAVAILABLE', message: 'The update could not be queued; retry' },
      });
    } finally {
      await missing.close();
    }
  });
});
