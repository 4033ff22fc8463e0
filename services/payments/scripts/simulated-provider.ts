/**
 * Runs the simulated payment provider for the demo and local runs.
 *
 *   tsx services/payments/scripts/simulated-provider.ts --port 4010 \
 *     [--mode approve|decline|decline-later|fail|hang] [--confirm-delay-ms 500] \
 *     [--webhook-url http://localhost:3000/webhooks/payments] [--signing-secret whsec_...] [--api-key sk_test_...]
 *
 * Change its behaviour while it runs:
 *   curl -XPOST localhost:4010/_control -d '{"mode":"fail"}'; curl localhost:4010/_stats
 * Environment fallbacks: PROVIDER_PORT, PROVIDER_API_KEY, WEBHOOK_URL, WEBHOOK_SIGNING_SECRET.
 */
import { parseArgs } from 'node:util';
import {
  PROVIDER_MODES,
  parseControl,
  startSimulatedProvider,
  type ProviderMode,
} from '../src/simulator/provider';

const { values } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PROVIDER_PORT ?? '4010' },
    host: { type: 'string', default: '127.0.0.1' },
    mode: { type: 'string', default: 'approve' },
    'confirm-delay-ms': { type: 'string', default: '500' },
    'webhook-url': { type: 'string', default: process.env.WEBHOOK_URL },
    'signing-secret': { type: 'string', default: process.env.WEBHOOK_SIGNING_SECRET },
    'api-key': { type: 'string', default: process.env.PROVIDER_API_KEY },
    help: { type: 'boolean', short: 'h', default: false },
  },
});

if (values.help) {
  console.log(`Usage: npm run provider:sim -- [--port 4010] [--host 127.0.0.1] [--mode ${PROVIDER_MODES.join('|')}]
       [--confirm-delay-ms 500] [--webhook-url URL] [--signing-secret S] [--api-key K]

A simulated payment provider for tests, the demo and local runs: POST /charges, POST /refunds,
GET /charges/:id, POST /_control (change mode at run time), GET /_stats. Approved and declined
charges are confirmed later by a signed webhook to --webhook-url.`);
  process.exit(0);
}

if (!PROVIDER_MODES.includes(values.mode as ProviderMode)) {
  process.stderr.write(`--mode must be one of ${PROVIDER_MODES.join(', ')}\n`);
  process.exit(2);
}
const settings = parseControl({
  mode: values.mode,
  confirmDelayMs: Number(values['confirm-delay-ms']),
  ...(values['webhook-url'] ? { webhookUrl: values['webhook-url'] } : {}),
  ...(values['signing-secret'] ? { signingSecret: values['signing-secret'] } : {}),
});
async function main() {
  const provider = await startSimulatedProvider({
    ...settings,
    port: Number(values.port),
    host: values.host!,
    ...(values['api-key'] ? { apiKey: values['api-key'] } : {}),
  });
  process.stdout.write(
    `Simulated payment provider on ${provider.url} (mode ${provider.settings().mode}${values['webhook-url'] ? `, webhooks to ${values['webhook-url']}` : ', no webhook URL'})\n`,
  );

  const shutdown = () => {
    void provider.stop().then(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}

// Scripts run as CommonJS under tsx (the repository is not "type": "module"): no top-level await.
void main();
