#!/usr/bin/env bash
# Runs the public Federation Gateway Audit (graphql-hive/federation-gateway-audit) against this
# repository's gateway. The audit is never committed here: bring a checkout of it (see
# docs/federation-audit.md) and point AUDIT_DIR at it.
#
#   AUDIT_DIR=/tmp/audit AUDIT_NODE=/tmp/node24/package/bin/node scripts/federation-audit.sh [suite]
#
# AUDIT_DIR   the audit's checkout, `npm install` done (required)
# AUDIT_NODE  a Node >= 22 binary for the audit's CLI (it uses Promise.withResolvers); the gateway
#             itself runs on this machine's node (default: `node` on PATH)
# AUDIT_PORT  where the audit serves its subgraphs (default 4870); the gateway listens on +1.
#             Before each suite the audit kills whatever listens on the gateway port: pick a free one.
# [suite]     one suite id (e.g. requires-with-argument) instead of all 46
set -euo pipefail

repo="$(cd "$(dirname "$0")/.." && pwd)"
: "${AUDIT_DIR:?set AUDIT_DIR to a checkout of graphql-hive/federation-gateway-audit (npm install done)}"
: "${AUDIT_NODE:?set AUDIT_NODE to a Node >= 22 binary (the audit CLI needs it)}"
subgraphs_port="${AUDIT_PORT:-4870}"
gateway_port=$((subgraphs_port + 1))
gateway_node="$(command -v node)"

# The audit starts a gateway per suite with `sh run.sh <suite>` from gateways/<name>/.
gateway_dir="$AUDIT_DIR/gateways/fedplat"
mkdir -p "$gateway_dir"
cat >"$gateway_dir/gateway.json" <<JSON
{ "name": "fedplat", "graphql": "http://127.0.0.1:$gateway_port/graphql", "health": "http://127.0.0.1:$gateway_port/health/ready" }
JSON
# The audit's requests are anonymous and many per minute: its rate limit would measure the
# limiter, not federation. Everything else is the gateway as `npm start` runs it.
cat >"$gateway_dir/run.sh" <<SH
npm start --silent -- supergraph --cwd ./gateways/fedplat --port $subgraphs_port --test "\$1" || exit 1
cd "$repo/gateway" && exec env PORT=$gateway_port SUPERGRAPH_PATH="$gateway_dir/supergraph.graphql" \\
  RATE_LIMIT_ANONYMOUS_PER_MINUTE=1000000 RATE_LIMIT_IP_PER_MINUTE=1000000 \\
  "$gateway_node" --import tsx --import @fedplat/telemetry/register src/main.ts
SH

cd "$AUDIT_DIR"
export PATH="$(dirname "$AUDIT_NODE"):$PATH"
# A gateway start through tsx takes longer than the audit's default 5 s on a small machine.
export GATEWAY_TIMEOUT="${GATEWAY_TIMEOUT:-60000}"
args=(--cwd ./gateways/fedplat --run-script ./run.sh --port "$subgraphs_port"
  --graphql "http://127.0.0.1:$gateway_port/graphql" --healthcheck "http://127.0.0.1:$gateway_port/health/ready")
if [[ $# -gt 0 ]]; then
  npm start --silent -- test-suite --test "$1" --reporter dot "${args[@]}"
else
  npm start --silent -- test --reporter dot --write results.txt "${args[@]}"
fi
