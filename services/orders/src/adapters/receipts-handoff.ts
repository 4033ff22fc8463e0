/**
 * The internal handoff (P10), caller side: orders hands "send the order confirmation" to
 * the receipts service by invoking its function asynchronously (InvocationType Event).
 * Lambda answers 202 as soon as the event is queued; orders does not wait for the email.
 * From then on receipts owns it: Lambda retries a failed attempt, and receipts' on-failure
 * destination keeps what never succeeded (P27). The payload is a SendOrderConfirmation v1
 * envelope, so the correlation id and the idempotency key travel with it.
 *
 * Needs `lambda:InvokeFunction` on the ARN exported as
 * `op-receipts-<stage>-SendOrderConfirmationArn`.
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { HandoffOrderConfirmation } from '../domain/ports';

export class HandoffFailedError extends Error {
  override name = 'HandoffFailedError';
}

/** Lambda's limit for an asynchronous invocation's payload. */
export const MAX_ASYNC_PAYLOAD_BYTES = 1024 * 1024;

export function buildHandoffOrderConfirmation(
  client: LambdaClient,
  functionName: string,
): HandoffOrderConfirmation {
  return async (command) => {
    const payload = Buffer.from(JSON.stringify(command));
    if (payload.byteLength > MAX_ASYNC_PAYLOAD_BYTES) {
      throw new HandoffFailedError(
        `SendOrderConfirmation for ${command.data.orderId} exceeds the async invoke payload limit`,
      );
    }
    const out = await client.send(
      new InvokeCommand({ FunctionName: functionName, InvocationType: 'Event', Payload: payload }),
    );
    // 202 = queued by Lambda. Anything else means the event was not accepted.
    if (out.StatusCode !== 202) {
      throw new HandoffFailedError(
        `Lambda did not queue the confirmation for ${command.data.orderId} (status ${out.StatusCode})`,
      );
    }
  };
}
