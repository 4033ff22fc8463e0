export * from './common';
export * from './orderPlaced.v1';
export * from './orderConfirmed.v1';
export * from './orderCancelled.v1';
export * from './orderFailed.v1';

import { orderCancelledV1 } from './orderCancelled.v1';
import { orderConfirmedV1 } from './orderConfirmed.v1';
import { orderFailedV1 } from './orderFailed.v1';
import { orderPlacedV1 } from './orderPlaced.v1';

/** Every order event the orders service publishes, newest versions included. */
export const orderEventContracts = [
  orderPlacedV1,
  orderConfirmedV1,
  orderCancelledV1,
  orderFailedV1,
] as const;
