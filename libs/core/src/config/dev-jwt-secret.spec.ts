import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from './app-config';
import { devJwtSecret, withDevJwtSecret } from './dev-jwt-secret';

describe('devJwtSecret', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lw-jwt-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('generates a secret once into a file only its owner can read, then reuses it', () => {
    const first = devJwtSecret(join(dir, '.data'));
    expect(first.created).toBe(true);
    expect(first.secret.length).toBeGreaterThanOrEqual(32);
    expect(statSync(join(dir, '.data/jwt-secret')).mode & 0o777).toBe(0o600);
    expect(devJwtSecret(join(dir, '.data'))).toEqual({ secret: first.secret, created: false });
  });

  it('replaces a file too short to be a secret', () => {
    writeFileSync(join(dir, 'jwt-secret'), 'short\n');
    const made = devJwtSecret(dir);
    expect(made.created).toBe(true);
    expect(made.secret).not.toBe('short');
  });
});

describe('withDevJwtSecret', () => {
  let dir: string;
  beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'lw-jwt-'))));
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('in development without JWT_SECRET, uses the kept secret', () => {
    const first = withDevJwtSecret(loadConfig({ NODE_ENV: 'development' }), dir);
    expect(first.source).toBe('created');
    expect(first.config.auth.jwtSecretGenerated).toBe(false);
    const again = withDevJwtSecret(loadConfig({ NODE_ENV: 'development' }), dir);
    expect(again).toMatchObject({ source: 'file', config: { auth: { jwtSecret: first.config.auth.jwtSecret } } });
  });

  it('leaves a given JWT_SECRET, and test mode, alone', () => {
    const given = loadConfig({ NODE_ENV: 'development', JWT_SECRET: 'x'.repeat(32) });
    expect(withDevJwtSecret(given, dir)).toEqual({ config: given });
    expect(withDevJwtSecret(loadConfig({ NODE_ENV: 'test' }), dir).source).toBeUndefined();
    expect(readdirSync(dir)).toEqual([]);
  });

  it('falls back to the per-process secret when the data directory cannot be written', () => {
    // a file where the directory should be: mkdir fails whoever runs the test (root included)
    writeFileSync(join(dir, 'not-a-dir'), '');
    const out = withDevJwtSecret(loadConfig({ NODE_ENV: 'development' }), join(dir, 'not-a-dir', 'data'));
    expect(out.source).toBeUndefined();
    expect(out.config.auth.jwtSecretGenerated).toBe(true);
  });
});
