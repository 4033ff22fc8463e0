// Runs in a fresh Node process per measurement: times loading one module (module
// evaluation, i.e. what a Lambda cold start pays before the first invocation) and prints
// one JSON line. `require()` for CommonJS bundles (what Lambda's runtime does for a .js
// handler), `import()` for .mjs. An import that throws is reported, not hidden.
'use strict';
/* global require, performance */
/* eslint-disable @typescript-eslint/no-require-imports -- CommonJS on purpose: it require()s CommonJS bundles like Lambda's runtime */
const { pathToFileURL } = require('node:url');
const file = process.argv[2];
const exportName = process.argv[3] || 'handler';

const report = (result) => {
  process.stdout.write(JSON.stringify(result) + '\n');
  // Powertools or SDK timers must not keep the probe alive; the measurement is done.
  process.exit(0);
};

(async () => {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let mod;
  try {
    mod = file.endsWith('.mjs') ? await import(pathToFileURL(file).href) : require(file);
  } catch (error) {
    const ms = performance.now() - t0;
    return report({
      ok: false,
      ms,
      error: `${error && error.name ? error.name + ': ' : ''}${String((error && error.message) || error).split('\n')[0]}`,
    });
  }
  const ms = performance.now() - t0;
  const c = process.cpuUsage(c0);
  // CPU time of this process (all threads) during the import: less sensitive than wall
  // time to other jobs on a shared machine, reported next to it.
  const cpuMs = (c.user + c.system) / 1000;
  const exported = mod && mod[exportName];
  report(
    typeof exported === 'function'
      ? { ok: true, ms, cpuMs }
      : {
          ok: false,
          ms,
          cpuMs,
          error: `export "${exportName}" is ${exported === undefined ? 'missing' : typeof exported}, not a function`,
        },
  );
})();
