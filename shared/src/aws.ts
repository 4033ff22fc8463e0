/**
 * One AWS client per service per container, built on first use and reused across
 * invocations. The SDK itself honours AWS_ENDPOINT_URL (and AWS_ENDPOINT_URL_<SERVICE>),
 * so the same bundle talks to AWS, LocalStack or moto_server without code changes.
 */
type ClientCtor<C, Cfg> = new (config: Cfg) => C;

const clients = new Map<unknown, unknown>();

export interface ClientOptions {
  /** Overrides the SDK's retry count (3 by default; lower for latency-bound API handlers). */
  maxAttempts?: number;
}

export function awsClient<C, Cfg extends object>(Ctor: ClientCtor<C, Cfg>, opts: ClientOptions = {}): C {
  const existing = clients.get(Ctor);
  if (existing) return existing as C;
  const config = {
    ...(process.env.AWS_REGION ? {} : { region: 'us-east-1' }),
    maxAttempts: opts.maxAttempts ?? 3,
  } as unknown as Cfg;
  const client = new Ctor(config);
  clients.set(Ctor, client);
  return client;
}

/** Test hook: forget cached clients (tests that switch endpoints between files). */
export function resetAwsClients(): void {
  clients.clear();
}
