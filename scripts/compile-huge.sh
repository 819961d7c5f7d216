#!/usr/bin/env bash
# Compile cost of huge specs, one models crate against split models, side by side.
#
#   scripts/compile-huge.sh [--rounds N] [--spec NAME=FILE]... [--cmd check|build]...
#                           [--baseline-rev REV] [--layouts base,off,auto]
#
# For each spec, generates the crates twice into target/compile-huge/: with
# `--split-models off` (one models crate) and `--split-models auto` (parts
# re-exported by a facade). With `--baseline-rev REV`, also a third time with
# the generator of git revision REV (built in a worktree under
# target/compile-huge/), as it generated then: issue 15 asks for the speed-up
# against the output of the day it was filed (1d73680). Dependencies are built
# once, untimed. Then, in alternating rounds (base, off, auto, base, ...), every
# models crate of the output is cleaned and `cargo check|build -p <api>-models`
# runs under GNU time (Debian package `time`), which gives wall time, CPU time
# and peak RSS. Prints a Markdown table of medians, and the per-round ratios of
# the split against each other layout. `--layouts` picks some of them (GitHub's
# spec in one crate of today's output takes 12 GB and minutes: `base,auto`
# measures only what issue 15 names).
#
# Default specs: the full Cloudflare spec (in the repository) and GitHub's REST
# spec (npm @octokit/openapi, fetched into target/corpus/ if missing). Minutes
# per run; not part of CI.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"

rounds=2
baseline_rev=
layouts=()
specs=()
cmds=()
while [ $# -gt 0 ]; do
  case "$1" in
    --rounds) rounds=$2; shift 2 ;;
    --spec) specs+=("$2"); shift 2 ;;
    --cmd) cmds+=("$2"); shift 2 ;;
    --baseline-rev) baseline_rev=$2; shift 2 ;;
    --layouts) IFS=, read -r -a layouts <<< "$2"; shift 2 ;;
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

if [ ${#layouts[@]} -eq 0 ]; then
  if [ -n "$baseline_rev" ]; then layouts=(base off auto); else layouts=(off auto); fi
fi
if [[ " ${layouts[*]} " == *" base "* ]]; then
  [ -n "$baseline_rev" ] || { echo "the base layout needs --baseline-rev" >&2; exit 2; }
  base_src=$work/base-src
  if [ ! -d "$base_src" ]; then git worktree add --detach "$base_src" "$baseline_rev" >/dev/null; fi
  git -C "$base_src" checkout -q --detach "$baseline_rev"
  (cd "$base_src" && cargo build -q --release -p xtask)
  base_flags=()
  # Generators of that time ran rustfmt unless told not to; the timed output is prettyplease's.
  if "$base_src/target/release/xtask" generate --help 2>&1 | grep -q -- --no-rustfmt; then
    base_flags+=(--no-rustfmt)
  fi
fi

for s in "${specs[@]}"; do
  name=${s%%=*}; spec=${s#*=}
  for layout in "${layouts[@]}"; do
    out=$work/$name-$layout
    rm -rf "$out"
    if [ "$layout" = base ]; then
      "$base_src/target/release/xtask" generate --spec "$spec" --out "$out" "${base_flags[@]}" --quiet >/dev/null
      cp "$base_src/Cargo.lock" "$out/Cargo.lock"
    else
      "$xtask" generate --spec "$spec" --out "$out" --split-models "$layout" --quiet >/dev/null
      cp Cargo.lock "$out/Cargo.lock"
    fi
  done
  models=$(sed -n 's/^name = "\(.*-models\)"$/\1/p' "$work/$name-${layouts[0]}"/*-models/Cargo.toml)
  for layout in "${layouts[@]}"; do
    out=$work/$name-$layout
    # Dependencies once, untimed: the runtime and serde are not what is measured.
    (cd "$out" && CARGO_TARGET_DIR=$work/target-$name-$layout cargo check -q -p apigen-runtime \
      && CARGO_TARGET_DIR=$work/target-$name-$layout cargo build -q -p apigen-runtime)
  done
  for round in $(seq 1 "$rounds"); do
    for cmd in "${cmds[@]}"; do
      for layout in "${layouts[@]}"; do
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
names = {"base": "baseline revision, one crate", "off": "one crate", "auto": "split"}
data = {}
for name, cmd, layout, rnd, wall, cpu, rss in rows:
    data.setdefault((name, cmd), {}).setdefault(layout, []).append(
        (secs(wall), float(cpu), int(rss) / 1024 / 1024))
med = lambda runs, i: statistics.median(r[i] for r in runs)
print("| spec | command | layout | wall / CPU / peak RSS (medians) | split's speed-up, wall (median of rounds; rounds) | split's peak RSS ÷ this |")
print("|---|---|---|---|---|---|")
for (name, cmd), by_layout in sorted(data.items()):
    auto = by_layout.get("auto", [])
    for layout in ("base", "off", "auto"):
        runs = by_layout.get(layout)
        if not runs:
            continue
        ratios = "– | –"
        if layout != "auto" and auto:
            # Ratios per round (alternating runs), then their median.
            speedups = [o[0] / a[0] for o, a in zip(runs, auto)]
            rss = statistics.median(a[2] / o[2] for o, a in zip(runs, auto))
            ratios = (f"{statistics.median(speedups):.2f}× ({', '.join(f'{r:.2f}×' for r in speedups)})"
                      f" | {rss:.2f}×")
        print(f"| {name} | cargo {cmd} | {names[layout]} | {med(runs,0):.0f} s / {med(runs,1):.0f} s"
              f" / {med(runs,2):.2f} GB | {ratios} |")
EOF
