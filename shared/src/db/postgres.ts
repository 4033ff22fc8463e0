/**
 * Postgres from Lambda (P24): one small pool per container, created on first use and
 * reused across invocations, so a warm function never reconnects. The pool is tiny
 * (default 1): a Lambda container handles one invocation at a time, and the function's
 * concurrency cap times this number must stay below the database's connection budget.
 * In AWS the host is the RDS Proxy endpoint and the credentials come from Secrets
 * Manager (cached by Powertools Parameters), never from plain environment variables.
 */
import { getSecret } from '@aws-lambda-powertools/parameters/secrets';
import pg from 'pg';
import { ConfigError } from '../config';

export interface PgSettings {
  /** A full connection string (local engines, tests). */
  connectionString?: string;
  /** Or: host/port/database from the environment and user/password from a secret. */
  host?: string;
  port?: number;
  database?: string;
  secretArn?: string;
  ssl?: boolean;
  poolMax?: number;
  /** How long a read of the secret is trusted (seconds); an auth failure reads it again at once. */
  secretMaxAgeSeconds?: number;
}

interface DbSecret {
  username: string;
  password: string;
}

export function pgSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): PgSettings {
  if (env.DATABASE_URL) return { connectionString: env.DATABASE_URL, poolMax: Number(env.DB_POOL_MAX ?? 1) };
  if (!env.DB_HOST || !env.DB_SECRET_ARN || !env.DB_NAME) {
    throw new ConfigError('Set DATABASE_URL, or DB_HOST + DB_NAME + DB_SECRET_ARN');
  }
  return {
    host: env.DB_HOST,
    port: Number(env.DB_PORT ?? 5432),
    database: env.DB_NAME,
    secretArn: env.DB_SECRET_ARN,
    ssl: env.DB_SSL !== 'false',
    poolMax: Number(env.DB_POOL_MAX ?? 1),
    secretMaxAgeSeconds: Number(env.DB_SECRET_MAX_AGE_SECONDS ?? 60),
  };
}

let pool: pg.Pool | undefined;
let poolPromise: Promise<pg.Pool> | undefined;

async function buildPool(settings: PgSettings): Promise<pg.Pool> {
  const common = {
    max: settings.poolMax ?? 1,
    idleTimeoutMillis: 60_000,
    connectionTimeoutMillis: 5_000,
    // Fail a query that hangs rather than holding the invocation until its timeout.
    query_timeout: 10_000,
    allowExitOnIdle: true,
  };
  if (settings.connectionString)
    return new pg.Pool({ ...common, connectionString: settings.connectionString });
  const credentials = rotatingCredentials(
    (forceFetch) =>
      getSecret<DbSecret>(settings.secretArn!, {
        transform: 'json',
        maxAge: settings.secretMaxAgeSeconds ?? 60,
        forceFetch,
      }) as Promise<DbSecret | undefined>,
  );
  const user = await credentials.username();
  const built = new pg.Pool({
    ...common,
    host: settings.host,
    port: settings.port,
    database: settings.database,
    user,
    // Asked for on every new connection: a rotated password is picked up without a cold start.
    password: credentials.password,
    ssl: settings.ssl ? { rejectUnauthorized: true } : undefined,
  });
  retryConnectOnAuthFailure(built, credentials.authFailed);
  return built;
}

/** Postgres's SQLSTATE for a rejected password (28P01) or role (28000). */
export const isAuthFailure = (error: unknown) =>
  ['28P01', '28000'].includes((error as { code?: string } | undefined)?.code ?? '');

/**
 * The database credentials from their secret, for pg's password callback: cached by
 * Powertools for `maxAge`, read again at once after an authentication failure (the
 * secret was rotated since). Single-user rotation only: the user name is read once.
 */
export function rotatingCredentials(read: (forceFetch: boolean) => Promise<DbSecret | undefined>) {
  let force = false;
  const secret = async () => {
    const value = await read(force);
    force = false;
    if (!value?.username || !value.password) throw new ConfigError('Database secret lacks username/password');
    return value;
  };
  return {
    username: async () => (await secret()).username,
    password: async () => (await secret()).password,
    authFailed: () => void (force = true),
  };
}

/**
 * A connection refused for its password marks the secret stale; the promise form of
 * connect() (inTransaction) then tries once more with the fresh one. pool.query's own
 * connects fail that once and succeed on the caller's retry.
 */
function retryConnectOnAuthFailure(p: pg.Pool, authFailed: () => void) {
  const connect = p.connect.bind(p) as (cb?: unknown) => unknown;
  (p as { connect: unknown }).connect = (cb?: (err: Error | undefined, ...rest: unknown[]) => void) => {
    if (typeof cb === 'function')
      return connect((err: Error | undefined, ...rest: unknown[]) => {
        if (isAuthFailure(err)) authFailed();
        cb(err, ...rest);
      });
    return (connect() as Promise<pg.PoolClient>).catch((error: unknown) => {
      if (!isAuthFailure(error)) throw error;
      authFailed();
      return connect() as Promise<pg.PoolClient>;
    });
  };
}

/** The container's pool, built once. */
export async function getPool(settings: PgSettings = pgSettingsFromEnv()): Promise<pg.Pool> {
  if (pool) return pool;
  poolPromise ??= buildPool(settings).then((p) => {
    // A dropped idle connection must not crash the container; the pool replaces it.
    p.on('error', () => undefined);
    pool = p;
    return p;
  });
  try {
    return await poolPromise;
  } catch (error) {
    poolPromise = undefined;
    throw error;
  }
}

const ignoreError = () => undefined;

/**
 * A pooled connection whose server ended it while it sat idle (a failover, a rotation,
 * pg_terminate_backend) may still be handed out before the pool has read the goodbye:
 * its BEGIN fails before anything ran, so one fresh connection is safe to try. A broken
 * connection is destroyed, never put back in the pool.
 */
async function begin(p: Pick<pg.Pool, 'connect'>): Promise<pg.PoolClient> {
  for (let attempt = 1; ; attempt++) {
    const client = await p.connect();
    client.on('error', ignoreError);
    try {
      await client.query('BEGIN');
      return client;
    } catch (error) {
      client.removeListener('error', ignoreError);
      client.release(error as Error);
      if (attempt >= 2) throw error;
    }
  }
}

/**
 * Runs `fn` inside one transaction on one pooled connection.
 *
 * pg-pool only listens for errors on idle clients: a checked-out client whose server
 * goes away emits 'error' with no listener, which would crash the container. The
 * listener keeps that as what it is, a failed query (which rejects anyway). A client
 * that cannot even roll back is broken and is destroyed rather than reused.
 */
export async function inTransaction<T>(
  p: Pick<pg.Pool, 'connect'>,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await begin(p);
  let broken: Error | undefined;
  try {
    const result = await fn(client);
    await client.query('COMMIT');
    return result;
  } catch (error) {
    await client.query('ROLLBACK').catch((rollbackError: Error) => void (broken = rollbackError));
    throw error;
  } finally {
    client.removeListener('error', ignoreError);
    client.release(broken);
  }
}

/** Test hook: close and forget the container's pool. */
export async function closePool(): Promise<void> {
  const p = pool;
  pool = undefined;
  poolPromise = undefined;
  await p?.end();
}

export type { Pool, PoolClient } from 'pg';
