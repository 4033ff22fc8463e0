import {
  CodeDeployClient,
  GetDeploymentCommand,
  PutLifecycleEventHookExecutionStatusCommand,
} from '@aws-sdk/client-codedeploy';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { awsClient } from '@order-platform/shared/aws';
import { logger } from '@order-platform/shared/observability';
import { smokeEvent, smokeVerdict, targetOf } from '../release/smoke';

/** What CodeDeploy sends a lifecycle hook. */
export interface HookEvent {
  DeploymentId: string;
  LifecycleEventHookExecutionId: string;
}

export interface HookDeps {
  getAppSpec(deploymentId: string): Promise<string | undefined>;
  invoke(
    functionName: string,
    qualifier: string,
    payload: string,
  ): Promise<{ payload?: string; functionError?: string }>;
  report(event: HookEvent, status: 'Succeeded' | 'Failed'): Promise<void>;
}

/**
 * CodeDeploy's BeforeAllowTraffic hook for the orders API (P30, production stages only).
 * Before any traffic moves to the new version behind the `live` alias, the new version
 * gets one smoke request: an API Gateway event without a principal, which a healthy
 * handler refuses with a 4xx after loading its bundle and configuration, touching no
 * data. A 5xx, a function error or no answer reports Failed: CodeDeploy stops the
 * deployment and the alias stays on the version that was serving.
 */
export function makeHandler(deps: HookDeps) {
  return async (event: HookEvent): Promise<void> => {
    let status: 'Succeeded' | 'Failed' = 'Failed';
    try {
      const target = targetOf(await deps.getAppSpec(event.DeploymentId));
      const answer = await deps.invoke(
        target.name,
        target.version,
        JSON.stringify(smokeEvent(event.DeploymentId)),
      );
      const verdict = smokeVerdict(answer);
      status = verdict.ok ? 'Succeeded' : 'Failed';
      logger.info('Pre-traffic smoke request', { deploymentId: event.DeploymentId, ...target, ...verdict });
    } catch (error) {
      logger.error('Pre-traffic smoke request could not run', { deploymentId: event.DeploymentId, error });
    }
    await deps.report(event, status);
  };
}

const codeDeploy = awsClient(CodeDeployClient, {});
const lambda = awsClient(LambdaClient, {});

export const handler = makeHandler({
  async getAppSpec(deploymentId) {
    const out = await codeDeploy.send(new GetDeploymentCommand({ deploymentId }));
    return (
      out.deploymentInfo?.revision?.appSpecContent?.content ?? out.deploymentInfo?.revision?.string?.content
    );
  },
  async invoke(functionName, qualifier, payload) {
    const out = await lambda.send(
      new InvokeCommand({ FunctionName: functionName, Qualifier: qualifier, Payload: Buffer.from(payload) }),
    );
    return {
      payload: out.Payload ? Buffer.from(out.Payload).toString('utf8') : undefined,
      functionError: out.FunctionError,
    };
  },
  async report(event, status) {
    await codeDeploy.send(
      new PutLifecycleEventHookExecutionStatusCommand({
        deploymentId: event.DeploymentId,
        lifecycleEventHookExecutionId: event.LifecycleEventHookExecutionId,
        status,
      }),
    );
  },
});
