import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { envSchema } from './config.schema';

const ROOT = join(__dirname, '../../../..');
const VARIABLES = Object.keys(envSchema.shape);

/** Operators learn the configuration from .env.example and the README: neither may miss a variable. */
describe('configuration documentation', () => {
  it('.env.example lists every variable', () => {
    const example = readFileSync(join(ROOT, '.env.example'), 'utf8');
    const missing = VARIABLES.filter((v) => !new RegExp(`^#? ?${v}=`, 'm').test(example));
    expect(missing).toEqual([]);
  });

  it("README's configuration table lists every variable", () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    const missing = VARIABLES.filter((v) => !readme.includes(`| \`${v}\` |`));
    expect(missing).toEqual([]);
  });
});
