/**
 * Applies the payments ledger's migrations during `deploy`: a CloudFormation custom
 * resource (LedgerSchema in serverless.yml) whose `Version` changes with the newest
 * migration file, so a stack update runs them, inside the VPC, before the writer takes
 * traffic. `npm run migrate` runs the same migrations from a shell.
 */
import type { CloudFormationCustomResourceEvent, Context } from 'aws-lambda';
import type { ClientConfig } from 'pg';
import { sendCfnResponse } from '@order-platform/shared/cfn-response';
import { logger, withObservability } from '@order-platform/shared/observability';
import { connectionFromEnv, runMigrations } from '../adapters/migrations';

export interface MigrateDeps {
  connection: () => Promise<string | ClientConfig>;
  fetchImpl?: typeof fetch;
}

export function makeHandler(deps: MigrateDeps) {
  return async (event: CloudFormationCustomResourceEvent, context: Context): Promise<void> => {
    let status: 'SUCCESS' | 'FAILED' = 'SUCCESS';
    let reason = 'ok';
    let applied: string[] = [];
    try {
      // Nothing to undo on Delete: the ledger outlives the stack.
      if (event.RequestType !== 'Delete') {
        applied = (await runMigrations(await deps.connection(), { log: (m) => logger.info(m) })).map(
          (m) => m.name,
        );
      }
      logger.info('Migrations done', { requestType: event.RequestType, applied });
    } catch (error) {
      status = 'FAILED';
      reason = `Migration failed: ${(error as Error).message}`;
      logger.error('Migration failed', { error: error as Error });
    }
    await sendCfnResponse(
      event,
      {
        status,
        reason: `${reason} (log stream ${context.logStreamName})`,
        physicalResourceId: 'payments-ledger-schema',
        data: { Applied: applied.join(',') },
      },
      deps.fetchImpl,
    );
  };
}

export const handler = withObservability(makeHandler({ connection: connectionFromEnv }));
