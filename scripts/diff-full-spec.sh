#!/usr/bin/env bash
# Times `cargo xtask diff` on the full upstream Cloudflare spec (1,511 operations): the 2024 spec
# against a copy with a few edits (an optional parameter, a removed operation, a moved path,
# required fields added to three schemas, an enum value), release build. The budget is 2 s.
# Needs Python 3 for the edits.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
spec="$root/xtask/tests/data/cloudflare-openapi-2024.json"
out="$root/target/diff-full-spec"
mkdir -p "$out"
# Same file name on both sides, so both lower to the same crate name.
python3 - "$spec" "$out/cloudflare-openapi-2024.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
paths = d["paths"]
keys = list(paths)
for k in keys:
    if "get" in paths[k]:
        paths[k]["get"].setdefault("parameters", []).append(
            {"name": "diff_probe", "in": "query", "schema": {"type": "string"}})
        break
del paths[keys[10]]
paths[keys[20].rstrip("/") + "/v2"] = paths.pop(keys[20])
schemas = d["components"]["schemas"]
edited = 0
for s in schemas.values():
    if s.get("type") == "object" and "properties" in s and edited < 3:
        s["properties"]["diff_probe_field"] = {"type": "string"}
        s.setdefault("required", []).append("diff_probe_field")
        edited += 1
for s in schemas.values():
    if "enum" in s and s.get("type") == "string":
        s["enum"].append("diff_probe_value")
        break
json.dump(d, open(sys.argv[2], "w"))
PY
(cd "$root" && cargo build -q --release -p xtask)
TIMEFORMAT="diff of the full Cloudflare spec: %R s wall, %U s user + %S s system CPU"
for _ in 1 2 3; do
  time "$root/target/release/xtask" diff --base "$spec" \
    --spec "$out/cloudflare-openapi-2024.json" >"$out/report.txt"
done
head -2 "$out/report.txt"
