#!/usr/bin/env bash
# One criterion group of benches/request.rs, run many times, its per-round ratios pooled.
#
#   scripts/bench-pool.sh GROUP RUNS [GOAL]
#   scripts/bench-pool.sh request_async_8_in_flight 40 0.97
#
# Each run is one `--bench GROUP` invocation of the request benchmark: APIGEN_BENCH_ROUNDS
# (default 5) alternating rounds of the hand-written baseline and the generated client, in a
# fresh CRITERION_HOME. A round's ratio is baseline ÷ ours of criterion's median times, as in
# scripts/bench.sh. The pooled median of every round's ratio is printed with its quartiles, the
# share of rounds at or above GOAL, and a 95% bootstrap interval of the median (4,000 resamples,
# fixed seed), so that a figure near a goal can be told from noise. On a shared 2-core machine
# one round's ratio swings by ±10% or more; 40 runs (200 rounds) take about 20 minutes.
#
# Groups: request_async_seq, request_async_8_in_flight, request_async_64_in_flight,
# request_blocking_seq, request_blocking_driven_seq.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
group="${1:?usage: scripts/bench-pool.sh GROUP RUNS [GOAL]}"
runs="${2:?usage: scripts/bench-pool.sh GROUP RUNS [GOAL]}"
goal="${3:-0.97}"

bin=$(cargo bench -q -p benches --bench request --no-run --message-format=json 2>/dev/null \
  | python3 -c 'import json,sys
for line in sys.stdin:
    m = json.loads(line)
    if m.get("reason") == "compiler-artifact" and m["target"]["name"] == "request" and m.get("executable"):
        print(m["executable"])')
[ -x "$bin" ] || { echo "cannot build the request benchmark" >&2; exit 1; }

out="$root/target/bench-pool/$group"
rm -rf "$out"; mkdir -p "$out"
for run in $(seq 1 "$runs"); do
  home="$out/run-$run"
  CRITERION_HOME="$home" "$bin" --bench "$group" >"$home.log" 2>&1 \
    || { echo "run $run failed:" >&2; tail -20 "$home.log" >&2; exit 1; }
  python3 - "$home/$group" "$run" "$root/scripts" <<'PY' | tee -a "$out/rounds.txt"
import sys
group_dir, run = sys.argv[1], sys.argv[2]
sys.path.insert(0, sys.argv[3])
from criterion_rounds import round_medians
rounds = round_medians(lambda side, r: f"{group_dir}/{side}_r{r}/new/estimates.json")
if not rounds:
    sys.exit(f"run {run}: no rounds in {group_dir}")
print(f"run {run}: " + " ".join(f"{b / a:.3f}" for b, a in rounds))
PY
done

python3 - "$out/rounds.txt" "$goal" "$group" <<'PY' | tee "$out/summary.txt"
import random, statistics, sys
path, goal, group = sys.argv[1], float(sys.argv[2]), sys.argv[3]
ratios = [float(x) for line in open(path) for x in line.split(":", 1)[1].split()]
n = len(ratios)
q1, median, q3 = statistics.quantiles(ratios, n=4)
rng = random.Random(15)
boot = sorted(statistics.median(rng.choices(ratios, k=n)) for _ in range(4000))
low, high = boot[int(0.025 * len(boot))], boot[int(0.975 * len(boot)) - 1]
above = sum(r >= goal for r in ratios) / n
print(f"{group}: {n} rounds, pooled median {median:.3f} (quartiles {q1:.3f}–{q3:.3f}), "
      f"95% interval of the median {low:.3f}–{high:.3f}, {above:.0%} of rounds ≥ {goal}")
PY
