/** Composition shared by receipts' two handlers: one table, one mailer, clients once per container. */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SESv2Client } from '@aws-sdk/client-sesv2';
import { awsClient } from '@order-platform/shared/aws';
import { sendOnceWith } from '../domain/send-once';
import {
  buildClaimDelivery,
  buildCompleteDelivery,
  buildFindContact,
  buildReleaseDelivery,
  buildRememberContact,
  documentClient,
} from '../adapters/receipts-table';
import { buildSendEmail } from '../adapters/ses-mailer';

export function receiptsDeps(table: string, sender: string) {
  const doc = documentClient(awsClient(DynamoDBClient));
  return {
    sendOnce: sendOnceWith({
      claim: buildClaimDelivery(doc, table),
      complete: buildCompleteDelivery(doc, table),
      release: buildReleaseDelivery(doc, table),
      send: buildSendEmail(awsClient(SESv2Client), sender),
      now: () => new Date(),
    }),
    rememberContact: buildRememberContact(doc, table),
    findContact: buildFindContact(doc, table),
  };
}
