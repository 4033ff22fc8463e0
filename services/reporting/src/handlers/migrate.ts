/**
 * Applies the read model's migrations during `deploy` (a CloudFormation custom
 * resource, so a stack update waits for its schema). Always answers CloudFormation, even
 * on failure, or the stack would hang for an hour waiting for the response.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import { sendCfnResponse } from '@order-platform/shared/cfn-response';
import { logger, withObservability } from '@order-platform/shared/observability';
import { migrate } from '../adapters/migrations';
import type { Db } from '../adapters/read-model';
import { platformDb } from './composition';

export interface MigrateDeps {
  db: Db;
  fetchImpl?: typeof fetch;
}

export function makeHandler(deps: MigrateDeps) {
  const doFetch = deps.fetchImpl ?? fetch;
  return async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = 'ok';
    let applied: string[] = [];
    try {
      // Nothing to undo on Delete: the data outlives the stack, like the orders table.
      if (event.RequestType !== 'Delete') applied = await migrate(deps.db);
      logger.info('Migrations done', { requestType: event.RequestType, applied });
    } catch (error) {
      status = 'FAILED';
      reason = `Migration failed: ${(error as Error).message}`.slice(0, 1000);
      logger.error('Migration failed', { error: error as Error });
    }
    await sendCfnResponse(
      event,
      {
        status,
        reason: `${reason} (log stream ${context.logStreamName})`,
        physicalResourceId: 'reporting-schema',
        data: { Applied: applied.join(',') },
      },
      doFetch,
    );
  };
}

export const handler = withObservability(makeHandler({ db: platformDb() }));
