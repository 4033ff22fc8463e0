/**
 * getPaymentByOrder (internal lookup): the order's charge and refunds as recorded here.
 *
 * in:  { orderId }
 * out: { orderId, charge: { paymentId?, status, amount, currency, ... } | null, refunds: [...] }
 * errors (errorType): ValidationError.
 */
import { validate } from '@order-platform/shared/http';
import { withObservability } from '@order-platform/shared/observability';
import { getPaymentByOrder, orderLookupSchema, type PaymentView } from '../domain/payments';
import { paymentsTable } from './table';

export function makeHandler(lookup: ReturnType<typeof getPaymentByOrder>) {
  return async (event: unknown): Promise<PaymentView> =>
    lookup(validate(orderLookupSchema, event, 'getPaymentByOrder input').orderId);
}

export const handler = withObservability(makeHandler(getPaymentByOrder(paymentsTable())));
