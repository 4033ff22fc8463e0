/**
 * Typed client for the inventory service's internal API (P09), for other services to
 * use. The Invoke transport (deadline, failure kinds) is the shared internal-API invoker.
 *
 * - Calls the functions with Lambda `Invoke` (RequestResponse) and a hard deadline per
 *   call (`timeoutMs`, an AbortSignal covering the SDK's own retries): a hanging
 *   function becomes a TimeoutError instead of eating the caller's whole timeout.
 * - Maps a function error (`X-Amz-Function-Error` + `{ errorType, errorMessage }`) back
 *   to the typed error of the same name, each marked `retryable` or not.
 * - TimeoutError means "outcome unknown"; retrying is safe because reserve and release
 *   are idempotent per order.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import { functionErrorMapper, internalApiInvoker } from '@order-platform/shared/internal-api';

export interface StockLine {
  sku: string;
  quantity: number;
}
export interface ReserveRequest {
  orderId: string;
  lines: StockLine[];
  correlationId?: string;
}
export interface ReserveResponse {
  orderId: string;
  status: 'RESERVED' | 'ALREADY_RELEASED';
  lines: StockLine[];
  reservedAt?: string;
  releasedAt?: string;
}
export interface ReleaseRequest {
  orderId: string;
  reason?: string;
  correlationId?: string;
}
export interface ReleaseResponse {
  orderId: string;
  status: 'RELEASED';
  lines: StockLine[];
  releasedAt: string;
}
export interface StockLevel {
  sku: string;
  available: number;
  reserved: number;
  version: number;
  known: boolean;
}

export interface InventoryFunctionNames {
  reserveStock: string;
  releaseStock: string;
  getStock: string;
}

export interface InventoryClientOptions {
  /** Deadline for one call, SDK retries included. */
  timeoutMs: number;
}

export class InventoryClientError extends Error {
  constructor(
    message: string,
    /** The function's errorType (or the client's own name for transport failures). */
    readonly errorType: string,
    /** True when the same call may succeed later (transient). */
    readonly retryable: boolean,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = errorType;
  }
}

export interface Shortage {
  sku: string;
  requested: number;
  available: number;
}

/** Some line cannot be covered; nothing was reserved. Permanent. */
export class OutOfStockError extends InventoryClientError {
  constructor(message: string) {
    super(message, 'OutOfStockError', false);
  }
}
/** The order is already reserved with different lines. Permanent. */
export class ReservationConflictError extends InventoryClientError {
  constructor(message: string) {
    super(message, 'ReservationConflictError', false);
  }
}
/** The request does not match the contract. Permanent. */
export class InventoryValidationError extends InventoryClientError {
  constructor(message: string) {
    super(message, 'ValidationError', false);
  }
}
/** Write contention outlasted the service's own retries. Transient. */
export class InventoryBusyError extends InventoryClientError {
  constructor(message: string) {
    super(message, 'InventoryBusyError', true);
  }
}
/** No answer within the deadline (client side), or the function itself timed out. Transient; outcome unknown. */
export class TimeoutError extends InventoryClientError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, 'TimeoutError', true, options);
  }
}
/** Lambda could not run the function (throttled, missing, network) or it failed unexpectedly. Transient. */
export class InventoryUnavailableError extends InventoryClientError {
  constructor(message: string, errorType = 'InventoryUnavailableError', options?: { cause?: unknown }) {
    super(message, errorType, true, options);
  }
}

const TYPED: Record<string, (message: string) => InventoryClientError> = {
  OutOfStockError: (m) => new OutOfStockError(m),
  ReservationConflictError: (m) => new ReservationConflictError(m),
  ValidationError: (m) => new InventoryValidationError(m),
  InventoryBusyError: (m) => new InventoryBusyError(m),
  // The Lambda runtime's own report when the function outlives its configured timeout.
  'Sandbox.Timedout': (m) => new TimeoutError(m),
};

const errors = functionErrorMapper(
  TYPED,
  (message, errorType) => new InventoryUnavailableError(message, errorType),
  'Inventory function failed',
);

/** The error a function error payload stands for. */
export const errorFromPayload = errors.fromPayload;

export interface InventoryClient {
  reserve(request: ReserveRequest): Promise<ReserveResponse>;
  release(request: ReleaseRequest): Promise<ReleaseResponse>;
  getStock(skus: string[]): Promise<StockLevel[]>;
}

export function buildInventoryClient(
  lambda: LambdaClient,
  functionNames: InventoryFunctionNames,
  options: InventoryClientOptions,
): InventoryClient {
  const invoke = internalApiInvoker(lambda, {
    timeoutMs: options.timeoutMs,
    fallbackMessage: errors.fallbackMessage,
    failures: {
      timeout: (message, cause) => new TimeoutError(message, { cause }),
      unavailable: (message, cause) =>
        new InventoryUnavailableError(message, 'InventoryUnavailableError', { cause }),
      functionError: errors.typedError,
    },
  });

  return {
    reserve: (request) => invoke<ReserveResponse>(functionNames.reserveStock, request),
    release: (request) => invoke<ReleaseResponse>(functionNames.releaseStock, request),
    getStock: async (skus) => (await invoke<{ items: StockLevel[] }>(functionNames.getStock, { skus })).items,
  };
}
