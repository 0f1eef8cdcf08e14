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

stamp() {
  {
    find apps libs migrations bench -type f \( -name '*.ts' -o -name '*.mjs' -o -name '*.js' -o -name '*.json' \) \
      -printf '%p %s %T@\n' | LC_ALL=C sort
    # The build's own inputs: this script, swc's options, the installed swc.
    for f in scripts/build.sh .swcrc package-lock.json; do
      if [ -f "$f" ]; then printf '%s %s\n' "$f" "$(cksum < "$f")"; fi
    done
  } | cksum | cut -d' ' -f1
}

work=node_modules/.cache/labwire-build
mkdir -p "$work"
# One build at a time per checkout (two CLI calls at once must not both swap dist/).
exec 9> "$work/lock"
flock 9

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
