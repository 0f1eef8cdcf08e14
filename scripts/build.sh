#!/usr/bin/env bash
# Compiles apps, libs, migrations and benches with swc (path aliases rewritten) into dist/, then writes the
# documented entry points dist/apps/<app>/main.js. Type checking is `npm run typecheck`.
set -euo pipefail
cd "$(dirname "$0")/.."
rm -rf dist
node_modules/.bin/swc apps libs migrations bench -d dist --quiet --ignore '**/*.spec.ts'
for app in api worker cli; do
  [ -f "dist/apps/$app/src/main.js" ] && printf "require('./src/main.js');\n" > "dist/apps/$app/main.js"
done
