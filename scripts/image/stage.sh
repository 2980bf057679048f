#!/usr/bin/env bash
# Stages the production file tree of the image into DEST (infra/Dockerfile's runtime stage copies it
# to /app as is): what the seven processes run and read, with production dependencies only.
#   scripts/image/stage.sh DEST     (from a built checkout: npm ci, npm run generate, npm run build)
# - every workspace's package.json (npm ci needs each one the lockfile names), the lockfile, services.json,
#   supergraph.graphql and the HEALTHCHECK script;
# - of each package with a build: its dist/ and the files its code reads at runtime from src/ (schema.graphql,
#   the explorer's page scripts, the persisted-documents manifest): everything in src/ but TypeScript;
# - node_modules: `npm ci --omit=dev --omit=optional` for those packages, from the npm cache the checkout's
#   own install filled (--prefer-offline). --omit=optional too because the Prisma CLI, TypeScript and the
#   CLI's config loader are optional peers of @prisma/client that the lockfile marks devOptional (npm keeps
#   them unless both dev and optional are omitted); the processes run the generated clients, never the CLI.
#   Install scripts do not run (none is needed at runtime: argon2 ships prebuilt binaries); our patches
#   of Apollo's packages are applied with the checkout's patch-package, a dev dependency.
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: scripts/image/stage.sh DEST" >&2
  exit 2
fi
root="$(cd "$(dirname "$0")/../.." && pwd)"
mkdir -p "$1"
dest="$(cd "$1" && pwd)"
if [ -n "$(ls -A "$dest")" ]; then
  echo "stage: $dest is not empty" >&2
  exit 1
fi
cd "$root"

# Workspace folders (package.json "workspaces", globs expanded) and those with a build (the runtime ones).
mapfile -t workspaces < <(node -e '
  const { globSync } = require("node:fs");
  for (const pattern of require("./package.json").workspaces)
    for (const dir of globSync(pattern)) if (require("node:fs").existsSync(`${dir}/package.json`)) console.log(dir);')
built=()
for dir in "${workspaces[@]}"; do
  mkdir -p "$dest/$dir"
  cp "$dir/package.json" "$dest/$dir/"
  if node -e 'process.exit(require(`./${process.argv[1]}/package.json`).scripts?.build ? 0 : 1)' "$dir"; then
    if [ ! -f "$dir/dist/index.js" ] && [ ! -f "$dir/dist/main.js" ]; then
      echo "stage: $dir/dist is missing: run npm run build first" >&2
      exit 1
    fi
    built+=("$dir")
    cp -R "$dir/dist" "$dest/$dir/dist"
    (cd "$dir" && find src -type f ! -name "*.ts" -print0 | xargs -0 -r cp --parents -t "$dest/$dir/")
  fi
done
cp package.json package-lock.json services.json supergraph.graphql "$dest/"
cp -R patches "$dest/patches"
mkdir -p "$dest/scripts/image" && cp scripts/image/healthcheck.mjs "$dest/scripts/image/"

cd "$dest"
npm ci --omit=dev --omit=optional --ignore-scripts --prefer-offline --no-audit --no-fund --loglevel=error \
  "${built[@]/#/--workspace=}"
node "$root/node_modules/patch-package/index.js" --error-on-fail >/dev/null
rm -rf patches node_modules/.cache
echo "stage: $dest (${#built[@]} packages, $(du -sm node_modules | cut -f1) MiB of node_modules)"
