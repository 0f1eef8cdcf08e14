import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startBuiltApi } from '../support/built-app';
import { ROOT } from '../support/spawn-app';
import { seedUser } from '../support/seed-user';

const GENERATED = join(ROOT, 'test/e2e/.generated/sdk');
const BIN = join(ROOT, 'node_modules/.bin');

/** Runs a tool and fails with its own output, so a compile error is readable in the test report. */
function run(cmd: string, args: string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): string {
  try {
    return execFileSync(cmd, args, { cwd: opts.cwd ?? ROOT, env: opts.env, encoding: 'utf8', stdio: 'pipe' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/**
 * CONVENTIONS §13: Swagger is part of the API. Generate a TypeScript client from the live
 * /openapi.json with a maintained generator, compile it strictly, and drive the API through it.
 */
describe('OpenAPI document and generated SDK', () => {
  let api: Awaited<ReturnType<typeof startBuiltApi>>;
  let spec: any;

  beforeAll(async () => {
    api = await startBuiltApi({ LOG_LEVEL: 'warn' });
    spec = await (await fetch(`${api.url}/openapi.json`)).json();
  });
  afterAll(() => api?.close());

  it('describes every route with a unique, readable operationId, errors and both auth schemes', () => {
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.components.securitySchemes).sort()).toEqual(['apiKey', 'bearer']);
    const ids: string[] = [];
    for (const [path, item] of Object.entries<any>(spec.paths)) {
      for (const [method, op] of Object.entries<any>(item)) {
        expect({ path, method, operationId: op.operationId }).toEqual({
          path,
          method,
          operationId: expect.stringMatching(/^[a-z]+(_[a-z]+)+$/),
        });
        ids.push(op.operationId);
        if (path.startsWith('/api/v1/') && !['/api/v1/auth/login', '/api/v1/auth/refresh'].includes(path)) {
          const statuses = Object.keys(op.responses);
          expect({ path, method, hasErrors: statuses.some((s) => Number(s) >= 400) }).toEqual({
            path,
            method,
            hasErrors: true,
          });
        }
      }
    }
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['instruments_list', 'auth_login', 'workspaces_create']));
    expect(spec.components.schemas.ProblemDto).toBeDefined();
  });

  it('serves Swagger UI at /docs', async () => {
    const res = await fetch(`${api.url}/docs`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger');
  });

  it('generates a client that compiles strictly and drives login → workspace → instrument CRUD', async () => {
    rmSync(GENERATED, { recursive: true, force: true });
    mkdirSync(GENERATED, { recursive: true });
    writeFileSync(join(GENERATED, 'openapi.json'), JSON.stringify(spec));
    run(
      join(BIN, 'openapi-ts'),
      ['-i', join(GENERATED, 'openapi.json'), '-o', join(GENERATED, 'client'), '-c', '@hey-api/client-fetch', '-s'],
      { cwd: GENERATED },
    );
    // Strict type check of the generated SDK together with a program written against it.
    run(join(BIN, 'tsc'), ['-p', join(ROOT, 'test/e2e/sdk/tsconfig.json')]);
    run(join(BIN, 'swc'), [
      'test/e2e/sdk/driver.ts',
      'test/e2e/.generated/sdk/client',
      '-d',
      'test/e2e/.generated/sdk/js',
      '--quiet',
    ]);

    await seedUser(api.dbUrl, 'sdk.user@lab.test', 'sdk user password 1');
    const out = await runDriver();
    async function runDriver() {
      try {
        return run(process.execPath, [join(GENERATED, 'js/test/e2e/sdk/driver.js')], {
          env: {
            PATH: process.env.PATH,
            LABWIRE_URL: api.url,
            LABWIRE_EMAIL: 'sdk.user@lab.test',
            LABWIRE_PASSWORD: 'sdk user password 1',
          },
        });
      } catch (err) {
        throw new Error(`${(err as Error).message}\napi log:\n${api.output()}`);
      }
    }
    if (!out.includes('"me"')) throw new Error(`driver printed no summary; api log:\n${api.output()}`);
    const summary = JSON.parse(out.trim().split('\n').pop()!);
    expect(summary).toEqual({
      me: 'sdk.user@lab.test',
      created: { name: 'HPLC-1', status: 'active' },
      updated: { status: 'maintenance', notes: 'column replaced', version: 2 },
      stale: { status: 412, code: 'VERSION_MISMATCH' },
      listed: { total: 1, names: ['HPLC-1'] },
      missing: { status: 404, code: 'INSTRUMENT_NOT_FOUND' },
      afterDelete: 0,
    });
  });
});
