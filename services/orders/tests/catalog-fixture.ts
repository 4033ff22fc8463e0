/**
 * The catalog, as the orders service meets it (P09): its real priceLines handler over a
 * products table created from the catalog's packaged template in moto, served by
 * test-support's Lambda Invoke endpoint, so createOrder prices lines through the real
 * catalog client and the real Lambda SDK. Products are written with the catalog's own
 * adapter.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createTableFromTemplate } from '../../../test-support/src/aws';
import {
  startLambdaInvokeServer,
  type LambdaInvokeServer,
} from '../../../test-support/src/lambda-invoke-server';
import { buildWriteProducts } from '../../catalog/src/adapters/products-table';
import type { Product } from '../../catalog/src/domain/product';

export const PRICE_LINES_FUNCTION = 'op-catalog-test-priceLines';

export interface CatalogFixture {
  /** Puts products on sale (or changes them): EUR and USD prices, physical unless said. */
  sell(
    products: { sku: string; eur: number; usd?: number; kind?: Product['kind']; active?: boolean }[],
  ): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the catalog and points this process's Lambda SDK and createOrder at it. */
export async function startCatalog(): Promise<CatalogFixture> {
  const table = await createTableFromTemplate('services/catalog', 'ProductsTable');
  process.env.PRODUCTS_TABLE_NAME = table;
  const { handler } = await import('../../catalog/src/handlers/price-lines');
  const server: LambdaInvokeServer = await startLambdaInvokeServer({
    [PRICE_LINES_FUNCTION]: handler as never,
  });
  process.env.AWS_ENDPOINT_URL_LAMBDA = server.url;
  process.env.PRICE_LINES_FUNCTION = PRICE_LINES_FUNCTION;
  const write = buildWriteProducts(
    DynamoDBDocumentClient.from(new DynamoDBClient({}), { marshallOptions: { removeUndefinedValues: true } }),
    table,
  );
  return {
    sell: (products) =>
      write(
        products.map((p) => ({
          sku: p.sku,
          name: p.sku,
          kind: p.kind ?? 'physical',
          prices: { EUR: p.eur, ...(p.usd !== undefined ? { USD: p.usd } : {}) },
          active: p.active ?? true,
          version: 1,
          updatedAt: new Date().toISOString(),
        })) as Product[],
      ),
    stop: () => server.stop(),
  };
}
