import { describe, expect, it } from 'vitest';
import {
  CurrencyNotOfferedError,
  PRICE_LINES_ERROR_TYPES,
  ProductInactiveError,
  UnknownProductError,
  ValidationError,
} from '../domain/errors';
import {
  CatalogClientError,
  CatalogUnavailableError,
  TimeoutError,
  errorFromPayload,
  skusOf,
} from './catalog-client';

describe('errorFromPayload', () => {
  it('maps every errorType priceLines throws to a typed client error of the same name, with its SKUs', () => {
    // The server-side classes are the source of truth: a renamed class must break this test.
    const serverErrors = [
      new UnknownProductError(['A-1', 'B-2']),
      new ProductInactiveError(['C-3']),
      new CurrencyNotOfferedError('USD', ['D-4']),
      new ValidationError('Invalid priceLines input'),
    ];
    expect(serverErrors.map((e) => e.name).sort()).toEqual([...PRICE_LINES_ERROR_TYPES].sort());
    const mapped = serverErrors.map((e) => errorFromPayload({ errorType: e.name, errorMessage: e.message }));
    expect(mapped.map((m) => [m.name, m.skus, m.retryable])).toEqual([
      ['UnknownProductError', ['A-1', 'B-2'], false],
      ['ProductInactiveError', ['C-3'], false],
      ['CurrencyNotOfferedError', ['D-4'], false],
      ['ValidationError', [], false],
    ]);
    expect(mapped.every((m) => m instanceof CatalogClientError)).toBe(true);
  });

  it('treats a function timeout as TimeoutError and anything unknown as a retryable unavailability', () => {
    expect(
      errorFromPayload({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out' }),
    ).toBeInstanceOf(TimeoutError);
    const unknown = errorFromPayload({
      errorType: 'ProvisionedThroughputExceededException',
      errorMessage: 'x',
    });
    expect(unknown).toBeInstanceOf(CatalogUnavailableError);
    expect(unknown.retryable).toBe(true);
    expect(skusOf('No SKUs here.')).toEqual([]);
  });
});
