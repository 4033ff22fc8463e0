/**
 * Named domain errors. Domain code throws these; the one mapping to HTTP lives in
 * `http.ts` (`errorResponse`). Anything that is not an AppError becomes a generic 500.
 */
export interface ErrorDetail {
  path: string;
  message: string;
}

export abstract class AppError extends Error {
  abstract readonly status: number;
  abstract readonly code: string;
  constructor(
    message: string,
    readonly details?: ErrorDetail[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationError extends AppError {
  readonly status = 400;
  readonly code = 'VALIDATION_FAILED';
}

export class UnauthorizedError extends AppError {
  readonly status = 401;
  readonly code = 'UNAUTHORIZED';
}

export class ForbiddenError extends AppError {
  readonly status = 403;
  readonly code = 'FORBIDDEN';
}

export class NotFoundError extends AppError {
  readonly status = 404;
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends AppError {
  readonly status = 409;
  readonly code = 'CONFLICT';
}

export class PayloadTooLargeError extends AppError {
  readonly status = 413;
  readonly code = 'PAYLOAD_TOO_LARGE';
}

export class UnsupportedMediaTypeError extends AppError {
  readonly status = 415;
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

export class UnprocessableError extends AppError {
  readonly status = 422;
  readonly code = 'UNPROCESSABLE';
}

export class DependencyError extends AppError {
  readonly status = 503;
  readonly code = 'DEPENDENCY_UNAVAILABLE';
}

/**
 * Thrown by a queue or stream consumer for a message that can never succeed
 * (bad shape, unsupported version). Consumers route it to a DLQ at once instead of
 * retrying it; every other error is treated as temporary.
 */
export class PermanentError extends Error {
  override name = 'PermanentError';
}

/**
 * A message that cannot even be read (not JSON, not the kind of message its queue
 * carries): permanent, and labelled apart so an operator knows the producer needs a fix.
 */
export class PoisonMessageError extends PermanentError {
  override name = 'PoisonMessageError';
}

/** An event version a consumer has not declared support for (X4). */
export class UnsupportedEventVersionError extends PermanentError {
  override name = 'UnsupportedEventVersionError';
}
