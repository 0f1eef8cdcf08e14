import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchema } from './config.schema';

const ROOT = join(__dirname, '../../../..');
const VARIABLES = Object.keys(envSchema.shape);

/** Operators learn the configuration from .env.example and docs/configuration.md: neither may miss a variable. */
describe('configuration documentation', () => {
  it('.env.example lists every variable', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const missing = VARIABLES.filter((v) => !new RegExp(`^#? ?${v}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it('the configuration table of docs/configuration.md lists every variable', () => {
    const page = readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8');
    const missing = VARIABLES.filter((v) => !page.includes(`| \`${v}\` |`));
    expect(missing).toEqual([]);
  });
});
