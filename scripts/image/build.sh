#!/usr/bin/env bash
# The image's build step (infra/Dockerfile, stage "build"), after `npm ci`: generated code, the checks
# that generated files are committed as generated, then the compiled dist/ of every runnable package.
# Turbo caches each step, so on a checkout that already built this is a few seconds.
set -euo pipefail
cd "$(dirname "$0")/../.."
export TURBO_TELEMETRY_DISABLED=1
npm run generate --silent -- --output-logs=errors-only
npm run generate:config --silent -- --check
npm run compose --silent -- --check
npm run build --silent -- --output-logs=errors-only
