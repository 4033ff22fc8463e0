export * from './common';
export * from './paymentSucceeded.v1';
export * from './paymentFailed.v1';
export * from './refundIssued.v1';

import { paymentFailedV1 } from './paymentFailed.v1';
import { paymentSucceededV1 } from './paymentSucceeded.v1';
import { refundIssuedV1 } from './refundIssued.v1';

/** Every payment event the webhook service publishes. Import as `@order-platform/shared/events/payments/index`. */
export const paymentEventContracts = [paymentSucceededV1, paymentFailedV1, refundIssuedV1] as const;
