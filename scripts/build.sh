#!/usr/bin/env bash
# Compiles apps, libs, migrations and benches with swc (path aliases rewritten) into dist/, then writes the
# documented entry points dist/apps/<app>/main.js. Type checking is `npm run typecheck`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
node_modules/.bin/swc apps libs migrations bench -d dist --quiet --ignore '**/*.spec.ts,**/*.mjs'
# Worker-thread scripts are plain ES modules that run as they are, next to the code that starts them.
find libs -name '*.worker.mjs' | while read -r f; do
  mkdir -p "dist/$(dirname "$f")" && cp "$f" "dist/$f"
done
for app in api worker cli; do
  [ -f "dist/apps/$app/src/main.js" ] && printf "require('./src/main.js');\n" > "dist/apps/$app/main.js"
done
# The MQTT bridge as its own process: the api's code in another composition (BridgeAppModule).
mkdir -p dist/apps/bridge && printf "require('../api/src/main-bridge.js');\n" > dist/apps/bridge/main.js
