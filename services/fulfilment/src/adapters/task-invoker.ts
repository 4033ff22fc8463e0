/** The router's hop to a task: Lambda Invoke with InvocationType Event (202, Lambda queues it). */
import { InvokeCommand, type LambdaClient } from '@aws-sdk/client-lambda';
import type { InvokeTask } from '../domain/ports';

export function buildInvokeTask(lambda: LambdaClient): InvokeTask {
  return async (task, command) => {
    const out = await lambda.send(
      new InvokeCommand({
        FunctionName: task,
        InvocationType: 'Event',
        Payload: Buffer.from(JSON.stringify(command)),
      }),
    );
    if (out.StatusCode !== 202) throw new Error(`Invoke ${task} (Event) answered ${out.StatusCode}`);
  };
}
