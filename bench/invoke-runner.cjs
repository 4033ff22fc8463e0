// Loads one bundle in this (fresh) process and invokes its handler once with the event
// given as JSON in argv[3]; prints the result as the last stdout line, prefixed RESULT.
// With BENCH_SERVE_CREDS=1 it first serves fake role credentials on a loopback
// "container credentials" endpoint and points AWS_CONTAINER_CREDENTIALS_FULL_URI at it,
// so the bundle's credential chain can be exercised without environment credentials.
'use strict';
/* global require */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: it require()s CommonJS bundles like Lambda's runtime */
const http = require('node:http');

async function serveCredentials() {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    if (req.headers.authorization !== 'bench-token') {
      res.writeHead(401).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(
      JSON.stringify({
        AccessKeyId: 'AKIDCONTAINERBENCH',
        SecretAccessKey: 'container-secret',
        Token: 'container-session-token',
        Expiration: new Date(Date.now() + 3600_000).toISOString(),
      }),
    );
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  server.unref();
  process.env.AWS_CONTAINER_CREDENTIALS_FULL_URI = `http://127.0.0.1:${server.address().port}/creds`;
  process.env.AWS_CONTAINER_AUTHORIZATION_TOKEN = 'bench-token';
  return () => requests;
}

(async () => {
  const requests = process.env.BENCH_SERVE_CREDS === '1' ? await serveCredentials() : () => 0;
  const mod = require(process.argv[2]);
  const event = JSON.parse(process.argv[3]);
  const context = {
    functionName: 'bench',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:000000000000:function:bench',
    memoryLimitInMB: '256',
    awsRequestId: `bench-${Date.now()}`,
    logGroupName: '/aws/lambda/bench',
    logStreamName: 'bench',
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => 5_000,
    done() {},
    fail() {},
    succeed() {},
  };
  const result = await mod.handler(event, context);
  process.stdout.write(`\nRESULT ${JSON.stringify({ result, credentialRequests: requests() })}\n`);
  process.exit(0);
})().catch((error) => {
  process.stdout.write(`\nRESULT ${JSON.stringify({ error: String((error && error.stack) || error) })}\n`);
  process.exit(0);
});
