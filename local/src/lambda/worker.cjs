// One Lambda execution environment: a worker thread with the function's own
// process.env (the parent passes it), running one invocation at a time, as Lambda does.
// The first invocation loads the bundle (the cold start: module init counts there).
// Plain JavaScript on purpose: the bundle is CommonJS produced by esbuild, and the
// worker must start without a TypeScript loader.
'use strict';
const { parentPort, workerData } = require('node:worker_threads');

// A worker does not read NODE_OPTIONS; honour the one flag the templates set, as the
// Lambda runtime does: stack traces point at the TypeScript source.
if (/(^|\s)--enable-source-maps(\s|$)/.test(process.env.NODE_OPTIONS ?? ''))
  process.setSourceMapsEnabled(true);

let handler;

function loadHandler() {
  if (handler) return handler;
  const mod = require(workerData.modulePath);
  const fn = mod[workerData.exportName];
  if (typeof fn !== 'function') {
    const e = new Error(`${workerData.handler} is undefined or not exported`);
    e.name = 'Runtime.HandlerNotFound';
    throw e;
  }
  handler = fn;
  return handler;
}

function context(msg, deadline) {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: msg.functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: msg.functionArn,
    memoryLimitInMB: String(msg.memoryMb),
    awsRequestId: msg.requestId,
    logGroupName: `/aws/lambda/${msg.functionName}`,
    logStreamName: `local/${workerData.instance}`,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}

function errorOf(e) {
  const err = e instanceof Error ? e : new Error(String(e));
  return {
    // The Node.js runtime reports the error's `name` as errorType.
    errorType: err.name || 'Error',
    errorMessage: err.message,
    trace: String(err.stack || '').split('\n'),
  };
}

parentPort.on('message', async (msg) => {
  if (msg.type !== 'invoke') return;
  process.env._X_AMZN_REQUEST_ID = msg.requestId;
  try {
    const fn = loadHandler();
    // Init is over: the function timeout counts from here (the parent enforces it).
    const deadline = Date.now() + msg.timeoutMs;
    parentPort.postMessage({ type: 'started', id: msg.id });
    const out = await fn(msg.event, context(msg, deadline));
    // Lambda serialises the result as JSON: undefined becomes null.
    const payload = out === undefined ? null : JSON.parse(JSON.stringify(out));
    parentPort.postMessage({ type: 'result', id: msg.id, ok: true, payload });
  } catch (e) {
    parentPort.postMessage({ type: 'result', id: msg.id, ok: false, error: errorOf(e) });
  }
});
