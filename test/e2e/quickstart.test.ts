import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { BuiltStack } from '../support/built-stack';
import { seedUser } from '../support/seed-user';

const run = promisify(execFile);
const README = join(__dirname, '../../README.md');
const ADMIN_EMAIL = 'quickstart-admin@example.com';
const ADMIN_PASSWORD = 'quickstart-password-1';
/** The read-back step may find the reading not yet stored; the README says to run it again. */
const READ_ATTEMPTS = 30;
/** stands for the README's `…` (a value the reader's run decides, such as a time) */
const ANY = '<any>';
/** separates what the earlier steps print from what the last one prints */
const MARK = '--- read back ---';

function matching(promised: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(promised).map(([field, value]) => [field, value === ANY ? expect.anything() : value]),
  );
}

interface QuickStart {
  /** the shell blocks between `<!-- quickstart` and `<!-- /quickstart -->`, in order, unindented */
  blocks: string[];
  /** what the README says the last step prints (`which prints \`…\``), `…` standing for any value */
  expected: string;
}

function readQuickStart(markdown: string): QuickStart {
  const start = markdown.indexOf('<!-- quickstart');
  const end = markdown.indexOf('<!-- /quickstart -->');
  if (start < 0 || end < start) throw new Error('README.md has no <!-- quickstart --> … <!-- /quickstart --> section');
  const section = markdown.slice(start, end);
  const blocks = [...section.matchAll(/^( *)```sh\n([\s\S]*?)^\1```$/gm)].map(([, indent, body]) =>
    body
      .split('\n')
      .map((line) => (line.startsWith(indent) ? line.slice(indent.length) : line))
      .join('\n'),
  );
  const expected = /which prints `([^`]+)`/.exec(section)?.[1];
  if (!expected) throw new Error('the quick start does not say what its last step prints ("which prints `…`")');
  return { blocks, expected };
}

async function requireTools(): Promise<void> {
  const missing: string[] = [];
  for (const tool of ['bash', 'curl', 'jq', 'mosquitto_pub']) {
    await run('bash', ['-c', `command -v ${tool}`]).catch(() => missing.push(tool));
  }
  if (missing.length > 0) {
    throw new Error(`the quick start needs ${missing.join(', ')} (Debian: apt-get install curl jq mosquitto-clients)`);
  }
}

/**
 * The README's first-reading steps, run as written with bash against the built api, worker and their
 * own broker: only the values a user would have (where Labwire answers, the admin's credentials) come
 * from the environment the steps read them from.
 */
describe('README quick start, run as written', () => {
  let stack: BuiltStack;

  beforeAll(async () => {
    await requireTools();
    stack = await BuiltStack.start({ ownBroker: true });
    await seedUser(stack.env.DATABASE_URL as string, ADMIN_EMAIL, ADMIN_PASSWORD, 'admin');
  });
  afterAll(() => stack?.close());

  it('signs in, creates a workspace and an instrument, publishes a reading and reads it back', async () => {
    const { blocks, expected } = readQuickStart(readFileSync(README, 'utf8'));
    expect(blocks.length).toBeGreaterThanOrEqual(3);
    const steps = blocks.slice(0, -1).join('\n');
    const readBack = blocks[blocks.length - 1];
    // Every step but the last runs once, stopping at the first failing command; the last is run
    // again until it prints something, as the README tells its reader to.
    const script = [
      'set -eo pipefail',
      steps,
      `for attempt in $(seq 1 ${READ_ATTEMPTS}); do`,
      `  out=$(${readBack})`,
      `  if [ "$(echo "$out" | jq length)" != 0 ]; then break; fi`,
      '  sleep 1',
      'done',
      `echo '${MARK}'`,
      'echo "$out"',
    ].join('\n');
    const broker = new URL(stack.env.MQTT_URL as string);
    const { stdout } = await run('bash', ['-c', script], {
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        LABWIRE_URL: stack.apiUrl,
        ADMIN_EMAIL,
        ADMIN_PASSWORD,
        MQTT_HOST: broker.hostname,
        MQTT_PORT: broker.port,
      },
    });

    const printed = JSON.parse(stdout.slice(stdout.lastIndexOf(MARK) + MARK.length)) as Array<Record<string, unknown>>;
    const promised = JSON.parse(expected.replaceAll('"…"', JSON.stringify(ANY))) as Array<Record<string, unknown>>;
    expect(printed).toEqual(promised.map((reading) => matching(reading)));
  });
});
