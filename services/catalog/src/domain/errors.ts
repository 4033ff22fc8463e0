/**
 * The catalog's typed errors. The internal API (priceLines) throws them; the Node.js
 * runtime reports `errorType` = the class name, which is what a Step Functions
 * `Retry`/`Catch` and the client adapter (src/client/catalog-client.ts) match on. The
 * SKUs concerned end the message (`...: SKU-1, SKU-2`), so a caller can name them.
 *
 * | errorType               | meaning                                                        |
 * |-------------------------|----------------------------------------------------------------|
 * | UnknownProductError     | some SKUs are not in the catalog                               |
 * | ProductInactiveError    | some SKUs are no longer sold (deactivated by a full import)    |
 * | CurrencyNotOfferedError | some SKUs have no price in the requested currency              |
 * | ValidationError         | the input does not match the contract                          |
 *
 * All four are permanent: the same call gives the same answer until the catalog changes.
 */
import { NotFoundError, ValidationError } from '@order-platform/shared/errors';

export { NotFoundError, ValidationError };

abstract class SkuError extends Error {
  constructor(
    what: string,
    readonly skus: string[],
  ) {
    super(`${what}: ${skus.join(', ')}`);
  }
}

export class UnknownProductError extends SkuError {
  override name = 'UnknownProductError';
  constructor(skus: string[]) {
    super('Unknown products', skus);
  }
}

export class ProductInactiveError extends SkuError {
  override name = 'ProductInactiveError';
  constructor(skus: string[]) {
    super('Products no longer sold', skus);
  }
}

export class CurrencyNotOfferedError extends SkuError {
  override name = 'CurrencyNotOfferedError';
  constructor(
    readonly currency: string,
    skus: string[],
  ) {
    super(`No ${currency} price for`, skus);
  }
}

/** The errorType values a priceLines caller can receive. */
export const PRICE_LINES_ERROR_TYPES = [
  'UnknownProductError',
  'ProductInactiveError',
  'CurrencyNotOfferedError',
  'ValidationError',
] as const;
