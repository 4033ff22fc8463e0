import { randomBytes } from 'node:crypto';
import { CreateTableCommand, type DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { loadTemplate, resource } from '@order-platform/test-support/template';

// One gate implementation for both of this agent's services (see its header for why).
export { startSerialGate, type SerialGate } from '@order-platform/test-support/serial-gate';

export const STACK = 'services/payments';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
export const newOrderId = () => `ord_${[...randomBytes(26)].map((b) => CROCKFORD[b % 32]).join('')}`;
export const unique = (prefix: string) =>
  `${prefix}-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;

/** Creates a table with the key schema of the packaged template's resource. */
export async function createTableFromTemplate(
  client: DynamoDBClient,
  logicalId: string,
  tableName: string,
): Promise<void> {
  const p = resource(loadTemplate(STACK), logicalId).Properties!;
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      AttributeDefinitions: p.AttributeDefinitions,
      KeySchema: p.KeySchema,
      BillingMode: p.BillingMode,
    }),
  );
}

/** A clock shared by the "containers" of a test, moved by hand: cool-downs pass without waiting. */
export function manualClock(start = Date.now()) {
  let t = start;
  return { now: () => t, advance: (ms: number) => void (t += ms) };
}

export const settle = (p: Promise<unknown>) =>
  p.then(
    () => 'ok',
    (e: unknown) => (e as Error).name,
  );
