/**
 * POST /giftcards/redeem { code }: a gift card is redeemed once. The code is hashed and
 * the card marked redeemed by a conditional write; a second attempt is a 409 that says
 * when the card was redeemed, an unknown code a 404.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { ConflictError, NotFoundError } from '@order-platform/shared/errors';
import { errorResponse, json, parseJsonBody, principalOf } from '@order-platform/shared/http';
import { logger, withObservability } from '@order-platform/shared/observability';
import { giftCardHash, redeemInputSchema } from '../domain/fulfilment';
import type { FulfilmentStore } from '../domain/ports';
import { store } from './deps';

export function makeHandler(deps: { store: FulfilmentStore; now?: () => Date }) {
  const now = deps.now ?? (() => new Date());
  return async (event: APIGatewayProxyEvent): Promise<APIGatewayProxyResult> => {
    try {
      const principal = principalOf(event);
      const { code } = parseJsonBody(event, redeemInputSchema, { maxBytes: 1024 });
      const out = await deps.store.redeem(giftCardHash(code), principal.customerId, now());
      if (out.outcome === 'unknown') throw new NotFoundError('No gift card has this code');
      if (out.outcome === 'already')
        throw new ConflictError(`This gift card was already redeemed at ${out.redeemedAt}`);
      logger.info('Gift card redeemed', { orderId: out.orderId, lineNo: out.lineNo });
      // The buyer's order stays private: the redeemer learns the value only.
      return json(200, { redeemed: true, amount: out.amount, currency: out.currency });
    } catch (error) {
      return errorResponse(error);
    }
  };
}

export const handler = withObservability(makeHandler({ store: store() }));
