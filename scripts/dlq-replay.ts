/**
 * npm run dlq:replay -- <queue> [--to <source> | --reinvoke] [--dry-run] [--max N]
 * The logic (and its tests' subject) is tooling/dlq/replay.ts.
 */
import { LambdaClient } from '@aws-sdk/client-lambda';
import { SQSClient } from '@aws-sdk/client-sqs';
import { USAGE, parseCliArgs, reinvokeFailures, replayDlq } from '../tooling/dlq/replay';

async function main(): Promise<number> {
  let args;
  try {
    args = parseCliArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (!args.queue) {
    console.error(USAGE);
    return 2;
  }
  const region = process.env.AWS_REGION ? {} : { region: 'us-east-1' };
  const client = new SQSClient(region);
  if (args.reinvoke) {
    const reinvoked = await reinvokeFailures(client, new LambdaClient(region), {
      queue: args.queue,
      dryRun: args.dryRun,
      ...(args.max ? { max: args.max } : {}),
      log: (line) => console.log(line),
    });
    return reinvoked.left ? 1 : 0;
  }
  const result = await replayDlq(client, {
    queue: args.queue,
    dryRun: args.dryRun,
    ...(args.to ? { to: args.to } : {}),
    ...(args.max ? { max: args.max } : {}),
    log: (line) => console.log(line),
  });
  return result.failed ? 1 : 0;
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error((error as Error).message);
    process.exit(1);
  },
);
