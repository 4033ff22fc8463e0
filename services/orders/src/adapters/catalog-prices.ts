/**
 * The catalog's internal API (P09) as the orders service's PriceLines port: the catalog's
 * published client (Lambda Invoke with a deadline), its typed errors turned into the
 * answers a customer gets: 422 naming the SKUs for what cannot be sold, 503 when the
 * catalog does not answer (nothing is written either way).
 */
import { UnprocessableError, DependencyError } from '@order-platform/shared/errors';
import {
  CatalogClientError,
  type CatalogClient,
  type Currency,
} from '../../../catalog/src/client/catalog-client';
import type { PriceLines } from '../domain/ports';

const REASONS: Record<string, (skus: string) => string> = {
  UnknownProductError: (skus) => `Unknown SKU: ${skus}`,
  ProductInactiveError: (skus) => `No longer sold: ${skus}`,
  CurrencyNotOfferedError: (skus) => `Not sold in this currency: ${skus}`,
};

export function buildPriceLines(catalog: CatalogClient): PriceLines {
  return async (currency, skus, correlationId) => {
    try {
      const { lines } = await catalog.priceLines(currency as Currency, skus, correlationId);
      return lines.map(({ sku, kind, unitPrice }) => ({ sku, kind, unitPrice }));
    } catch (error) {
      if (!(error instanceof CatalogClientError)) throw error;
      const reason = REASONS[error.errorType];
      if (reason) {
        const named = error.skus.length ? error.skus : skus;
        throw new UnprocessableError(
          reason(named.join(', ')),
          named.map((sku) => ({ path: `lines.${skus.indexOf(sku)}.sku`, message: reason(sku) })),
        );
      }
      if (error.retryable) throw new DependencyError('The catalog did not answer; try again');
      throw error;
    }
  };
}
