/**
 * The payments service's refundCapture function (its internal API, P09), called with
 * Lambda Invoke (RequestResponse). A function error comes back as an Error named after
 * the function's errorType; the finding then stays open and the next run asks again
 * (the refund key makes that safe).
 */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { RefundCapture, RefundCaptureAnswer } from '../domain/ports';

export function buildRefundCapture(
  client: LambdaClient,
  functionName: string,
  timeoutMs = 15_000,
): RefundCapture {
  return async (request) => {
    const out = await client.send(
      new InvokeCommand({
        FunctionName: functionName,
        InvocationType: 'RequestResponse',
        Payload: Buffer.from(JSON.stringify(request)),
      }),
      { abortSignal: AbortSignal.timeout(timeoutMs) },
    );
    const payload = out.Payload ? JSON.parse(Buffer.from(out.Payload).toString('utf8')) : undefined;
    if (out.FunctionError) {
      const error = new Error(
        (payload as { errorMessage?: string } | undefined)?.errorMessage ??
          `refundCapture failed (${out.FunctionError})`,
      );
      error.name = (payload as { errorType?: string } | undefined)?.errorType ?? 'RefundCaptureError';
      throw error;
    }
    return payload as RefundCaptureAnswer;
  };
}
