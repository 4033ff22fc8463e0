import { SendTaskFailureCommand, SendTaskSuccessCommand, type SFNClient } from '@aws-sdk/client-sfn';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { logger } from '@order-platform/shared/observability';
import { orderKey } from './orders-table';

export type ResumeSaga = (orderId: string, outcome: { success: unknown } | { error: string; cause: string }) => Promise<'resumed' | 'nothing-waiting'>;

/**
 * Resumes the saga waiting on an order's payment. A token that is gone, closed or timed
 * out means the saga already moved on (a duplicate or late confirmation): not an error.
 */
export function buildResumeSaga(doc: DynamoDBDocumentClient, table: string, sfn: SFNClient): ResumeSaga {
  return async (orderId, outcome) => {
    const out = await doc.send(new GetCommand({ TableName: table, Key: orderKey(orderId), ConsistentRead: true }));
    const token = out.Item?.taskToken as string | undefined;
    if (!token) return 'nothing-waiting';
    try {
      if ('success' in outcome) {
        await sfn.send(new SendTaskSuccessCommand({ taskToken: token, output: JSON.stringify(outcome.success) }));
      } else {
        await sfn.send(new SendTaskFailureCommand({ taskToken: token, error: outcome.error, cause: outcome.cause.slice(0, 32_000) }));
      }
      return 'resumed';
    } catch (error) {
      const name = (error as Error).name;
      if (['TaskDoesNotExist', 'TaskTimedOut', 'InvalidToken'].includes(name)) {
        logger.info('Saga no longer waiting for this token', { orderId, reason: name });
        return 'nothing-waiting';
      }
      throw error;
    }
  };
}
