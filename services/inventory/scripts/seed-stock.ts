/**
 * Loads the demo's initial stock.
 *
 *   tsx services/inventory/scripts/seed-stock.ts --table <InventoryTable name> [--file seed.json]
 *     writes the levels straight to the table (local runs, a fresh stage);
 *   tsx services/inventory/scripts/seed-stock.ts --queue-url <StockAdjustmentsQueueUrl> [--file ...]
 *     sends one `setTo` adjustment per SKU through the FIFO queue, the way the warehouse
 *     does (a deployed stage: the consumer applies them in order, once each).
 *
 * The AWS SDK honours AWS_ENDPOINT_URL, so both modes work against moto or LocalStack.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SQSClient, SendMessageCommand } from '@aws-sdk/client-sqs';
import { adjustmentMessage } from '@order-platform/shared/events/inventory/stockAdjustment.v1';
import { buildSetStock, documentClient } from '../src/adapters/stock-table';

const { values } = parseArgs({
  options: {
    table: { type: 'string' },
    'queue-url': { type: 'string' },
    file: { type: 'string', default: join(__dirname, '..', 'seed', 'demo-stock.json') },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm run seed:stock -- (--table <stock table> | --queue-url <adjustments FIFO queue>) [--file seed.json]

Loads demo stock: straight into the inventory table, or as stock adjustments through the FIFO
queue (one message group per SKU). The file is [{ "sku": "...", "available": N }].`);
  process.exit(0);
}

const items = JSON.parse(readFileSync(values.file!, 'utf8')) as { sku: string; available: number }[];
const region = process.env.AWS_REGION ?? 'us-east-1';
const now = new Date().toISOString();

async function main() {
  if (values.table) {
    const setStock = buildSetStock(documentClient(new DynamoDBClient({ region })), values.table);
    for (const { sku, available } of items) await setStock(sku, available, now);
    process.stdout.write(`Seeded ${items.length} SKUs into ${values.table}\n`);
  } else if (values['queue-url']) {
    const sqs = new SQSClient({ region });
    const run = Date.now().toString(36);
    for (const { sku, available } of items) {
      const adjustment = {
        adjustmentId: `seed-${run}-${sku}`,
        sku,
        setTo: available,
        reason: 'demo seed',
        occurredAt: now,
      };
      await sqs.send(
        new SendMessageCommand({ QueueUrl: values['queue-url'], ...adjustmentMessage(adjustment) }),
      );
    }
    process.stdout.write(`Sent ${items.length} setTo adjustments to ${values['queue-url']}\n`);
  } else {
    process.stderr.write('Usage: seed-stock.ts --table <name> | --queue-url <url> [--file seed.json]\n');
    process.exit(2);
  }
}

// Scripts run as CommonJS under tsx (the repository is not "type": "module"): no top-level await.
void main();
