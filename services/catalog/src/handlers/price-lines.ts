/**
 * priceLines (P09 internal API, for orders): JSON in, JSON out, invoked with Lambda
 * Invoke (RequestResponse) or as a Step Functions Task.
 *
 * in:  { currency: 'EUR' | 'USD' | 'GBP', skus: string[] (1-100) }
 * out: { currency, lines: [{ sku, name, kind, unitPrice, active }] } (asked order, each SKU once)
 * errors (errorType): UnknownProductError, ProductInactiveError, CurrencyNotOfferedError,
 *   ValidationError; all permanent. The SKUs concerned end the message.
 */
import * as z from 'zod/mini';
import { validate } from '@order-platform/shared/http';
import { logger, withObservability } from '@order-platform/shared/observability';
import { buildLoadProducts } from '../adapters/products-table';
import { currencySchema, skuSchema } from '../domain/product';
import { priceLines, type PriceLinesResult } from '../domain/use-cases';
import { productsTable } from './deps';

export const priceLinesInputSchema = z.object({
  currency: currencySchema,
  skus: z.array(skuSchema).check(z.minLength(1), z.maxLength(100)),
  correlationId: z.optional(z.string()),
});

export function makeHandler(price: ReturnType<typeof priceLines>) {
  return async (event: unknown): Promise<PriceLinesResult> => {
    const input = validate(priceLinesInputSchema, event, 'priceLines input');
    const result = await price(input.currency, input.skus);
    logger.info('Priced', { currency: result.currency, lines: result.lines.length });
    return result;
  };
}

const { doc, table } = productsTable({ maxAttempts: 2 });

export const handler = withObservability(makeHandler(priceLines(buildLoadProducts(doc, table))));
