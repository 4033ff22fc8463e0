/**
 * getStock (P09 internal API): current levels for up to 100 SKUs.
 *
 * in:  { skus: string[] }
 * out: { items: [{ sku, available, reserved, version, known }] } (unknown SKUs: 0, known false)
 * errors (errorType): ValidationError.
 */
import { validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { buildGetStockLevels } from '../adapters/stock-table';
import { getStockInputSchema, type GetStockResult } from '../domain/stock';
import { getStock } from '../domain/use-cases';
import { stockTable } from './deps';

export function makeHandler(get: ReturnType<typeof getStock>) {
  return async (event: unknown): Promise<GetStockResult> =>
    get(validate(getStockInputSchema, event, 'getStock input').skus);
}

const { doc, table } = stockTable();

export const handler = withObservability(makeHandler(getStock(buildGetStockLevels(doc, table))));
