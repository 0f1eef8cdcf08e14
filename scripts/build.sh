#!/usr/bin/env bash
# Compiles apps, libs, migrations and benches with swc (path aliases rewritten) into dist/, then writes the
# documented entry points dist/apps/<app>/main.js. Type checking is `npm run typecheck`.
#
# Every `npm start`, `npm run cli` and `npm test` calls this, often while Labwire runs from dist/. So:
# - nothing is built when the sources are those dist/ was built from (a stamp of their paths, sizes and
#   mtimes, kept in dist/.build-stamp): a CLI call then costs no build;
# - a build goes to a fresh directory that replaces dist/ by renames, never deleting files under a running
#   process: a module a running process loads later (a worker thread's script) is found in the new tree.
# LABWIRE_BUILD=always builds even when the stamp matches.
set -euo pipefail
cd "$(dirname "$0")/.."

# Paths, sizes and mtimes of the sources, and the contents of the build's own inputs, hashed (node: GNU and
# BSD find differ).
stamp() {
  node -e '
    const { readdirSync, statSync, readFileSync, existsSync } = require("node:fs");
    const hash = require("node:crypto").createHash("sha256");
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
        const p = dir + "/" + e.name;
        if (e.isDirectory()) walk(p);
        else if (/\.(ts|mjs|js|json|html|txt)$/.test(e.name)) {
          const s = statSync(p);
          hash.update(`${p} ${s.size} ${s.mtimeMs}\n`);
        }
      }
    };
    for (const dir of ["apps", "libs", "migrations", "bench"]) if (existsSync(dir)) walk(dir);
    for (const f of ["scripts/build.sh", ".swcrc", "package-lock.json"]) if (existsSync(f)) hash.update(readFileSync(f));
    console.log(hash.digest("hex"));
  '
}

work=node_modules/.cache/labwire-build
mkdir -p "$work"
# One build at a time per checkout (two CLI calls at once must not both swap dist/); flock is Linux's.
if command -v flock > /dev/null; then
  exec 9> "$work/lock"
  flock 9
fi

current=$(stamp)
if [ "${LABWIRE_BUILD:-}" != always ] && [ -f dist/.build-stamp ] && [ "$(cat dist/.build-stamp)" = "$current" ]; then
  exit 0
fi

next="$work/next"
rm -rf "$next"
node_modules/.bin/swc apps libs migrations bench -d "$next" --quiet --ignore '**/*.spec.ts,**/*.mjs'
# Worker-thread scripts are plain ES modules that run as they are, next to the code that starts them.
find libs -name '*.worker.mjs' | while read -r f; do
  mkdir -p "$next/$(dirname "$f")" && cp "$f" "$next/$f"
done
for app in api worker cli; do
  [ -f "$next/apps/$app/src/main.js" ] && printf "require('./src/main.js');\n" > "$next/apps/$app/main.js"
done
# Mail templates (libs/providers/src/mail/templates) are read at run time from next to their code.
find libs -type d -name templates | while read -r d; do
  mkdir -p "$next/$d" && cp "$d"/*.html "$d"/*.txt "$next/$d/"
done
# The MQTT bridge as its own process: the api's code in another composition (BridgeAppModule).
mkdir -p "$next/apps/bridge" && printf "require('../api/src/main-bridge.js');\n" > "$next/apps/bridge/main.js"
echo "$current" > "$next/.build-stamp"

# Swap: the old tree is moved aside (processes holding its files keep them open), the new one takes its
# name, then the old one goes. Modules are loaded by path, so later loads find the new tree.
old="$work/old-$$"
rm -rf "$work"/old-*
[ -d dist ] && mv dist "$old"
mv "$next" dist
rm -rf "$old"
