import { describe, expect, it } from 'vitest';
import {
  INTERNAL_API_ERROR_TYPES,
  InventoryBusyError,
  OutOfStockError,
  ReservationConflictError,
  ValidationError,
} from '../domain/errors';
import {
  InventoryClientError,
  InventoryUnavailableError,
  TimeoutError,
  errorFromPayload,
} from './inventory-client';

describe('errorFromPayload', () => {
  it('maps every errorType the functions throw to a typed client error of the same name', () => {
    // The server-side classes are the source of truth: a renamed class must break this test.
    const serverErrors = [
      new OutOfStockError([]),
      new ReservationConflictError('x'),
      new ValidationError('x'),
      new InventoryBusyError('x'),
    ];
    expect(serverErrors.map((e) => e.name).sort()).toEqual([...INTERNAL_API_ERROR_TYPES].sort());
    for (const e of serverErrors) {
      const mapped = errorFromPayload({ errorType: e.name, errorMessage: e.message });
      expect(mapped).toBeInstanceOf(InventoryClientError);
      expect(mapped.name).toBe(e.name);
      expect(mapped.retryable).toBe(e.name === 'InventoryBusyError');
    }
  });

  it('treats a function timeout as TimeoutError and anything unknown as a retryable unavailability', () => {
    expect(
      errorFromPayload({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out' }),
    ).toBeInstanceOf(TimeoutError);
    const unknown = errorFromPayload({
      errorType: 'ProvisionedThroughputExceededException',
      errorMessage: 'slow down',
    });
    expect(unknown).toBeInstanceOf(InventoryUnavailableError);
    expect(unknown.errorType).toBe('ProvisionedThroughputExceededException');
    expect(unknown.retryable).toBe(true);
  });
});
