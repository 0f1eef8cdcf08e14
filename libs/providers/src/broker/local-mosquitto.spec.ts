import { pbkdf2Sync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { dynsecConfig, projectMosquittoConf, renderLocalConfig } from './local-mosquitto';

describe('the local broker configuration', () => {
  const template = readFileSync(projectMosquittoConf(), 'utf8');

  it("adapts the project's file: loopback listener, local plugin and data directory, nothing else", () => {
    const text = renderLocalConfig(template, { port: 18840, dataDir: '/tmp/lw', plugin: '/lib/dynsec.so' });
    expect(text).toMatch(/^listener 18840 127\.0\.0\.1$/m);
    expect(text).toMatch(/^plugin \/lib\/dynsec\.so$/m);
    expect(text).toMatch(/^plugin_opt_config_file \/tmp\/lw\/dynamic-security\.json$/m);
    expect(text).toMatch(/^allow_anonymous false$/m);
    expect(text).not.toContain('/mosquitto/data');
    expect(text).not.toMatch(/^listener 1883$/m);
  });

  it('refuses a template that lost a line it must adapt', () => {
    expect(() =>
      renderLocalConfig(template.replace('listener 1883', 'listener 1999'), { port: 1, dataDir: '/d', plugin: '/p' }),
    ).toThrow(/listener 1883/);
  });

  it("stores the Labwire account's password as the plugin does (salted PBKDF2-SHA512)", () => {
    const config = dynsecConfig('labwire', 'pw-1234567890') as {
      clients: Array<{ username: string; password: string; salt: string; iterations: number; roles: unknown[] }>;
    };
    const [client] = config.clients;
    expect(client.username).toBe('labwire');
    const expected = pbkdf2Sync('pw-1234567890', Buffer.from(client.salt, 'base64'), client.iterations, 64, 'sha512');
    expect(client.password).toBe(expected.toString('base64'));
    expect(JSON.stringify(config)).not.toContain('pw-1234567890');
  });
});
