#!/usr/bin/env bash
# The real upstream Cloudflare spec (4 MB, 1,511 operations) end to end:
# generate its three crates, then `cargo clippy -D warnings` them (which
# type-checks everything). Also the 5-operation upstream slice.
# Output and build artefacts go under target/full-spec/ (reused between runs).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
work="$root/target/full-spec"
mkdir -p "$work"

cargo build --quiet --release -p xtask
for spec in cloudflare-access-users-2024 cloudflare-openapi-2024; do
  out="$work/$spec"
  echo "==> generate $spec"
  # GNU time reports peak RSS; without it the step still runs.
  timer=()
  if [ -x /usr/bin/time ]; then timer=(/usr/bin/time -f "    generate: %e s wall, %M KB peak RSS"); fi
  "${timer[@]}" target/release/xtask generate --spec "xtask/tests/data/$spec.json" --out "$out" --quiet \
      --resource-features
  # Pin dependency versions to the workspace's, so builds share artefacts.
  cp Cargo.lock "$out/Cargo.lock"
  echo "==> cargo clippy -D warnings ($spec)"
  start=$(date +%s)
  (cd "$out" && CARGO_TARGET_DIR="$work/target" cargo clippy --quiet --workspace -- -D warnings)
  echo "    clippy (check + lints): $(( $(date +%s) - start )) s"
done

# One resource of the full spec on its own, as a user who needs only DNS
# records would build it (resource features; dependencies already built).
echo "==> cargo check one resource (dns_records_for_a_zone) of cloudflare-openapi-2024"
start=$(date +%s)
(cd "$work/cloudflare-openapi-2024" && CARGO_TARGET_DIR="$work/target" cargo check --quiet \
  -p cloudflare-openapi-2024-client --no-default-features --features dns_records_for_a_zone)
echo "    check, one resource (dependencies prebuilt): $(( $(date +%s) - start )) s"
