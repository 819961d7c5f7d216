#!/usr/bin/env bash
# Benchmarks of issue #8; BENCHMARKS.md explains every figure.
#
#   scripts/bench.sh                 the full run (about 50 minutes on 2 cores, plus one-off
#                                    installs: hyperfine, time, openapi-generator-cli, cargo-progenitor,
#                                    Prism)
#   scripts/bench.sh --smoke         each benchmark once on small inputs, no peer tools, in debug
#                                    (what CI runs, as scripts/bench-smoke.sh; not a measurement)
#   scripts/bench.sh --only LIST     a subset of: generator,request,decode,pagination,prism,lines,
#                                    compile,compile-full (comma-separated)
#
# Sections:
#   generator     wall time (hyperfine, medians) and peak RSS (/usr/bin/time -v) of `xtask generate`
#                 against openapi-generator (rust) and progenitor on the same specs, same run
#   request       generated async/blocking clients against hand-written reqwest (criterion)
#   decode        a 10,000-user list through the generated models against hand-written structs
#   pagination    peak RSS while auto-paginating 100,000 users (1,000 pages of 100), and the walk's
#                 speed against a hand-written page loop (7 alternating rounds)
#   prism         per-call latency through a Prism mock against curl on the same mock
#   compile       build/check time of the generated crates (touch lib.rs), lines per operation
#   compile-full  the same for the full Cloudflare spec (minutes)
#
# Every ratio is against a baseline measured in the same run. Results go to target/bench-results/
# (raw JSON and text, and summary.md, printed at the end).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
export CARGO_TERM_COLOR=never

smoke=0
only=""
only_given=""
while [ $# -gt 0 ]; do
  case "$1" in
    --smoke) smoke=1 ;;
    --only) only="${2:?--only needs a list}"; only_given=1; shift ;;
    -h|--help) sed -n '2,24p' "$0"; exit 0 ;;
    *) echo "unknown argument: $1" >&2; exit 2 ;;
  esac
  shift
done
if [ -z "$only" ]; then
  if [ "$smoke" = 1 ]; then
    only="generator,request,decode,pagination,prism,compile"
  else
    only="generator,request,decode,pagination,prism,compile,compile-full"
  fi
fi
want() { case ",$only," in *",$1,"*) return 0 ;; *) return 1 ;; esac; }

out="$root/target/bench-results"
work="$root/target/bench-work"
# A run of everything starts afresh; --only replaces only its sections' results.
if [ -z "$only_given" ]; then rm -rf "$out"; fi
mkdir -p "$out" "$work"
echo "$([ "$smoke" = 1 ] && echo smoke || echo full)" > "$out/mode"

step() { echo; echo "==> $*"; }
have() { command -v "$1" >/dev/null 2>&1; }

# Specs: the repository's two, the upstream 5-operation slice and the full upstream spec.
# The upstream files live in xtask/tests/data when present, else in ../shared/reference.
upstream() {
  local name=$1
  for dir in "$root/xtask/tests/data" "$root/../shared/reference"; do
    if [ -f "$dir/$name" ]; then echo "$dir/$name"; return 0; fi
  done
  return 1
}
specs=("cf-users=spec/cloudflare-access-users.yaml" "keycard=spec/keycard-zone-users.yaml")
if slice=$(upstream cloudflare-access-users-2024.json); then specs+=("cf-slice=$slice"); fi
if full=$(upstream cloudflare-openapi-2024.json); then
  [ "$smoke" = 1 ] || specs+=("cf-full=$full")
else
  full=""
fi

# --------------------------------------------------------------------------------------------
step "machine"
{
  echo "nproc: $(nproc)"
  echo "cpu: $(lscpu 2>/dev/null | sed -n 's/^Model name: *//p' | head -1)"
  echo "memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo)"
  echo "rustc: $(rustc --version)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)"
  echo "date: $(date -u +%Y-%m-%dT%H:%MZ)"
  echo "load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/machine.txt"

# --------------------------------------------------------------------------------------------
apt_ready=0
apt_install() {
  # Installs Debian packages (root only); `apt-get update` once first.
  if [ "$(id -u)" != 0 ] || ! have apt-get; then return 1; fi
  if [ "$apt_ready" = 0 ]; then apt-get update -qq >/dev/null; apt_ready=1; fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

if [ "$smoke" = 0 ]; then
  step "tools"
  have hyperfine || apt_install hyperfine || { echo "hyperfine is needed (apt-get install hyperfine)" >&2; exit 1; }
  [ -x /usr/bin/time ] || apt_install time || { echo "/usr/bin/time is needed (apt-get install time)" >&2; exit 1; }
  hyperfine --version
  if want generator; then
    # openapi-generator: the PyPI package ships the jar; it needs Java (17 here).
    if have java; then
      if [ ! -x target/bench-venv/bin/python ]; then python3 -m venv target/bench-venv; fi
      target/bench-venv/bin/pip install -q --disable-pip-version-check "openapi-generator-cli==7.26.0"
      oag_jar=$(target/bench-venv/bin/python -c 'import openapi_generator_cli, os; print(os.path.join(os.path.dirname(openapi_generator_cli.__file__), "openapi-generator.jar"))')
      echo "openapi-generator $(java -jar "$oag_jar" version 2>/dev/null) ($(java -version 2>&1 | head -1))"
    else
      oag_jar=""
      echo "openapi-generator: skipped, no java"
    fi
    progenitor=target/bench-tools/bin/cargo-progenitor
    if [ ! -x "$progenitor" ]; then
      echo "installing cargo-progenitor 0.15.1 into target/bench-tools (a few minutes)"
      cargo install -q cargo-progenitor --version 0.15.1 --locked --root target/bench-tools
    fi
    echo "cargo-progenitor $("$progenitor" --version 2>/dev/null || echo 0.15.1)"
  fi
  if want prism && [ ! -x tools/prism/node_modules/.bin/prism ]; then
    npm ci --prefix tools/prism --no-audit --no-fund --loglevel=error
  fi
fi

# --------------------------------------------------------------------------------------------
# The generator
if want generator; then
  if [ "$smoke" = 1 ]; then
    step "generator (smoke: debug xtask, one run each)"
    cargo build -q -p xtask
    xtask="$root/target/debug/xtask"
  else
    step "generator: building xtask (release)"
    cargo build -q --release -p xtask
    xtask="$root/target/release/xtask"
  fi
  # tool command lines; `{spec}` and `{out}` are substituted.
  tools=("ours=$xtask generate --spec {spec} --out {out} --quiet")
  if [ "$smoke" = 0 ]; then
    [ -n "$oag_jar" ] && tools+=("openapi-generator=java -jar $oag_jar generate -g rust --skip-validate-spec -i {spec} -o {out}")
    tools+=("progenitor=$progenitor progenitor -i {spec} -o {out} -n bench_sdk -v 0.1.0")
  fi
  : > "$out/generator.tsv"
  # Peak RSS through GNU time (Debian package `time`); without it (smoke run only) RSS shows as 0.
  if [ -x /usr/bin/time ]; then timev=(/usr/bin/time -v -o "$work/time.txt"); else timev=(); fi
  # Every tool writes into a tmpfs (/dev/shm when there is one), so that the disk does not decide
  # the result: on this VM's ext4, creating 10,000 files right after deleting 10,000 others takes
  # 3-4x longer (system time), whichever tool does it. Between runs the output directory is moved
  # aside rather than deleted, and the moved-aside copies are deleted after each tool's runs.
  if [ -d /dev/shm ] && [ -w /dev/shm ]; then gen_root=/dev/shm/apigen-bench-gen; else gen_root="$work/gen"; fi
  rm -rf "$gen_root"; mkdir -p "$gen_root"
  trash="$gen_root/.trash"
  mkdir -p "$trash"
  for s in "${specs[@]}"; do
    name=${s%%=*}; spec=${s#*=}
    for t in "${tools[@]}"; do
      tool=${t%%=*}; template=${t#*=}
      dir="$gen_root/$name-$tool"
      cmd=${template//\{spec\}/$spec}; cmd=${cmd//\{out\}/$dir}
      rm -rf "$dir"
      # One checked run first: does the tool handle this spec at all? It also gives peak RSS.
      rss_runs=()
      : > "$work/time.txt"
      if ! "${timev[@]}" $cmd > "$work/gen.log" 2>&1; then
        if grep -q panicked "$work/gen.log"; then
          # The panic message is on the line after "panicked at FILE:LINE:COL:".
          reason="panic: $(grep -m1 -A1 panicked "$work/gen.log" | tail -1 | cut -c1-100) ($(grep -m1 -o '[a-z_]*\.rs:[0-9]*' "$work/gen.log" | head -1))"
        else
          reason=$(grep -m1 -E "Exception|error" "$work/gen.log" | cut -c1-120 | tr '\t' ' ')
        fi
        echo "  $name $tool: FAILS: $reason"
        printf '%s\t%s\tfails\t%s\n' "$name" "$tool" "$reason" >> "$out/generator.tsv"
        continue
      fi
      rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt"); rss_runs+=("${rss:-0}")
      if [ "$smoke" = 1 ]; then
        start=$(date +%s%N); rm -rf "$dir"; $cmd > /dev/null 2>&1; end=$(date +%s%N)
        printf '%s\t%s\tok\t%s\t%s\t%s\n' "$name" "$tool" "$(( (end - start) / 1000 ))e-6" "1" "${rss_runs[0]}" >> "$out/generator.tsv"
        echo "  $name $tool: $(( (end - start) / 1000000 )) ms, peak RSS ${rss_runs[0]} kB"
        continue
      fi
      for _ in 1 2; do
        mv "$dir" "$trash/$(date +%s%N)"
        "${timev[@]}" $cmd > /dev/null 2>&1
        rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$work/time.txt"); rss_runs+=("${rss:-0}")
      done
      rss=$(printf '%s\n' "${rss_runs[@]}" | sort -n | sed -n 2p)
      # Slow tools get fewer runs.
      case "$tool:$name" in
        ours*:cf-full) runs=5 warm=1 ;;
        openapi-generator:cf-full) runs=3 warm=1 ;;
        openapi-generator:*) runs=8 warm=2 ;;
        *) runs=15 warm=3 ;;
      esac
      json="$out/gen-$name-$tool.json"
      hyperfine -N --style basic --warmup "$warm" --runs "$runs" \
        --prepare "sh -c 'if [ -d $dir ]; then mv $dir $trash/\$(date +%s%N); fi'" \
        --export-json "$json" -n "$name $tool" "$cmd" \
        | grep -E "Time|Range" | sed 's/^/  /'
      median=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json")
      printf '%s\t%s\tok\t%s\t%s\t%s\n' "$name" "$tool" "$median" "$runs" "$rss" >> "$out/generator.tsv"
      rm -rf "$trash"; mkdir -p "$trash"; sync
    done
  done
fi

if want generator; then
  # Keep the small specs' outputs (the line counts and the compile section use them), free the tmpfs.
  rm -rf "$work/gen"; mkdir -p "$work/gen"
  for d in "$gen_root"/*; do
    case "$d" in *cf-full*) ;; *) cp -r "$d" "$work/gen/" ;; esac
  done
  rm -rf "$gen_root"
fi

# --------------------------------------------------------------------------------------------
# Criterion benchmarks (request overhead, decode), the pagination RSS and the Prism latency.
if [ "$smoke" = 1 ]; then
  if want request || want decode || want pagination || want prism; then
    step "benchmarks, each run once (cargo test --bench '*', debug)"
    cargo test --workspace --bench '*' 2>&1 | tee "$out/bench-smoke.log" | grep -E "^(Testing|RESULT|prism:|pagination:|test result)|Running benches|error|panicked" || true
    if ! grep -q "^RESULT pagination" "$out/bench-smoke.log" || grep -qE "panicked|^error" "$out/bench-smoke.log"; then
      echo "benchmark smoke run failed" >&2; tail -30 "$out/bench-smoke.log" >&2; exit 1
    fi
    grep "^RESULT pagination" "$out/bench-smoke.log" > "$out/pagination.txt"
  fi
else
  benches=()
  want request && benches+=(--bench request)
  want decode && benches+=(--bench decode)
  if [ ${#benches[@]} -gt 0 ]; then
    step "criterion: ${benches[*]} (cargo bench, release)"
    rm -rf target/criterion
    cargo bench -q -p benches "${benches[@]}" 2>&1 | tee "$out/criterion.log" \
      | grep -E "^[a-z_0-9]+/[a-z_0-9]+ *$|time: |thrpt: |^(request|decode)" || true
    if grep -qE "^error(\[|:)|panicked" "$out/criterion.log"; then
      echo "criterion benchmarks failed" >&2; tail -30 "$out/criterion.log" >&2; exit 1
    fi
    rm -rf "$out/criterion"; mkdir -p "$out/criterion"
    for f in target/criterion/*/*/new/estimates.json; do
      [ -f "$f" ] || continue
      group=$(basename "$(dirname "$(dirname "$(dirname "$f")")")")
      fn=$(basename "$(dirname "$(dirname "$f")")")
      cp "$f" "$out/criterion/$group.$fn.json"
    done
  fi
  if want pagination; then
    step "pagination (cargo bench --bench pagination)"
    cargo bench -q -p benches --bench pagination 2>&1 | tee "$out/pagination.log" | grep -E "^(RESULT|pagination)" || true
    if grep -qE "^error(\[|:)|panicked" "$out/pagination.log"; then
      echo "pagination benchmark failed" >&2; tail -30 "$out/pagination.log" >&2; exit 1
    fi
    grep "^RESULT pagination" "$out/pagination.log" > "$out/pagination.txt"
  fi
  if want prism; then
    step "prism: per-call latency through the mock, against curl"
    cargo bench -q -p benches --bench prism --no-run
    port=4611
    tools/prism/node_modules/.bin/prism mock -h 127.0.0.1 -p "$port" spec/cloudflare-access-users.yaml \
      > "$work/prism.log" 2>&1 &
    prism_pid=$!
    trap 'kill "$prism_pid" 2>/dev/null || true' EXIT
    base="http://127.0.0.1:$port"
    url="$base/accounts/023e105f4ecef8ad9ca31a8372d0c353/access/users"
    for _ in $(seq 1 60); do
      curl -s -o /dev/null -H "Authorization: Bearer bench-token" "$url" && break
      sleep 0.5
    done
    calls=300 warmup=30
    curl_round() {
      local args=()
      for _ in $(seq 1 $((calls + warmup))); do args+=(-o /dev/null "$url"); done
      curl -s -H "Authorization: Bearer bench-token" -w '%{time_total}\n' "${args[@]}" \
        | tail -n "$calls" > "$work/curl-times.txt"
      python3 - "$work/curl-times.txt" "$1" <<'EOF' | tee -a "$out/prism.txt"
import statistics, sys
times = sorted(float(x) * 1e6 for x in open(sys.argv[1]) if x.strip())
p90 = times[round((len(times) - 1) * 0.9)]
print(f"RESULT prism mode=curl calls={len(times)} median_us={statistics.median(times):.1f} p90_us={p90:.1f} round={sys.argv[2]}")
EOF
    }
    clients_round() {
      APIGEN_BENCH_PRISM_URL="$base" APIGEN_BENCH_PRISM_CALLS=$calls \
        cargo bench -q -p benches --bench prism 2>&1 | grep "^RESULT" | sed "s/\$/ round=$1/" | tee -a "$out/prism.txt"
    }
    # Warm Prism up (Node's JIT), then 4 rounds, alternating which side goes first.
    curl_round 0 > /dev/null
    : > "$out/prism.txt"
    for round in 1 2 3 4; do
      if [ $((round % 2)) = 1 ]; then clients_round $round; curl_round $round
      else curl_round $round; clients_round $round; fi
    done
    kill "$prism_pid" 2>/dev/null || true
    wait "$prism_pid" 2>/dev/null || true
    trap - EXIT
  fi
fi

# --------------------------------------------------------------------------------------------
# Compile cost and generated size.
count_lines() {
  # count_lines API DIR: operations (one `const INFO` each in the models crate), lines per crate.
  local api=$1 dir=$2
  local ops
  ops=$(grep -rh "const INFO: ::apigen_runtime::OperationInfo" "$dir/$api-models/src" | wc -l)
  for kind in models client blocking; do
    local lines
    lines=$(find "$dir/$api-$kind/src" -name '*.rs' -print0 | xargs -0 cat | wc -l)
    printf '%s\t%s\t%s\t%s\n' "$api" "$kind" "$ops" "$lines"
  done
}
if want compile || want lines; then
  step "generated lines per operation"
  : > "$out/lines.tsv"
  for api in cloudflare-access-users keycard-zone-users; do
    count_lines "$api" crates | tee -a "$out/lines.tsv"
  done
  if [ "$smoke" = 0 ] && [ -d "$work/gen/cf-slice-ours" ]; then
    # The upstream 5-operation slice, ours and the peers' output for it.
    api=$(basename "$(ls -d "$work/gen/cf-slice-ours"/*-models)" -models)
    count_lines "$api" "$work/gen/cf-slice-ours" | sed 's/^/slice:/' | tee -a "$out/lines.tsv"
    ops=$(grep -rh "const INFO: ::apigen_runtime::OperationInfo" "$work/gen/cf-slice-ours/$api-models/src" | wc -l)
    for peer in progenitor openapi-generator; do
      d="$work/gen/cf-slice-$peer"
      [ -d "$d/src" ] || continue
      printf 'slice:%s\tall\t%s\t%s\n' "$peer" "$ops" \
        "$(find "$d/src" -name '*.rs' -print0 | xargs -0 cat | wc -l)" | tee -a "$out/lines.tsv"
    done
  fi

  if [ "$smoke" = 0 ] && ! want compile-full && [ -d "$work/full-crates" ]; then
    api=$(basename "$(ls -d "$work/full-crates"/*-models)" -models)
    count_lines "$api" "$work/full-crates" | sed 's/^/full:/' | tee -a "$out/lines.tsv"
  fi
fi

# Compile timings touch src/lib.rs and rebuild with CARGO_INCREMENTAL=0: with incremental
# compilation rustc sees the touched file unchanged and reuses its cached results, which would
# time cargo's fixed costs instead of compiling the crate. Each `-p <crate>` is built once first,
# untimed: features unify per selection, so `-p` can need its own build of the dependencies.
if want compile; then
  if [ "$smoke" = 0 ]; then
    export CARGO_INCREMENTAL=0
    step "compile cost: touch src/lib.rs, cargo build / cargo check -p <crate> (dependencies prebuilt)"
    : > "$out/compile.tsv"
    for api in cloudflare-access-users keycard-zone-users; do
      for kind in models client blocking; do
        crate="$api-$kind"
        for cmd in build check; do
          json="$out/compile-$crate-$cmd.json"
          cargo "$cmd" -q -p "$crate"   # dependencies, once
          hyperfine -N --style basic --warmup 1 --runs 5 \
            --prepare "touch crates/$crate/src/lib.rs" --export-json "$json" \
            -n "$crate $cmd" "cargo $cmd -q -p $crate" | grep -E "Time" | sed "s/^/  $crate $cmd /"
          median=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json")
          printf '%s\t%s\t%s\t%s\n' "$api" "$kind" "$cmd" "$median" >> "$out/compile.tsv"
        done
      done
    done
  fi
  if [ "$smoke" = 0 ] && [ -d "$work/gen/cf-slice-ours" ] && [ -d "$work/gen/cf-slice-progenitor" ]; then
    step "compile cost on the upstream slice: ours (models + client) against progenitor's crate"
    slice_dir="$work/gen/cf-slice-ours"
    peer_dir="$work/peer-progenitor"
    rm -rf "$peer_dir"
    cp -r "$work/gen/cf-slice-progenitor" "$peer_dir"
    printf '\n[workspace]\n' >> "$peer_dir/Cargo.toml"   # stand-alone, not part of this workspace
    cp Cargo.lock "$slice_dir/Cargo.lock"
    cp Cargo.lock "$peer_dir/Cargo.lock"                  # same versions where shared
    api=$(basename "$(ls -d "$slice_dir"/*-models)" -models)
    export CARGO_TARGET_DIR="$work/slice-target"
    for cmd in build check; do
      (cd "$slice_dir" && cargo "$cmd" -q -p "$api-client")   # dependencies, once
      (cd "$peer_dir" && cargo "$cmd" -q)
      json="$out/compile-slice-ours-$cmd.json"
      (cd "$slice_dir" && hyperfine -N --style basic --warmup 1 --runs 5 \
        --prepare "touch $api-models/src/lib.rs" --export-json "$json" \
        -n "slice ours $cmd" "cargo $cmd -q -p $api-client" | grep -E "Time" | sed "s/^/  ours $cmd /")
      median=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json")
      printf 'slice:ours\tmodels+client\t%s\t%s\n' "$cmd" "$median" >> "$out/compile.tsv"
      json="$out/compile-slice-progenitor-$cmd.json"
      (cd "$peer_dir" && hyperfine -N --style basic --warmup 1 --runs 5 \
        --prepare "touch src/lib.rs" --export-json "$json" \
        -n "slice progenitor $cmd" "cargo $cmd -q" | grep -E "Time" | sed "s/^/  progenitor $cmd /")
      median=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["results"][0]["median"])' "$json")
      printf 'slice:progenitor\tall\t%s\t%s\n' "$cmd" "$median" >> "$out/compile.tsv"
    done
    unset CARGO_TARGET_DIR
  fi
  unset CARGO_INCREMENTAL
fi

if want compile-full && [ "$smoke" = 0 ] && [ -n "$full" ]; then
  step "compile cost of the full Cloudflare spec (one run each; minutes)"
  dir="$work/full-crates"
  # Not deleted: the generator rewrites only what changed, so an unchanged output keeps its build.
  cargo build -q --release -p xtask
  "$root/target/release/xtask" generate --spec "$full" --out "$dir" --quiet
  cp Cargo.lock "$dir/Cargo.lock"   # the workspace's dependency versions
  api=$(basename "$(ls -d "$dir"/*-models)" -models)
  touch "$out/lines.tsv" "$out/compile.tsv"
  sed -i '/^full:/d' "$out/lines.tsv" "$out/compile.tsv"
  count_lines "$api" "$dir" | sed 's/^/full:/' | tee -a "$out/lines.tsv"
  export CARGO_TARGET_DIR="$work/full-target" CARGO_INCREMENTAL=0
  timed() { # timed LABEL CMD...: wall seconds of one run, from inside $dir
    (cd "$dir" && /usr/bin/time -f "%e" -o "$work/t.txt" "${@:2}")
    echo "  $1: $(cat "$work/t.txt") s"
  }
  for cmd in build check; do
    timed "first $cmd (dependencies and the three crates)" cargo "$cmd" -q --workspace
    for kind in models client; do
      (cd "$dir" && cargo "$cmd" -q -p "$api-$kind")   # this selection's dependencies, once
      touch "$dir/$api-$kind/src/lib.rs"
      timed "$kind $cmd after touch" cargo "$cmd" -q -p "$api-$kind"
      printf 'full:%s\t%s\t%s\t%s\n' "$api" "$kind" "$cmd" "$(cat "$work/t.txt")" >> "$out/compile.tsv"
    done
  done
  unset CARGO_TARGET_DIR CARGO_INCREMENTAL
fi

# --------------------------------------------------------------------------------------------
step "summary"
echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg)" >> "$out/machine.txt"
python3 - "$out" "$root/scripts" <<'PYEOF' | tee "$out/summary.md"
import glob, json, os, re, statistics, sys

sys.path.insert(0, sys.argv[2])
from criterion_rounds import round_medians

out = sys.argv[1]
smoke = open(os.path.join(out, "mode")).read().strip() == "smoke"


def read(name):
    path = os.path.join(out, name)
    return open(path).read() if os.path.exists(path) else ""


def tsv(name):
    return [line.split("\t") for line in read(name).splitlines() if line.strip()]


def results(name, kind):
    rows = []
    for line in read(name).splitlines():
        if line.startswith(f"RESULT {kind} "):
            rows.append(dict(kv.split("=", 1) for kv in line.split()[2:]))
    return rows


def ms(seconds):
    seconds = float(seconds)
    return f"{seconds * 1000:.1f} ms" if seconds < 10 else f"{seconds:.1f} s"


def us(ns):
    return f"{ns / 1000:.1f} µs" if ns < 1e7 else f"{ns / 1e6:.2f} ms"


def verdict(ok):
    return "**met**" if ok else "**not met**"


print("# Benchmark results" + (" (SMOKE RUN: each benchmark once, debug build; not measurements)" if smoke else ""))
print()
print("```")
print(read("machine.txt").strip())
print("```")

# ---------------------------------------------------------------- generator
gen = {}
for row in tsv("generator.tsv"):
    name, tool, status = row[:3]
    gen[(name, tool)] = row
if gen:
    specs = list(dict.fromkeys(name for name, _ in gen))
    tools = ["ours", "openapi-generator", "progenitor"]
    print()
    print("## 1. Generator: wall time (median) and peak RSS")
    print()
    print("| spec | ours | openapi-generator | progenitor | openapi-generator ÷ ours | progenitor ÷ ours |")
    print("|---|---|---|---|---|---|")
    goals = []
    for spec in specs:
        cells = []
        for tool in tools:
            row = gen.get((spec, tool))
            if row is None:
                cells.append("–")
            elif row[2] == "fails":
                cells.append(f"fails: {row[3]}" if len(row) > 3 else "fails")
            else:
                cells.append(f"{ms(row[3])}, {int(row[5]) / 1024:.0f} MB")
        ours = gen.get((spec, "ours"))
        ratios = []
        for peer, goal in (("openapi-generator", 40), ("progenitor", 2)):
            row = gen.get((spec, peer))
            if ours and ours[2] == "ok" and row and row[2] == "ok":
                ratio = float(row[3]) / float(ours[3])
                ratios.append(f"{ratio:.1f}×")
                goals.append((spec, peer, goal, ratio))
            else:
                ratios.append("–")
        print(f"| {spec} | " + " | ".join(cells + ratios) + " |")
    if goals and not smoke:
        print()
        for spec, peer, goal, ratio in goals:
            print(f"- {spec}: ≥ {goal}× faster than {peer}: {ratio:.1f}× → {verdict(ratio >= goal)}")

# ---------------------------------------------------------------- criterion
def criterion(group):
    """Per-round (baseline, apigen) medians in ns, from the copied estimates."""
    return round_medians(lambda side, r: os.path.join(out, "criterion", f"{group}.{side}_r{r}.json"))


def criterion_table(title, groups, goal, note):
    measured = {g: criterion(g) for g, _, _ in groups}
    if not smoke and not any(measured.values()):
        return
    print()
    print(f"## {title}")
    print()
    if smoke:
        print("Not measured in a smoke run (each benchmark ran once).")
        return
    goal_col = f"goal ≥ {goal}" if goal else "goal"
    print(f"| benchmark | baseline median | apigen median | ratio = baseline ÷ apigen (median of rounds) | per-round ratios | {goal_col} |")
    print("|---|---|---|---|---|---|")
    for group, label, divisor in groups:
        rounds = measured[group]
        if not rounds:
            print(f"| {label} | not measured | | | | |")
            continue
        base = statistics.median(b for b, _ in rounds) / divisor
        ours = statistics.median(a for _, a in rounds) / divisor
        ratios = [b / a for b, a in rounds]
        ratio = statistics.median(ratios)
        spread = ", ".join(f"{x:.2f}" for x in ratios)
        met = verdict(ratio >= goal) if goal else "(diagnostic)"
        print(f"| {label} | {us(base)} | {us(ours)} | **{ratio:.2f}** | {spread} | {met} |")
    print()
    print(note)


criterion_table(
    "2. Request overhead (local keep-alive server, same decode into the generated types)",
    [
        ("request_async_seq", "async, sequential (per call)", 1),
        ("request_async_8_in_flight", "async, 8 in flight (per call; 256-call batches)", 256),
        ("request_async_64_in_flight", "async, 64 in flight (per call; 256-call batches)", 256),
        ("request_blocking_seq", "blocking client vs reqwest::blocking, sequential (per call)", 1),
        ("request_blocking_driven_seq", "blocking client vs the hand-written async call on a current-thread runtime in the caller's thread, sequential (per call)", 1),
    ],
    0.97,
    "Baseline: hand-written reqwest (the URL formatted from the two ids, `get().bearer_auth().send()`, "
    "status check, `bytes()`, `serde_json::from_slice` into an envelope of the generated `User`). "
    "Ratio > 1: ours is faster.",
)
criterion_table(
    "3. Decode: a 10,000-user list response",
    [
        ("decode_models", "generated models vs hand-written structs (from_slice, in memory)", 1),
        ("decode_runtime", "generated client `list` vs reqwest + hand-written structs (local server)", 1),
    ],
    0.95,
    "The first row is the generated models alone; the second is what a user of the client gets "
    "(the runtime's envelope decoder, with JSON-path error tracking, plus the loopback transfer).",
)
criterion_table(
    "3b. Decode diagnostic: JSON-path error tracking",
    [("decode_path_tracking", "generated models: plain from_slice (baseline) vs through serde_path_to_error (as the runtime decodes)", 1)],
    None,
    "What the runtime's `serde_path_to_error` tracking (the JSON path in decode errors) costs on its own.",
)
criterion_table(
    "3c. Decode: unknown fields kept (`x-apigen.unknown-fields: keep`)",
    [("decode_unknown_fields", "generated models (ignore) vs the same with a flattened map of unknown fields (keep), known fields only", 1)],
    1 / 1.1,
    "Goal: keeping unknown fields at most 10% slower (ratio ≥ 0.91) on the 10,000-user body.",
)
criterion_table(
    "3d. Decode diagnostic: unknown fields present",
    [("decode_unknown_fields_present", "the same, each user carrying two fields the spec does not name (dropped vs kept)", 1)],
    None,
    "What keeping costs when the server really sends unknown fields (they are buffered and stored).",
)

# ---------------------------------------------------------------- pagination
pag = results("pagination.txt", "pagination")
if pag:
    print()
    print("## 4. Auto-pagination: peak RSS")
    print()
    print("| mode | users | one page (body) | RSS before | peak RSS | growth (largest of the rounds) | goal: growth ≤ page + 10 MiB | wall time (median) | speed ÷ hand loop: median of rounds (rounds) | goal ≥ 0.9× |")
    print("|---|---|---|---|---|---|---|---|---|---|")
    hand = {r.get("round", "1"): float(r["secs"]) for r in pag if r["mode"] == "hand_page_loop"}
    for mode in dict.fromkeys(r["mode"] for r in pag):
        runs = [r for r in pag if r["mode"] == mode]
        worst = max(runs, key=lambda r: int(r["growth_kb"]))
        growth = int(worst["growth_kb"])
        limit = int(worst["page_bytes"]) / 1024 + 10 * 1024
        reference = mode in ("collect_all", "hand_page_loop")
        goal = "(reference)" if reference else verdict(growth <= limit)
        speed_goal = ""
        ratios = [hand[r.get("round", "1")] / float(r["secs"])
                  for r in runs if r.get("round", "1") in hand and float(r["secs"]) > 0]
        speed = "–"
        if ratios and mode != "hand_page_loop":
            speed = f"{statistics.median(ratios):.2f}× ({', '.join(f'{x:.2f}' for x in ratios)})"
            if not reference:
                speed_goal = verdict(statistics.median(ratios) >= 0.9)
        if smoke and not reference:
            goal, speed_goal = "(smoke)", "(smoke)"
        secs = statistics.median(float(r["secs"]) for r in runs)
        print(f"| {mode} | {int(worst['items']):,} | {int(worst['page_bytes']) / 1024:.0f} KiB | {int(worst['rss_before_kb']) / 1024:.1f} MiB | "
              f"{int(worst['peak_kb']) / 1024:.1f} MiB | {growth / 1024:.2f} MiB | {goal} | {secs:.2f} s | {speed} | {speed_goal} |")

# ---------------------------------------------------------------- prism
prism = results("prism.txt", "prism")
if prism:
    print()
    print("## 2b. Per-call latency through a Prism mock (sequential, keep-alive)")
    print()
    modes = list(dict.fromkeys(r["mode"] for r in prism))
    by = {(r["mode"], r["round"]): r for r in prism}
    rounds = sorted({r["round"] for r in prism}, key=int)
    print("| client | median per call (median of rounds) | p90 | ÷ curl (median of per-round ratios) | per-round ratios | goal ≤ 1.1× curl |")
    print("|---|---|---|---|---|---|")
    for m in modes:
        meds = [float(by[(m, r)]["median_us"]) for r in rounds if (m, r) in by]
        p90s = [float(by[(m, r)]["p90_us"]) for r in rounds if (m, r) in by]
        ratios = [float(by[(m, r)]["median_us"]) / float(by[("curl", r)]["median_us"])
                  for r in rounds if (m, r) in by and ("curl", r) in by]
        ratio = statistics.median(ratios) if ratios else None
        goal = verdict(ratio <= 1.1) if ratio and m.startswith("apigen") else ""
        print(f"| {m} | {statistics.median(meds):.0f} µs | {statistics.median(p90s):.0f} µs | "
              f"{f'{ratio:.2f}×' if ratio else '–'} | {', '.join(f'{x:.2f}' for x in ratios)} | {goal} |")

# ---------------------------------------------------------------- compile
lines = tsv("lines.tsv")
if lines:
    print()
    print("## 5. Generated size")
    print()
    print("| API | crate | operations | lines | lines per operation |")
    print("|---|---|---|---|---|")
    for api, kind, ops, n in lines:
        ops, n = int(ops), int(n)
        print(f"| {api} | {kind} | {ops} | {n:,} | {n / ops:.0f} |" if ops else f"| {api} | {kind} | 0 | {n:,} | – |")
    by_api = {}
    for api, kind, ops, n in lines:
        by_api.setdefault(api, [int(ops), 0])[1] += int(n)
    print()
    for api, (ops, n) in by_api.items():
        if ops:
            print(f"- {api}: {n:,} lines for {ops} operations, {n / ops:.0f} lines per operation (all crates listed)")
compile_rows = tsv("compile.tsv")
if compile_rows:
    print()
    print("## 5b. Compile time of the generated crates (touch src/lib.rs, dependencies prebuilt; medians)")
    print()
    print("| API | crate | cargo build (debug) | cargo check |")
    print("|---|---|---|---|")
    table = {}
    for api, kind, cmd, median in compile_rows:
        table.setdefault((api, kind), {})[cmd] = float(median)
    for (api, kind), v in table.items():
        print(f"| {api} | {kind} | {ms(v.get('build', float('nan')))} | {ms(v.get('check', float('nan')))} |")
    ours, peer = table.get(("slice:ours", "models+client")), table.get(("slice:progenitor", "all"))
    if ours and peer:
        print()
        for cmd in ("build", "check"):
            if cmd in ours and cmd in peer:
                print(f"- upstream slice, cargo {cmd}: progenitor's crate ÷ ours (models + async client, both rebuilt) = "
                      f"{peer[cmd] / ours[cmd]:.2f}× (> 1: ours compiles faster)")
    if any(api.startswith("full:") for api, _ in table):
        print()
        print("Full-spec rows are single runs (each takes minutes).")
PYEOF
