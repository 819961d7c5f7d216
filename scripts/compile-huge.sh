#!/usr/bin/env bash
# Compile cost of huge specs, one models crate against split models, side by side.
#
#   scripts/compile-huge.sh [--rounds N] [--spec NAME=FILE]... [--cmd check|build]...
#
# For each spec, generates the crates twice into target/compile-huge/: with
# `--split-models off` (one models crate) and `--split-models auto` (parts
# re-exported by a facade). Dependencies are built once, untimed. Then, in
# alternating rounds (off, auto, off, auto, ...), every models crate of the
# output is cleaned and `cargo check|build -p <api>-models` runs under GNU time
# (Debian package `time`), which gives wall time, CPU time and peak RSS. Prints
# a Markdown table of medians and the auto ÷ off ratios.
#
# Default specs: the full Cloudflare spec (in the repository) and GitHub's REST
# spec (npm @octokit/openapi, fetched into target/corpus/ if missing). Minutes
# per run; not part of CI.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

rounds=2
specs=()
cmds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --spec) specs+=("$2"); shift 2 ;;
    --cmd) cmds+=("$2"); shift 2 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
done
[ ${#cmds[@]} -gt 0 ] || cmds=(check build)
if [ ${#specs[@]} -eq 0 ]; then
  specs=("cloudflare=xtask/tests/data/cloudflare-openapi-2024.json")
  github=target/corpus/octokit/package/generated/api.github.com.json
  if [ ! -f "$github" ]; then
    mkdir -p target/corpus/octokit
    (cd target/corpus/octokit && npm pack --silent @octokit/openapi >/dev/null && tar xzf octokit-openapi-*.tgz)
  fi
  specs+=("github=$github")
fi
if [ ! -x /usr/bin/time ]; then
  echo "GNU time is needed for peak RSS: apt-get install time" >&2
  exit 1
fi

cargo build -q --release -p xtask
xtask=$root/target/release/xtask
work=$root/target/compile-huge
mkdir -p "$work"
results=$work/results.tsv
: > "$results"

for s in "${specs[@]}"; do
  name=${s%%=*}; spec=${s#*=}
  for layout in off auto; do
    out=$work/$name-$layout
    rm -rf "$out"
    "$xtask" generate --spec "$spec" --out "$out" --split-models "$layout" --quiet >/dev/null
    cp Cargo.lock "$out/Cargo.lock"
  done
  models=$(sed -n 's/^name = "\(.*-models\)"$/\1/p' "$work/$name-off"/*-models/Cargo.toml)
  for layout in off auto; do
    out=$work/$name-$layout
    # Dependencies once, untimed: the runtime and serde are not what is measured.
    (cd "$out" && CARGO_TARGET_DIR=$work/target-$name-$layout cargo check -q -p apigen-runtime \
      && CARGO_TARGET_DIR=$work/target-$name-$layout cargo build -q -p apigen-runtime)
  done
  for round in $(seq 1 "$rounds"); do
    for cmd in "${cmds[@]}"; do
      for layout in off auto; do
        out=$work/$name-$layout
        target=$work/target-$name-$layout
        parts=()
        for manifest in "$out"/*-models*/Cargo.toml; do
          parts+=(-p "$(sed -n 's/^name = "\(.*\)"$/\1/p' "$manifest" | head -1)")
        done
        (cd "$out" && CARGO_TARGET_DIR=$target cargo clean -q "${parts[@]}")
        echo "==> $name $layout: cargo $cmd -p $models (round $round/$rounds)" >&2
        (cd "$out" && CARGO_INCREMENTAL=0 CARGO_TARGET_DIR=$target \
          /usr/bin/time -v -o "$work/time.txt" cargo "$cmd" -q -p "$models")
        wall=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' "$work/time.txt")
        user=$(sed -n 's/.*User time (seconds): //p' "$work/time.txt")
        sys=$(sed -n 's/.*System time (seconds): //p' "$work/time.txt")
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt")
        printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$name" "$cmd" "$layout" "$round" "$wall" \
          "$(awk -v u="$user" -v s="$sys" 'BEGIN { print u + s }')" "$rss" >> "$results"
      done
    done
  done
done

python3 - "$results" <<'EOF'
import sys, statistics
rows = [l.rstrip("\n").split("\t") for l in open(sys.argv[1]) if l.strip()]
def secs(wall):
    parts = [float(p) for p in wall.split(":")]
    return sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
data = {}
for name, cmd, layout, rnd, wall, cpu, rss in rows:
    if cmd == "lines":
        continue
    data.setdefault((name, cmd, layout), []).append((secs(wall), float(cpu), int(rss) / 1024 / 1024))
print("| spec | command | one crate: wall / CPU / peak RSS | split: wall / CPU / peak RSS | wall, split ÷ one | peak RSS, split ÷ one |")
print("|---|---|---|---|---|---|")
for (name, cmd, layout) in sorted({(n, c, "off") for n, c, _ in data}):
    off, auto = data.get((name, cmd, "off"), []), data.get((name, cmd, "auto"), [])
    if not off or not auto:
        continue
    med = lambda runs, i: statistics.median(r[i] for r in runs)
    # Ratios per round (alternating runs), then their median.
    wall_ratio = statistics.median(a[0] / o[0] for o, a in zip(off, auto))
    rss_ratio = statistics.median(a[2] / o[2] for o, a in zip(off, auto))
    print(f"| {name} | cargo {cmd} | {med(off,0):.0f} s / {med(off,1):.0f} s / {med(off,2):.2f} GB"
          f" | {med(auto,0):.0f} s / {med(auto,1):.0f} s / {med(auto,2):.2f} GB"
          f" | {wall_ratio:.2f}× | {rss_ratio:.2f}× |")
EOF
