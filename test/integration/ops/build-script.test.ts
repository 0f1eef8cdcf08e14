import { spawnSync } from 'node:child_process';
import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(__dirname, '..', '..', '..');

/**
 * scripts/build.sh run on a small checkout of its own (its own dist/ and build cache; swc from this one),
 * so these builds never touch the dist/ other tests run.
 */
function checkout(): { dir: string; build(): string } {
  const dir = mkdtempSync(join(tmpdir(), 'lw-build-'));
  mkdirSync(join(dir, 'scripts'));
  cpSync(join(ROOT, 'scripts/build.sh'), join(dir, 'scripts/build.sh'));
  cpSync(join(ROOT, '.swcrc'), join(dir, '.swcrc'));
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(join(ROOT, 'node_modules/.bin'), join(dir, 'node_modules/.bin'));
  const write = (path: string, text: string) => {
    mkdirSync(join(dir, path, '..'), { recursive: true });
    writeFileSync(join(dir, path), text);
  };
  write('apps/cli/src/main.ts', 'export const version: number = 1;\n');
  write('libs/core/src/index.ts', 'export const core = 1;\n');
  write('libs/core/src/text.worker.mjs', 'export {};\n');
  write('libs/providers/src/mail/templates/layout.html', '<p>{{body}}</p>\n');
  write('libs/providers/src/mail/templates/layout.txt', '{{body}}\n');
  write('migrations/index.ts', 'export const migrations = [];\n');
  write('bench/run.ts', 'export {};\n');
  return {
    dir,
    build() {
      const run = spawnSync('bash', ['scripts/build.sh'], { cwd: dir, encoding: 'utf8' });
      if (run.status !== 0) throw new Error(`build failed:\n${run.stdout}${run.stderr}`);
      return run.stdout + run.stderr;
    },
  };
}

/** inode of every file under dist/ by path */
function inodes(dist: string, under = ''): Map<string, number> {
  const found = new Map<string, number>();
  for (const entry of readdirSync(join(dist, under), { withFileTypes: true })) {
    const path = join(under, entry.name);
    if (entry.isDirectory()) for (const [p, i] of inodes(dist, path)) found.set(p, i);
    else found.set(path, statSync(join(dist, path)).ino);
  }
  return found;
}

describe('scripts/build.sh', () => {
  let co: ReturnType<typeof checkout>;
  beforeEach(() => (co = checkout()));
  afterEach(() => rmSync(co.dir, { recursive: true, force: true }));

  it('builds the entry points and worker scripts, then leaves dist/ untouched while the sources are unchanged', () => {
    co.build();
    const dist = join(co.dir, 'dist');
    const before = inodes(dist);
    expect([...before.keys()]).toEqual(
      expect.arrayContaining(['apps/cli/main.js', 'apps/cli/src/main.js', 'libs/core/src/text.worker.mjs']),
    );
    const distIno = statSync(dist).ino;

    co.build();
    expect(statSync(dist).ino).toBe(distIno);
    expect(inodes(dist)).toEqual(before);
  });

  it('rebuilds when a source changes (seen by its mtime at the same size), into a fresh tree swapped in for dist/', () => {
    co.build();
    const dist = join(co.dir, 'dist');
    const oldDistIno = statSync(dist).ino;
    const source = join(co.dir, 'apps/cli/src/main.ts');
    writeFileSync(source, 'export const version: number = 2;\n');
    // Same size: the change must be seen by its mtime too.
    const later = new Date(Date.now() + 5000);
    utimesSync(source, later, later);

    co.build();
    expect(statSync(dist).ino).not.toBe(oldDistIno);
    const built = spawnSync(process.execPath, ['-p', "require('./dist/apps/cli/src/main.js').version"], {
      cwd: co.dir,
      encoding: 'utf8',
    });
    expect(built.stdout.trim()).toBe('2');
    // The worker script is at its path in the new tree: a running process loading it later finds it.
    expect(statSync(join(dist, 'libs/core/src/text.worker.mjs')).isFile()).toBe(true);
  });

  it('copies the mail templates next to their code, and rebuilds when one changes', () => {
    co.build();
    const built = join(co.dir, 'dist/libs/providers/src/mail/templates');
    expect(readdirSync(built).sort()).toEqual(['layout.html', 'layout.txt']);
    const template = join(co.dir, 'libs/providers/src/mail/templates/layout.txt');
    writeFileSync(template, 'Hello {{body}}\n');
    co.build();
    expect(readFileSync(join(built, 'layout.txt'), 'utf8')).toBe('Hello {{body}}\n');
  });

  it('rebuilds when a source is added', () => {
    co.build();
    writeFileSync(join(co.dir, 'libs/core/src/extra.ts'), 'export const extra = 1;\n');
    co.build();
    expect(statSync(join(co.dir, 'dist/libs/core/src/extra.js')).isFile()).toBe(true);
  });
});
