/**
 * The Postgres engine's outage (test-support/engines: pause, resume), as the chaos runs
 * use it: a clean restart. Every acknowledged commit survives it, even with idle pooled
 * sessions open (the functions' pools) and the engine's synchronous_commit=off.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresEngine } from '@order-platform/test-support/engines';

describe('Postgres paused and resumed', () => {
  let engine: PostgresEngine;
  beforeAll(async () => {
    engine = await startPostgres();
  });
  afterAll(async () => {
    await engine?.stop();
  });

  it('keeps every acknowledged commit and ends the idle pooled sessions', async () => {
    // Prepare: rows committed just before the stop, a pool holding idle sessions
    const pool = new pg.Pool({ connectionString: engine.url, max: 3 });
    pool.on('error', () => undefined);
    await pool.query('CREATE TABLE entries (id serial PRIMARY KEY, note text)');
    for (let i = 0; i < 200; i++) await pool.query('INSERT INTO entries (note) VALUES ($1)', [`n${i}`]);
    const idle = await Promise.all([pool.connect(), pool.connect()]);
    idle.forEach((c) => c.release());

    // Act
    await engine.pause();
    const refused = await pool.query('SELECT 1').then(
      () => 'answered',
      () => 'refused',
    );
    await engine.resume();

    // Assess
    expect(refused).toBe('refused');
    const after = new pg.Client({ connectionString: engine.url });
    await after.connect();
    const { rows } = await after.query<{ n: string }>('SELECT count(*) AS n FROM entries');
    await after.end();
    await pool.end().catch(() => undefined);
    expect(Number(rows[0]!.n)).toBe(200);
  });
});
