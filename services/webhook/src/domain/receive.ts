/**
 * The receiving half of the scalable webhook (P01): check the signature on the raw
 * bytes, then hand the validated event to the queue. No database, no provider call:
 * the answer (202) comes back in milliseconds whatever the writer is doing.
 */
import { UnauthorizedError } from '@order-platform/shared/errors';
import {
  ATTR_CORRELATION_ID,
  ATTR_KIND,
  ATTR_PROVIDER_EVENT_ID,
  correlationIdSchema,
  type ProviderWebhook,
  type ProviderWebhookMessage,
} from './messages';
import type { EnqueueLedgerMessage, SigningSecrets } from './ports';
import { SIGNATURE_HEADER, verifySignature } from './signature';

export interface ReceiveDeps {
  secrets: SigningSecrets;
  enqueue: EnqueueLedgerMessage;
  now: () => Date;
  toleranceSeconds: number;
}

export function verifyWebhookFor(deps: Pick<ReceiveDeps, 'secrets' | 'now' | 'toleranceSeconds'>) {
  return async (rawBody: string, header: string | undefined): Promise<void> => {
    const check = async (refresh: boolean) =>
      verifySignature({
        header,
        rawBody,
        secrets: await deps.secrets({ refresh }),
        now: Math.floor(deps.now().getTime() / 1000),
        toleranceSeconds: deps.toleranceSeconds,
      });
    let result = await check(false);
    // A mismatch right after a rotation: re-read the secret once (rate-limited) and retry.
    if (!result.ok && result.reason === 'signature_mismatch') result = await check(true);
    if (!result.ok)
      throw new UnauthorizedError(result.message, [{ path: SIGNATURE_HEADER, message: result.reason }]);
  };
}

/**
 * The thread a webhook belongs to: the correlation id the platform put in the charge's
 * metadata, when the provider echoes a valid one (so the ledger entry, its events and
 * the billing records continue the order's thread), else this request's own.
 */
export function correlationIdFor(event: ProviderWebhook, requestCorrelationId: string): string {
  const echoed = event.data.metadata?.correlationId;
  return echoed !== undefined && correlationIdSchema.safeParse(echoed).success
    ? echoed
    : requestCorrelationId;
}

export function enqueueWebhookFor(deps: Pick<ReceiveDeps, 'enqueue' | 'now'>) {
  return async (event: ProviderWebhook, correlationId: string): Promise<ProviderWebhookMessage> => {
    const message: ProviderWebhookMessage = {
      kind: 'provider.webhook',
      correlationId,
      receivedAt: deps.now().toISOString(),
      event,
    };
    await deps.enqueue(message, {
      [ATTR_KIND]: message.kind,
      [ATTR_CORRELATION_ID]: correlationId,
      [ATTR_PROVIDER_EVENT_ID]: event.id,
    });
    return message;
  };
}
