#!/usr/bin/env bash
# The test command: everything `cargo test --workspace` needs, then the tests.
#   1. installs the Prism mock server (npm) that the conformance tests start;
#   2. validates the specs (openapi-spec-validator, examples against schemas);
#   3. runs `cargo test --workspace`.
# Extra arguments go to `cargo test`.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  echo "scripts/test.sh: the conformance tests need Node.js and npm for the Prism mock server;" >&2
  echo "install them (Debian: apt-get install nodejs npm) and run this again." >&2
  exit 1
fi
if [ ! -x tools/prism/node_modules/.bin/prism ]; then
  echo "==> installing Prism into tools/prism"
  npm ci --prefix tools/prism --no-audit --no-fund --loglevel=error
fi

echo "==> validating spec/*.yaml"
scripts/validate-specs.sh

echo "==> cargo test --workspace"
cargo test --workspace "$@"
