import { ConfigError } from './config.error';
import { loadConfig } from './app-config';

describe('loadConfig', () => {
  it('applies the documented development defaults', () => {
    const c = loadConfig({});
    expect(c.database.url).toBe('postgres://postgres@127.0.0.1:5432/labwire');
    expect(c.redis.url).toBe('redis://127.0.0.1:6379');
    expect(c.mqtt.url).toBe('mqtt://127.0.0.1:1884');
    expect(c.api.port).toBe(3000);
    expect(c.worker.port).toBe(3001);
    expect(c.auth.accessTtlSeconds).toBe(900);
    expect(c.auth.refreshTtlSeconds).toBe(7 * 86400);
    expect(c.auth.jwtSecretGenerated).toBe(true);
    expect(c.auth.openRegistration).toBe(false);
    expect(c.admin.email).toBe('admin@labwire.local');
    expect(c.redis.prefix).toBe('labwire');
  });

  it('derives the default REDIS_KEY_PREFIX from the database name, so checkouts sharing a Redis stay apart', () => {
    const prefix = (env: Record<string, string>) => loadConfig(env).redis.prefix;
    expect(prefix({ DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/labwire_other' })).toBe('labwire:labwire_other');
    expect(prefix({ DATABASE_URL: 'postgres://127.0.0.1/lab.two%20x' })).toBe('labwire:lab_two_x');
    expect(prefix({ DATABASE_URL: 'postgres://127.0.0.1/labwire' })).toBe('labwire');
    expect(prefix({ DATABASE_URL: 'postgres://127.0.0.1/other', REDIS_KEY_PREFIX: 'mine' })).toBe('mine');
  });

  it('names every malformed variable', () => {
    try {
      loadConfig({ API_PORT: 'eighty', DATABASE_URL: 'mysql://x', JWT_ACCESS_TTL: 'soon' });
      throw new Error('expected a ConfigError');
    } catch (err) {
      expect(err).toBeInstanceOf(ConfigError);
      const message = (err as ConfigError).message;
      expect(message).toContain('API_PORT');
      expect(message).toContain('DATABASE_URL');
      expect(message).toContain('JWT_ACCESS_TTL');
    }
  });

  it('requires JWT_SECRET in production', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/JWT_SECRET/);
    expect(loadConfig({ NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) }).auth.jwtSecretGenerated).toBe(false);
  });

  it('refuses a production boot without SMTP_URL when accounts are verified by mail, and MAIL_FROM with SMTP_URL', () => {
    const prod = { NODE_ENV: 'production', JWT_SECRET: 'x'.repeat(32) };
    expect(() => loadConfig({ ...prod, USERS_APPROVAL_FLOW: 'email' })).toThrow(/SMTP_URL: required/);
    expect(() => loadConfig({ ...prod, USERS_APPROVAL_FLOW: 'email+admin' })).toThrow(/SMTP_URL: required/);
    expect(loadConfig({ ...prod, USERS_APPROVAL_FLOW: 'admin' }).mail.smtpUrl).toBeNull();
    expect(() => loadConfig({ ...prod, SMTP_URL: 'smtp://mail.lab.example:587' })).toThrow(/MAIL_FROM/);
    const c = loadConfig({
      ...prod,
      USERS_APPROVAL_FLOW: 'email',
      SMTP_URL: 'smtps://u:p@mail:465',
      MAIL_FROM: 'L <l@x>',
    });
    expect(c.mail).toMatchObject({ smtpUrl: 'smtps://u:p@mail:465', from: 'L <l@x>' });
    expect(() => loadConfig({ SMTP_URL: 'http://mail' })).toThrow(/SMTP_URL/);
    expect(() => loadConfig({ USERS_APPROVAL_FLOW: 'magic' })).toThrow(/USERS_APPROVAL_FLOW/);
    expect(loadConfig({ API_PORT: '4000' }).mail.publicUrl).toBe('http://localhost:4000');
    expect(loadConfig({ PUBLIC_URL: 'https://lab.example/' }).mail.publicUrl).toBe('https://lab.example');
  });

  it('parses durations and per-queue concurrency', () => {
    const c = loadConfig({
      JWT_ACCESS_TTL: '5m',
      JWT_REFRESH_TTL: '2d',
      WORKER_CONCURRENCY: 'maintenance=2, telemetry=8',
    });
    expect(c.auth.accessTtlSeconds).toBe(300);
    expect(c.auth.refreshTtlSeconds).toBe(172800);
    expect(c.worker.concurrency).toEqual({ maintenance: 2, telemetry: 8 });
    expect(() => loadConfig({ WORKER_CONCURRENCY: 'telemetry=zero' })).toThrow(/WORKER_CONCURRENCY/);
  });
});
