import type { Envelope } from '@order-platform/shared/events/envelope';

/** Publishes one billing message (envelope body + recordType/version attributes); resolves to the message id. */
export type PublishBillingRecord = (record: Envelope<unknown>) => Promise<string>;
