/**
 * P31 + P24: the database password is rotated while a container keeps its pool. New
 * connections pick the new password up from the secret without a cold start: at once
 * through inTransaction (one retry after the refusal), and on the next call for a plain
 * pool.query. Real Postgres, real Secrets Manager API (moto).
 */
import {
  CreateSecretCommand,
  PutSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { closePool, getPool, inTransaction } from '@order-platform/shared/db/postgres';
import { uniqueName } from '@order-platform/test-support/aws';
import { startPostgres, type PostgresEngine } from '@order-platform/test-support/engines';

// Its own server: the shared one trusts every local login, this one checks passwords.
let engine: PostgresEngine;
let admin: pg.Client;
const role = uniqueName('rotating').replace(/-/g, '_');

beforeAll(async () => {
  engine = await startPostgres({ passwordAuth: true });
  admin = new pg.Client({ connectionString: engine.url });
  await admin.connect();
});

afterAll(async () => {
  await closePool();
  await admin?.end();
  await engine?.stop();
});

describe('a rotated database password', () => {
  it('is picked up by new connections without restarting the container', async () => {
    const server = new URL(engine.url);
    await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD 'first-secret-1'`);
    const secrets = new SecretsManagerClient({});
    const { ARN } = await secrets.send(
      new CreateSecretCommand({
        Name: uniqueName('db-secret'),
        SecretString: JSON.stringify({ username: role, password: 'first-secret-1' }),
      }),
    );
    const pool = await getPool({
      host: server.hostname,
      port: Number(server.port),
      database: server.pathname.slice(1) || 'postgres',
      secretArn: ARN!,
      ssl: false,
      poolMax: 1,
      secretMaxAgeSeconds: 3600, // only the auth failure may make it read again
    });
    expect((await pool.query('SELECT current_user AS u')).rows[0].u).toBe(role);
    // The server really checks passwords: the old one is refused once rotated (below).
    const probe = (password: string) =>
      new pg.Client({
        host: server.hostname,
        port: Number(server.port),
        user: role,
        password,
        database: 'postgres',
      });

    // Rotate: the database and the secret change, the pool's connection is cut.
    await admin.query(`ALTER ROLE ${role} PASSWORD 'second-secret-2'`);
    await secrets.send(
      new PutSecretValueCommand({
        SecretId: ARN!,
        SecretString: JSON.stringify({ username: role, password: 'second-secret-2' }),
      }),
    );
    const stale = probe('first-secret-1');
    await expect(stale.connect()).rejects.toMatchObject({ code: '28P01' });
    await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
    // The server ends the pool's idle connection; the pool may not have read the goodbye
    // yet when the next transaction asks for a connection (inTransaction copes either way).
    await expect
      .poll(
        async () =>
          (await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = $1', [role]))
            .rows[0].n,
      )
      .toBe(0);

    const who = await inTransaction(pool, async (c) => (await c.query('SELECT current_user AS u')).rows[0].u);
    expect(who).toBe(role);
  });
});
