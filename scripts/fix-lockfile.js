#!/usr/bin/env node
/**
 * Records optional platform packages that the registry did not serve in package-lock.json.
 *
 * Native packages (swc, argon2, msgpackr, jest's resolver…) list one optional dependency per
 * platform. When the registry an install runs against lacks some of them (the mirror this project
 * is developed against serves only some platforms), `npm install` leaves them out of the lock file
 * and `npm ci` then refuses the lock as out of sync. This adds each missing one as an optional entry
 * with the os/cpu/libc its name states, so npm ci accepts the lock everywhere, skips foreign
 * platforms, and fetches the right one on a machine that needs it.
 *
 * Run it after changing dependencies: `npm install … && npm run lockfile:fix`.
 */
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const OS = ['darwin', 'win32', 'linux', 'android', 'freebsd', 'openbsd', 'netbsd', 'sunos', 'aix'];
const CPU = ['arm64', 'x64', 'ia32', 'ppc64', 's390x', 'loong64', 'riscv64', 'arm', 'wasm32'];

function platformOf(name) {
  const parts = name.split('/').pop().split('-');
  const os = OS.find((o) => parts.includes(o));
  const cpu = CPU.find((c) => parts.includes(c)) ?? (parts.includes('armv7') ? 'arm' : undefined);
  const libc = parts.includes('musl')
    ? 'musl'
    : parts.includes('gnu') || parts.includes('gnueabihf')
      ? 'glibc'
      : undefined;
  return { ...(os && { os: [os] }), ...(cpu && { cpu: [cpu] }), ...(libc && { libc: [libc] }) };
}

const file = join(__dirname, '..', 'package-lock.json');
const lock = JSON.parse(readFileSync(file, 'utf8'));
const added = [];
for (const [key, pkg] of Object.entries(lock.packages)) {
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const nested = `${key ? key + '/' : ''}node_modules/${dep}`;
    const top = `node_modules/${dep}`;
    if (lock.packages[nested] || lock.packages[top]) continue;
    lock.packages[top] = { version, optional: true, ...platformOf(dep) };
    added.push(`${dep}@${version}`);
  }
}
if (added.length) {
  lock.packages = Object.fromEntries(
    Object.entries(lock.packages).sort(([a], [b]) => (a === '' ? -1 : b === '' ? 1 : a.localeCompare(b))),
  );
  writeFileSync(file, JSON.stringify(lock, null, 2) + '\n');
}
console.log(
  added.length ? `lockfile: recorded ${added.length} optional platform packages` : 'lockfile: nothing to add',
);
