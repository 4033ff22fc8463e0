/**
 * DEV ONLY: mints a token the dev / localstack gatekeeper accepts.
 *
 *   npm run token -- --customer c-123 [--role admin] [--ttl 3600] [--email a@b.example | --no-email]
 *   npm run token -- --print-public-key
 *   npm run token -- --publish-ssm [--stage dev]     (puts the public key in SSM)
 *
 * The token alone goes to stdout, so `TOKEN=$(npm run -s token -- --customer c-123)`
 * works. The key pair lives in .dev/jwt/ (gitignored). Never point a production stage at
 * this issuer: production verifies tokens from a real identity provider (JWT_JWKS_URL).
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { devKeyParameterName, issueDevToken, loadOrCreateDevKeys } from '../src/dev/dev-issuer';

export { issueDevToken, loadOrCreateDevKeys } from '../src/dev/dev-issuer';
export { DEV_AUDIENCE, DEV_ISSUER } from '../src/dev/constants';

const USAGE = `usage: npm run token -- --customer <id> [--role customer|admin] [--ttl <seconds>] [--email <address> | --no-email]
       npm run token -- --print-public-key
       npm run token -- --publish-ssm [--stage dev] [--parameter /name]`;

/** Writes the dev public key (PEM) to SSM, where the dev-stage gatekeeper reads it. */
async function publishPublicKey(parameterName: string, publicKeyPem: string): Promise<void> {
  // Loaded only here so that plain token minting needs no AWS SDK or credentials.
  const { SSMClient, PutParameterCommand } = await import('@aws-sdk/client-ssm');
  const client = new SSMClient({});
  await client.send(
    new PutParameterCommand({
      Name: parameterName,
      Value: publicKeyPem,
      Type: 'String',
      Overwrite: true,
      Description: 'DEV ONLY: public key of the order platform dev token issuer (npm run token)',
    }),
  );
}

async function main(argv: string[]): Promise<void> {
  const { values } = parseArgs({
    args: argv,
    options: {
      customer: { type: 'string' },
      role: { type: 'string', default: 'customer' },
      ttl: { type: 'string', default: '3600' },
      email: { type: 'string' },
      'no-email': { type: 'boolean', default: false },
      'print-public-key': { type: 'boolean', default: false },
      'publish-ssm': { type: 'boolean', default: false },
      stage: { type: 'string', default: 'dev' },
      parameter: { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || (!values.customer && !values['print-public-key'] && !values['publish-ssm'])) {
    console.error(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const keys = await loadOrCreateDevKeys();
  if (values['print-public-key']) process.stdout.write(keys.publicKeyPem);
  if (values['publish-ssm']) {
    const name = values.parameter ?? devKeyParameterName(values.stage);
    await publishPublicKey(name, keys.publicKeyPem);
    console.error(`published the dev public key to SSM parameter ${name}`);
  }
  if (values.customer) {
    const role = values.role === 'admin' ? 'admin' : values.role === 'customer' ? 'customer' : undefined;
    if (!role) throw new Error(`--role must be customer or admin, got "${values.role}"`);
    const token = await issueDevToken({
      customerId: values.customer,
      role,
      ttlSeconds: Number(values.ttl),
      // The email claim (default <customer>@example.com) is the order's contact address.
      ...(values['no-email'] ? { email: null } : values.email ? { email: values.email } : {}),
    });
    process.stdout.write(`${token}\n`);
  }
}

const invokedDirectly =
  process.argv[1] !== undefined &&
  realpathSync(process.argv[1]) === realpathSync(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  main(process.argv.slice(2)).catch((error: unknown) => {
    console.error(`token: ${(error as Error).message}`);
    process.exitCode = 1;
  });
}
