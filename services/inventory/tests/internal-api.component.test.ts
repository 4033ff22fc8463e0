/**
 * The internal API (P09) end to end on a laptop: the real Lambda SDK client, through the
 * typed client adapter, against the Lambda Invoke HTTP API served by
 * test-support/src/lambda-invoke-server.ts, running the deployed handlers over moto.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  startLambdaInvokeServer,
  type LambdaInvokeServer,
} from '@order-platform/test-support/lambda-invoke-server';
import { buildSetStock, documentClient } from '../src/adapters/stock-table';
import {
  InventoryUnavailableError,
  InventoryValidationError,
  OutOfStockError,
  TimeoutError,
  buildInventoryClient,
  type InventoryClient,
} from '../src/client/inventory-client';
import { startSerialGate, type SerialGate } from '@order-platform/test-support/serial-gate';
import { createTableFromTemplate, newOrderId, unique } from './support';

const ARN = 'arn:aws:lambda:us-east-1:000000000000:function:';
const names = {
  reserveStock: `${ARN}op-inventory-test-reserveStock`,
  releaseStock: 'op-inventory-test-releaseStock',
  getStock: 'op-inventory-test-getStock',
};

let gate: SerialGate;
let server: LambdaInvokeServer;
let lambda: LambdaClient;
let inventory: InventoryClient;
let setStock: ReturnType<typeof buildSetStock>;

const errorOf = (p: Promise<unknown>) =>
  p.then(
    () => undefined,
    (e: unknown) => e as Error,
  );

beforeAll(async () => {
  gate = await startSerialGate(inject('motoUrl'));
  process.env.AWS_ENDPOINT_URL_DYNAMODB = gate.url;
  const dynamo = new DynamoDBClient({});
  const table = unique('inventory-api');
  await createTableFromTemplate('InventoryTable', table);
  setStock = buildSetStock(documentClient(dynamo), table);
  process.env.TABLE_NAME = table;

  server = await startLambdaInvokeServer({
    'op-inventory-test-reserveStock': (await import('../src/handlers/reserve-stock')).handler as never,
    'op-inventory-test-releaseStock': (await import('../src/handlers/release-stock')).handler as never,
    'op-inventory-test-getStock': (await import('../src/handlers/get-stock')).handler as never,
  });
  server.register('op-inventory-test-hangs', () => new Promise(() => undefined));
  server.register('op-inventory-test-slow', () => new Promise((r) => setTimeout(r, 5_000)), {
    timeoutMs: 50,
  });
  process.env.AWS_ENDPOINT_URL_LAMBDA = server.url;
  lambda = new LambdaClient({});
  inventory = buildInventoryClient(lambda, names, { timeoutMs: 2_000 });
});

afterAll(async () => {
  await server.stop();
  await gate.stop();
});

describe('inventory internal API through Lambda Invoke', () => {
  it('reserves, reads and releases stock through the typed client', async () => {
    // Prepare
    await setStock('API-MUG', 5, new Date().toISOString());
    const orderId = newOrderId();
    // Act
    const reserved = await inventory.reserve({
      orderId,
      lines: [{ sku: 'API-MUG', quantity: 2 }],
      correlationId: 'corr-1',
    });
    const during = await inventory.getStock(['API-MUG', 'API-NONE']);
    const released = await inventory.release({ orderId, reason: 'test' });
    const after = await inventory.getStock(['API-MUG']);
    // Assess
    expect(reserved).toMatchObject({ orderId, status: 'RESERVED', lines: [{ sku: 'API-MUG', quantity: 2 }] });
    expect(during).toEqual([
      expect.objectContaining({ sku: 'API-MUG', available: 3, reserved: 2, known: true }),
      { sku: 'API-NONE', available: 0, reserved: 0, version: 0, known: false },
    ]);
    expect(released).toMatchObject({ orderId, status: 'RELEASED', lines: [{ sku: 'API-MUG', quantity: 2 }] });
    expect(after[0]).toMatchObject({ available: 5, reserved: 0 });
  });

  it('turns the function error payload back into a typed OutOfStockError', async () => {
    await setStock('API-LAMP', 1, new Date().toISOString());
    const error = await errorOf(
      inventory.reserve({ orderId: newOrderId(), lines: [{ sku: 'API-LAMP', quantity: 3 }] }),
    );
    expect(error).toBeInstanceOf(OutOfStockError);
    expect(error).toMatchObject({ name: 'OutOfStockError', retryable: false });
    expect(error?.message).toContain('API-LAMP (requested 3, available 1)');
  });

  it('reports a contract violation as a permanent ValidationError', async () => {
    const error = await errorOf(inventory.reserve({ orderId: 'nope', lines: [] }));
    expect(error).toBeInstanceOf(InventoryValidationError);
    expect(error).toMatchObject({ name: 'ValidationError', retryable: false });
  });

  it('gives up on a hanging function at the deadline with a retryable TimeoutError', async () => {
    const client = buildInventoryClient(
      lambda,
      { ...names, getStock: 'op-inventory-test-hangs' },
      { timeoutMs: 300 },
    );
    const error = await errorOf(client.getStock(['API-MUG']));
    expect(error).toBeInstanceOf(TimeoutError);
    expect(error).toMatchObject({ name: 'TimeoutError', retryable: true });
  });

  it('maps a function that outlives its own timeout (Sandbox.Timedout) to TimeoutError', async () => {
    const client = buildInventoryClient(
      lambda,
      { ...names, getStock: 'op-inventory-test-slow' },
      { timeoutMs: 5_000 },
    );
    expect(await errorOf(client.getStock(['API-MUG']))).toBeInstanceOf(TimeoutError);
  });

  it('reports a missing function as a retryable InventoryUnavailableError', async () => {
    const client = buildInventoryClient(
      lambda,
      { ...names, getStock: 'op-inventory-test-missing' },
      { timeoutMs: 2_000 },
    );
    const error = await errorOf(client.getStock(['API-MUG']));
    expect(error).toBeInstanceOf(InventoryUnavailableError);
    expect(error?.message).toContain('ResourceNotFoundException');
  });

  it('runs an Event invocation after answering 202 (the handoff shape, P10)', async () => {
    await setStock('API-PEN', 2, new Date().toISOString());
    const orderId = newOrderId();
    await inventory.reserve({ orderId, lines: [{ sku: 'API-PEN', quantity: 2 }] });
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: names.releaseStock,
        InvocationType: 'Event',
        Payload: new TextEncoder().encode(JSON.stringify({ orderId })),
      }),
    );
    expect(out.StatusCode).toBe(202);
    await server.drain();
    expect(server.invocations.at(-1)).toMatchObject({
      invocationType: 'Event',
      outcome: 'success',
      result: { status: 'RELEASED' },
    });
    expect((await inventory.getStock(['API-PEN']))[0]).toMatchObject({ available: 2, reserved: 0 });
  });
});
