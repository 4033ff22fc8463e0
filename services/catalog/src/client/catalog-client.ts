/**
 * Typed client for the catalog's internal API (P09), for the orders service to price
 * order lines. The Invoke transport (deadline, failure kinds) is the shared internal-API invoker.
 *
 * - Calls `priceLines` with Lambda `Invoke` (RequestResponse) under a hard deadline per
 *   call (`timeoutMs`, an AbortSignal that also covers the SDK's own retries).
 * - Maps a function error (`X-Amz-Function-Error` + `{ errorType, errorMessage }`) back
 *   to the typed error of the same name, with the SKUs it names, marked `retryable` or not.
 * - priceLines only reads: a TimeoutError can always be retried.
 *
 *   const catalog = buildCatalogClient(lambda, { priceLines: process.env.PRICE_LINES_ARN }, { timeoutMs: 2000 });
 *   const { lines } = await catalog.priceLines('EUR', ['MUG-LOGO', 'POSTER-A2']);
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { functionErrorMapper, internalApiInvoker } from '@order-platform/shared/internal-api';

export type Currency = 'EUR' | 'USD' | 'GBP';
export type Kind = 'physical' | 'digital' | 'giftcard';

export interface PricedLine {
  sku: string;
  name: string;
  kind: Kind;
  /** Minor units (cents) in the requested currency. */
  unitPrice: number;
  active: boolean;
}

export interface PriceLinesResponse {
  currency: Currency;
  lines: PricedLine[];
}

export interface CatalogFunctionNames {
  /** Name or ARN (the stack exports op-catalog-<stage>-PriceLinesArn). */
  priceLines: string;
}

export interface CatalogClientOptions {
  /** Deadline for one call, SDK retries included. */
  timeoutMs: number;
}

export class CatalogClientError extends Error {
  constructor(
    message: string,
    /** The function's errorType (or the client's own name for transport failures). */
    readonly errorType: string,
    /** True when the same call may succeed later. */
    readonly retryable: boolean,
    /** The SKUs the error is about (unknown, inactive or unpriced), when it names some. */
    readonly skus: string[] = [],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = errorType;
  }
}

/** Some SKUs are not in the catalog. Permanent. */
export class UnknownProductError extends CatalogClientError {
  constructor(message: string, skus: string[]) {
    super(message, 'UnknownProductError', false, skus);
  }
}
/** Some SKUs are no longer sold. Permanent. */
export class ProductInactiveError extends CatalogClientError {
  constructor(message: string, skus: string[]) {
    super(message, 'ProductInactiveError', false, skus);
  }
}
/** Some SKUs have no price in the requested currency. Permanent. */
export class CurrencyNotOfferedError extends CatalogClientError {
  constructor(message: string, skus: string[]) {
    super(message, 'CurrencyNotOfferedError', false, skus);
  }
}
/** The request does not match the contract. Permanent. */
export class CatalogValidationError extends CatalogClientError {
  constructor(message: string) {
    super(message, 'ValidationError', false);
  }
}
/** No answer within the deadline, or the function timed out. Transient. */
export class TimeoutError extends CatalogClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'TimeoutError', true, [], options);
  }
}
/** Lambda could not run the function (throttled, missing, network) or it failed unexpectedly. Transient. */
export class CatalogUnavailableError extends CatalogClientError {
  constructor(message: string, errorType = 'CatalogUnavailableError', options?: { cause?: unknown }) {
    super(message, errorType, true, [], options);
  }
}

/** The SKUs at the end of a catalog error message (`Unknown products: A-1, B-2`). */
export function skusOf(message: string): string[] {
  const list = /:\s*([A-Z0-9][A-Z0-9-]*(?:,\s*[A-Z0-9][A-Z0-9-]*)*)\s*$/.exec(message)?.[1];
  return list ? list.split(/,\s*/) : [];
}

const TYPED: Record<string, (message: string) => CatalogClientError> = {
  UnknownProductError: (m) => new UnknownProductError(m, skusOf(m)),
  ProductInactiveError: (m) => new ProductInactiveError(m, skusOf(m)),
  CurrencyNotOfferedError: (m) => new CurrencyNotOfferedError(m, skusOf(m)),
  ValidationError: (m) => new CatalogValidationError(m),
  'Sandbox.Timedout': (m) => new TimeoutError(m),
};

const errors = functionErrorMapper(
  TYPED,
  (message, errorType) => new CatalogUnavailableError(message, errorType),
  'Catalog function failed',
);

/** The error a function error payload stands for. */
export const errorFromPayload = errors.fromPayload;

export interface CatalogClient {
  priceLines(currency: Currency, skus: string[], correlationId?: string): Promise<PriceLinesResponse>;
}

export function buildCatalogClient(
  lambda: LambdaClient,
  functionNames: CatalogFunctionNames,
  options: CatalogClientOptions,
): CatalogClient {
  const invoke = internalApiInvoker(lambda, {
    timeoutMs: options.timeoutMs,
    fallbackMessage: errors.fallbackMessage,
    failures: {
      timeout: (message, cause) => new TimeoutError(message, { cause }),
      unavailable: (message, cause) =>
        new CatalogUnavailableError(message, 'CatalogUnavailableError', { cause }),
      functionError: errors.typedError,
    },
  });

  return {
    priceLines: (currency, skus, correlationId) =>
      invoke<PriceLinesResponse>(functionNames.priceLines, {
        currency,
        skus,
        ...(correlationId ? { correlationId } : {}),
      }),
  };
}
