import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { loadConfig } from '../../../libs/core/src';
import { PasswordHasher } from '../../../libs/domain/src';
import { QueueName, QueueRegistry } from '../../../libs/queue/src';
import { testEnv } from '../../support/test-app';
import { createEmptyDatabase, createTestDatabase } from '../../support/test-db';
import { ROOT } from '../../support/spawn-app';

const run = promisify(execFile);
const CLI = join(ROOT, 'dist/apps/cli/main.js');

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as an operator would (`node dist/apps/cli/main.js …`). */
async function cli(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  if (!existsSync(CLI)) throw new Error(`${CLI} does not exist: run \`npm run build\` first (npm test does)`);
  try {
    const { stdout, stderr } = await run(process.execPath, [CLI, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each command is a fresh Node process (~1 s on a busy machine): more than the default 5 s per test.
jest.setTimeout(60_000);

describe('admin CLI (built)', () => {
  let db: Awaited<ReturnType<typeof createTestDatabase>>;
  let env: NodeJS.ProcessEnv;
  let sql: Client;

  beforeAll(async () => {
    db = await createTestDatabase();
    env = testEnv(db.url);
    sql = new Client({ connectionString: db.url });
    await sql.connect();
  });
  afterAll(async () => {
    await sql?.end();
    await db?.drop();
  });

  it('user:create makes an active user and prints a generated password', async () => {
    const res = await cli(env, 'user:create', '--email', 'Ada@Lab.test', '--name', 'Ada Lovelace', '--admin');
    expect(res).toMatchObject({ code: 0 });
    expect(res.stdout).toMatch(/created admin ada@lab\.test \(id [0-9a-f-]{36}\)/);
    const password = /password: (\S+)/.exec(res.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    const { rows } = await sql.query(`SELECT role, status, full_name FROM users WHERE email = 'ada@lab.test'`);
    expect(rows).toEqual([{ role: 'admin', status: 'active', full_name: 'Ada Lovelace' }]);
  });

  it('user:create with --password prints no password, and refuses a taken email or a weak password', async () => {
    const ok = await cli(
      env,
      'user:create',
      '--email',
      'bob@lab.test',
      '--name',
      'Bob',
      '--password',
      'a long enough secret',
    );
    expect(ok.code).toBe(0);
    expect(ok.stdout).toContain('created user bob@lab.test');
    expect(ok.stdout).not.toContain('password:');

    const taken = await cli(env, 'user:create', '--email', 'BOB@lab.test', '--name', 'Bob 2');
    expect(taken.code).toBe(1);
    expect(taken.stderr.trim()).toBe('EMAIL_TAKEN: A user with email bob@lab.test already exists');

    const weak = await cli(env, 'user:create', '--email', 'carol@lab.test', '--name', 'Carol', '--password', 'short');
    expect(weak.code).toBe(1);
    expect(weak.stderr).toContain('WEAK_PASSWORD');
  });

  it('user:reset-password prints a one-time link, or sets a given or generated password; refuses an unknown email', async () => {
    const hashOf = async (email: string) =>
      (await sql.query(`SELECT password_hash FROM users WHERE email = $1`, [email])).rows[0].password_hash as string;
    const hasher = new PasswordHasher();

    const generated = await cli(env, 'user:reset-password', '--email', 'bob@lab.test', '--generate');
    expect(generated.code).toBe(0);
    expect(generated.stdout).toContain('password of bob@lab.test reset');
    const password = /password: (\S+)/.exec(generated.stdout)?.[1];
    expect(password).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(await hasher.verify(await hashOf('bob@lab.test'), password!)).toBe(true);

    const given = await cli(
      env,
      'user:reset-password',
      '--email',
      'bob@lab.test',
      '--password',
      'a long enough secret',
    );
    expect(given.code).toBe(0);
    expect(given.stdout).not.toContain('password:');
    expect(await hasher.verify(await hashOf('bob@lab.test'), 'a long enough secret')).toBe(true);

    const link = await cli(env, 'user:reset-password', '--email', 'bob@lab.test', '--json');
    expect(link.code).toBe(0);
    const printed = JSON.parse(link.stdout);
    expect(printed.link).toBe(`http://localhost:3000/account/reset-password?token=${printed.token}`);
    // the link is one-time: stored hashed, spent by the api's POST /auth/password/reset
    const { rows } = await sql.query(
      `SELECT token_hash, used_at FROM account_tokens WHERE email = 'bob@lab.test' AND purpose = 'reset_password'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).not.toBe(printed.token);
    expect(rows[0].used_at).toBeNull();
    const text = await cli(env, 'user:reset-password', '--email', 'bob@lab.test');
    expect(text.stdout).toMatch(/one-time password reset link for bob@lab\.test \(valid 1 hour, shown once\)/);
    expect(text.stdout).toContain('curl -X POST http://localhost:3000/api/v1/auth/password/reset');

    const unknown = await cli(env, 'user:reset-password', '--email', 'nobody@lab.test');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no user has the email nobody@lab.test');
  });

  it('user:list, user:approve and user:disable, with --json', async () => {
    await sql.query(
      `INSERT INTO users (email, full_name, role, status, password_hash) VALUES ('pending@lab.test', 'Pen Ding', 'user', 'pending', 'x')`,
    );
    const pending = JSON.parse((await cli(env, 'user:list', '--status', 'pending', '--json')).stdout);
    expect(pending.total).toBe(1);
    expect(pending.items[0]).toMatchObject({ email: 'pending@lab.test', status: 'pending', role: 'user' });
    const all = await cli(env, 'user:list');
    expect(all.stdout).toMatch(/pending\s+user\s+pending@lab\.test/);
    expect(all.stdout).toMatch(/\d+ user\(s\)/);
    expect((await cli(env, 'user:list', '--status', 'sleeping')).stderr).toContain('--status');

    const approved = await cli(env, 'user:approve', '--email', 'pending@lab.test', '--json');
    expect(approved.code).toBe(0);
    expect(JSON.parse(approved.stdout)).toMatchObject({ email: 'pending@lab.test', status: 'active' });
    expect(JSON.parse(approved.stdout).approvedAt).not.toBeNull();
    // the approval mail is on the deployment's mail queue for the worker to send
    const registry = QueueRegistry.open(loadConfig(env));
    try {
      const jobs = await registry.get(QueueName.Mail).getJobs(['waiting', 'delayed', 'prioritized']);
      expect(jobs.map((j) => [j.name, j.data.template, j.data.to])).toContainEqual([
        'mail.send',
        'account-approved',
        ['pending@lab.test'],
      ]);
    } finally {
      await registry.close();
    }
    const again = await cli(env, 'user:approve', '--email', 'pending@lab.test');
    expect(again.stdout).toContain('nothing to do: the account is active');

    const disabled = await cli(env, 'user:disable', '--email', 'pending@lab.test', '--json');
    expect(JSON.parse(disabled.stdout)).toMatchObject({ email: 'pending@lab.test', status: 'disabled' });
    const { rows } = await sql.query(`SELECT status FROM users WHERE email = 'pending@lab.test'`);
    expect(rows[0].status).toBe('disabled');
    expect((await cli(env, 'user:disable', '--email', 'nobody@lab.test')).code).toBe(1);
  });

  it('db:test names each check, and what fails', async () => {
    const ok = await cli(env, 'db:test', '--json');
    expect(ok.code).toBe(0);
    const report = JSON.parse(ok.stdout);
    expect(report.ok).toBe(true);
    expect(report.checks.map((c: { name: string }) => c.name)).toEqual([
      'postgresql server',
      'database',
      'query',
      'migrations',
      'redis',
    ]);

    const missing = new URL(db.url);
    missing.pathname = '/labwire_no_such_db';
    const noDb = await cli({ ...env, DATABASE_URL: missing.toString() }, 'db:test');
    expect(noDb.code).toBe(1);
    expect(noDb.stdout).toMatch(/FAIL {2}database: labwire_no_such_db does not exist/);

    const downUrl = new URL(db.url);
    downUrl.port = '1';
    const down = JSON.parse(
      (await cli({ ...env, DATABASE_URL: downUrl.toString(), REDIS_URL: 'redis://127.0.0.1:1' }, 'db:test', '--json'))
        .stdout,
    );
    expect(down.ok).toBe(false);
    expect(down.checks.filter((c: { ok: boolean }) => !c.ok).map((c: { name: string }) => c.name)).toEqual([
      'postgresql server',
      'redis',
    ]);
  });

  it('db:reset is refused outside development and without confirmation; with --yes it empties and migrates', async () => {
    const own = await createTestDatabase();
    const ownSql = new Client({ connectionString: own.url });
    await ownSql.connect();
    try {
      const devEnv = { ...testEnv(own.url), NODE_ENV: 'development' };
      await ownSql.query(
        `INSERT INTO users (email, full_name, role, status, password_hash) VALUES ('gone@lab.test', 'Gone', 'user', 'active', 'x')`,
      );
      const refused = await cli(testEnv(own.url), 'db:reset', '--yes');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('db:reset is refused with NODE_ENV=test');

      // not a terminal and no --yes: nothing is asked, nothing is reset
      const unconfirmed = await cli(devEnv, 'db:reset');
      expect(unconfirmed.code).toBe(1);
      expect(unconfirmed.stderr).toContain('not reset');
      expect((await ownSql.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n).toBe(1);

      const reset = await cli(devEnv, 'db:reset', '--yes', '--json');
      expect([reset.code, reset.stderr]).toEqual([0, '']);
      expect(JSON.parse(reset.stdout)).toMatchObject({ created: false });
      expect(JSON.parse(reset.stdout).migrationsApplied).toBeGreaterThan(5);
      expect((await ownSql.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n).toBe(0);
      const status = JSON.parse((await cli(devEnv, 'db:status', '--json')).stdout);
      expect(status.migrations.pending).toEqual([]);
    } finally {
      await ownSql.end();
      await own.drop();
    }
  });

  it('seed:demo creates the demo workspace once; running it again adds nothing', async () => {
    const first = await cli(env, 'seed:demo', '--json');
    expect(first.code).toBe(0);
    const report = JSON.parse(first.stdout);
    expect(report).toMatchObject({
      owner: 'ada@lab.test',
      workspaceCreated: true,
      locationsCreated: 2,
      instrumentsCreated: 10,
      mqttCredentials: 'none',
      rotateCredentialsPath: `/api/v1/workspaces/${report.workspaceId}/instruments/{instrumentId}/credentials/rotate`,
    });
    const text = await cli(env, 'seed:demo');
    expect(text.stdout).toContain('MQTT credentials: none');
    expect(text.stdout).toContain(
      `POST /api/v1/workspaces/${report.workspaceId}/instruments/{instrumentId}/credentials/rotate`,
    );

    const second = JSON.parse((await cli(env, 'seed:demo', '--json')).stdout);
    expect(second).toMatchObject({
      workspaceId: report.workspaceId,
      workspaceCreated: false,
      locationsCreated: 0,
      instrumentsCreated: 0,
    });
    const counts = await sql.query(
      `SELECT (SELECT count(*) FROM workspaces)::int AS workspaces, (SELECT count(*) FROM locations)::int AS locations,
              (SELECT count(*) FROM instruments)::int AS instruments,
              (SELECT count(*) FROM instruments WHERE location_id IS NOT NULL)::int AS placed`,
    );
    expect(counts.rows[0]).toEqual({ workspaces: 1, locations: 2, instruments: 10, placed: 9 });

    const forBob = JSON.parse((await cli(env, 'seed:demo', '--owner', 'bob@lab.test', '--json')).stdout);
    expect(forBob).toMatchObject({ owner: 'bob@lab.test', workspaceCreated: true });
    expect(forBob.workspaceId).not.toBe(report.workspaceId);
    const unknown = await cli(env, 'seed:demo', '--owner', 'nobody@lab.test');
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('no user with email nobody@lab.test');
  });

  it('db:status lists applied migrations and row counts', async () => {
    const res = await cli(env, 'db:status', '--json');
    expect(res.code).toBe(0);
    const status = JSON.parse(res.stdout);
    expect(status.migrations.pending).toEqual([]);
    expect(status.migrations.applied.length).toBeGreaterThanOrEqual(1);
    // users: those the file's earlier tests created, whatever they are
    const users = (await sql.query(`SELECT count(*)::int AS n FROM users`)).rows[0].n;
    expect(status.rows).toMatchObject({
      users,
      workspaces: 2,
      locations: 4,
      instruments: 20,
      datasources: 0,
      records: 0,
      telemetry: 0,
      jobs: 0,
    });

    const text = await cli(env, 'db:status');
    expect(text.stdout).toMatch(/migrations: \d+ applied, 0 pending/);
    expect(text.stdout).toMatch(/instruments\s+20/);
    expect(text.stdout).toMatch(/telemetry\s+0/);
    expect(text.stdout).toMatch(/records\s+0/);
  });

  it('db:status on an unmigrated database shows pending migrations and missing tables', async () => {
    const empty = await createEmptyDatabase();
    try {
      const status = JSON.parse((await cli(testEnv(empty.url), 'db:status', '--json')).stdout);
      expect(status.migrations.applied).toEqual([]);
      expect(status.migrations.pending.length).toBeGreaterThanOrEqual(1);
      expect(status.rows.users).toBeNull();
    } finally {
      await empty.drop();
    }
  });

  it('migration:revert with nothing applied says so and exits 0', async () => {
    const empty = await createEmptyDatabase();
    try {
      const res = await cli(testEnv(empty.url), 'migration:revert');
      expect(res.code).toBe(0);
      expect(res.stdout.trim()).toBe('no migration to revert: none is applied');
    } finally {
      await empty.drop();
    }
  });

  it('bootstrap migrates an empty database and creates the first admin once', async () => {
    const empty = await createEmptyDatabase();
    try {
      const env2 = testEnv(empty.url, { ADMIN_EMAIL: 'root@lab.test', ADMIN_PASSWORD: 'a very long admin password' });
      const first = await cli(env2, 'bootstrap');
      expect(first.code).toBe(0);
      expect(first.stdout).toMatch(/applied migrations: /);
      expect(first.stdout).toContain('created the first administrator: root@lab.test');
      expect(first.stdout).not.toContain('password:');

      const again = await cli(env2, 'bootstrap');
      expect(again.code).toBe(0);
      expect(again.stdout).toContain('database is up to date');
      expect(again.stdout).not.toContain('created the first administrator');
    } finally {
      await empty.drop();
    }
  });
});
