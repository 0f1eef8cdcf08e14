import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { devJwtSecret } from './dev-jwt-secret';

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
