/**
 * osls plugin: `--param reserveConcurrency=false` (or `reserveConcurrency: 'false'` in a
 * stage's params) packages the stack without any ReservedConcurrentExecutions.
 *
 * Why: the stacks reserve concurrency for the functions that guard a non-scaling resource
 * (README: account prerequisites), and Lambda refuses a reservation that leaves fewer than
 * 100 unreserved executions. A new account can start with a quota far below what that
 * needs; this switch lets such an account deploy a trial stage. What it gives up: the SQS
 * mappings' maximumConcurrency still bounds the queue consumers, but nothing caps the
 * synchronous readers (the reporting API) any more, so keep it off production.
 */
'use strict';

class ReservedConcurrencySwitch {
  constructor(serverless) {
    this.serverless = serverless;
    this.hooks = { 'after:package:compileFunctions': () => this.apply() };
  }

  apply() {
    const setting = String(this.serverless.service.custom?.reserveConcurrency ?? 'true');
    if (setting === 'true') return;
    if (setting !== 'false')
      throw new Error(`reserveConcurrency must be true or false, not ${JSON.stringify(setting)}`);
    const removed = dropReservations(this.serverless.service.provider.compiledCloudFormationTemplate);
    this.serverless.cli?.log?.(
      `reserveConcurrency=false: no reservation on ${removed.join(', ') || 'any function'}`,
    );
  }
}

/** Removes every function's reservation from a compiled template; answers their logical ids. */
function dropReservations(template) {
  const removed = [];
  for (const [id, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Lambda::Function') continue;
    if (resource.Properties && 'ReservedConcurrentExecutions' in resource.Properties) {
      delete resource.Properties.ReservedConcurrentExecutions;
      removed.push(id);
    }
  }
  return removed;
}

module.exports = ReservedConcurrencySwitch;
module.exports.dropReservations = dropReservations;
