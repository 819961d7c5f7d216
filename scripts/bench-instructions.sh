#!/usr/bin/env bash
# Instruction counts (callgrind) of the generated clients and models against their hand-written
# baselines: the deterministic companion of the criterion benchmarks, whose time ratios swing with
# the load of a shared 2-core machine. Same binary, same input: the same count, whatever else runs.
#
#   scripts/bench-instructions.sh            both sections (about 3 minutes after the build)
#   scripts/bench-instructions.sh request    per-call cost of one GET through each client (with cache
#                                            simulation: estimated cycles, L1 data misses), and of
#                                            the async calls with 8 and 64 in flight (also the
#                                            client thread's estimated cycles alone)
#   scripts/bench-instructions.sh decode     the 10,000-user decode, unknown fields ignored / kept
#   scripts/bench-instructions.sh pagination a walk of pages of 100 users through pages()/items()
#                                            of both clients against a hand-written page loop
#   scripts/bench-instructions.sh client-decode  one 10,000-user list page through each client
#                                            against reqwest + serde_json::from_slice
#
# Per-call figures are (count with N calls - count with 0 calls) / N; decode figures subtract a run
# that only builds the body; per-page figures are (count with 30 pages - count with 10) / 20. The ratio is baseline ÷ ours, as in BENCHMARKS.md (1.0: same cost;
# 0.9: ours costs 11% more). "Estimated cycles" weigh cache misses as kcachegrind does
# (Ir + 10 × L1 misses + 100 × last-level misses, from --cache-sim=yes).
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$root"
sections=${*:-request decode pagination client-decode}
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }

cargo build -q --release -p benches --example request_instructions --example decode_instructions \
  --example pagination_instructions
bin=target/release/examples

# count SIM ARGS...: instructions, estimated cycles and L1 data misses of one run of ARGS. SIM is
# "ir" (instructions only), "cycles" (with cache simulation) or "client" (the same, counting the
# main thread only: the client's, which bounds the pace with calls in flight while the server
# thread waits part of the time).
count() {
  local sim=$1; shift
  local file
  file=$(mktemp)
  case $sim in
    cycles) valgrind --tool=callgrind --cache-sim=yes --callgrind-out-file="$file" "$@" >/dev/null 2>&1 ;;
    client) valgrind --tool=callgrind --cache-sim=yes --separate-threads=yes \
              --callgrind-out-file="$file" "$@" >/dev/null 2>&1 ;;
    *) valgrind --tool=callgrind --callgrind-out-file="$file" "$@" >/dev/null 2>&1 ;;
  esac
  # With --separate-threads, thread 1's counts are in FILE-01.
  [ "$sim" = client ] && mv "$file-01" "$file" && rm -f "$file"-[0-9]*
  python3 - "$file" <<'PY'
import sys
events = totals = None
for line in open(sys.argv[1]):
    if line.startswith("events:"):
        events = line.split()[1:]
    elif line.startswith(("totals:", "summary:")) and totals is None:
        totals = [int(x) for x in line.split()[1:]]
t = dict(zip(events, totals))
cycles = t["Ir"]
if "D1mr" in t:
    cycles += 10 * (t["I1mr"] + t["D1mr"] + t["D1mw"]) + 100 * (t["ILmr"] + t["DLmr"] + t["DLmw"])
print(t["Ir"], cycles, t.get("D1mr", 0) + t.get("D1mw", 0))
PY
  rm -f "$file"
}

ratio() { python3 -c "import sys; b, o = map(float, sys.argv[1:]); print(f'{b / o:.3f}')" "$1" "$2"; }

if [[ " $sections " == *" request "* ]]; then
  calls=2000
  echo "## Per call: one GET of a user (instructions, $calls calls after 20 warm-up calls)"
  echo
  echo "| way | instructions per call | estimated cycles per call | L1 data misses per call |"
  echo "|---|---:|---:|---:|"
  declare -A per_call cycles_per_call misses_per_call
  # measure KEY ARGS...: per-call instructions, estimated cycles and L1 data misses of one way.
  measure() {
    local key=$1; shift
    read -r i0 c0 m0 < <(count cycles "$@" 0)
    read -r i1 c1 m1 < <(count cycles "$@" "$calls")
    per_call[$key]=$(( (i1 - i0) / calls ))
    cycles_per_call[$key]=$(( (c1 - c0) / calls ))
    misses_per_call[$key]=$(( (m1 - m0) / calls ))
  }
  for way in reqwest reqwest-url apigen blocking; do
    measure "$way" "$bin/request_instructions" "$way"
    echo "| $way | ${per_call[$way]} | ${cycles_per_call[$way]} | ${misses_per_call[$way]} |"
  done
  echo
  echo "- async client: ratio $(ratio "${per_call[reqwest]}" "${per_call[apigen]}") in instructions, $(ratio "${cycles_per_call[reqwest]}" "${cycles_per_call[apigen]}") in estimated cycles (hand-written reqwest ÷ ours)"
  echo "- against \`reqwest-url\` (the hand-written call with its URL formatted once, before the calls: the baseline until 2026-12-06): $(ratio "${per_call[reqwest-url]}" "${per_call[apigen]}") in instructions, $(ratio "${cycles_per_call[reqwest-url]}" "${cycles_per_call[apigen]}") in estimated cycles"
  echo "- blocking client: ratio $(ratio "${per_call[reqwest]}" "${per_call[blocking]}") in instructions, $(ratio "${cycles_per_call[reqwest]}" "${cycles_per_call[blocking]}") in estimated cycles (the same hand-written call on a current-thread runtime ÷ ours)"
  echo
  echo "## Per call with N in flight (async, buffer_unordered; $calls calls after a warm-up)"
  echo
  echo "| in flight | way | instructions | estimated cycles | L1 data misses | estimated cycles, client thread | ratio in instructions (reqwest ÷ apigen) | ratio in estimated cycles | ratio in estimated cycles, client thread |"
  echo "|---:|---|---:|---:|---:|---:|---:|---:|---:|"
  declare -A client_cycles
  for n in 8 64; do
    for way in reqwest reqwest-url apigen; do
      measure "$way-$n" "$bin/request_instructions" "$way-$n"
      # Twice the calls: how the two threads interleave varies from run to run, and shows more in
      # one thread's counts than in the sum.
      read -r _ k0 _ < <(count client "$bin/request_instructions" "$way-$n" 0)
      read -r _ k1 _ < <(count client "$bin/request_instructions" "$way-$n" $((2 * calls)))
      client_cycles[$way-$n]=$(( (k1 - k0) / (2 * calls) ))
    done
    # Each baseline's row holds its ratios to ours (baseline ÷ apigen).
    for way in reqwest reqwest-url apigen; do
      base=$way
      [ "$way" = apigen ] && base=reqwest
      echo "| $n | $way | ${per_call[$way-$n]} | ${cycles_per_call[$way-$n]} | ${misses_per_call[$way-$n]} | ${client_cycles[$way-$n]} | $(ratio "${per_call[$base-$n]}" "${per_call[apigen-$n]}") | $(ratio "${cycles_per_call[$base-$n]}" "${cycles_per_call[apigen-$n]}") | $(ratio "${client_cycles[$base-$n]}" "${client_cycles[apigen-$n]}") |"
    done
  done
  echo
  echo "\`reqwest\` formats its URL from the two ids on every call, as a hand-written \`get_user(account_id,"
  echo "user_id)\` must; \`reqwest-url\` formats it once before the calls (the baseline until 2026-12-06). The"
  echo "apigen row repeats the ratios to \`reqwest\`."
  echo
  echo "With calls in flight the client thread is the busy one (the server thread waits part of the"
  echo "time): the pace follows its cost, which the whole-process ratio dilutes with the server's share."
  echo
fi

if [[ " $sections " == *" decode "* ]]; then
  echo "## Decode: 10,000 users × 5, unknown fields ignored (baseline) or kept"
  echo
  echo "| body | mode | instructions | estimated cycles |"
  echo "|---|---|---:|---:|"
  for body in known unknown; do
    read -r ir0 cy0 < <(count cycles "$bin/decode_instructions" none "$body")
    declare -A ir cy
    for mode in ignore keep; do
      read -r i c < <(count cycles "$bin/decode_instructions" "$mode" "$body")
      ir[$mode]=$(( i - ir0 )); cy[$mode]=$(( c - cy0 ))
      echo "| $body fields | $mode | ${ir[$mode]} | ${cy[$mode]} |"
    done
    echo "| $body fields | ratio ignore ÷ keep | $(ratio "${ir[ignore]}" "${ir[keep]}") | $(ratio "${cy[ignore]}" "${cy[keep]}") |"
  done
fi

if [[ " $sections " == *" pagination "* ]]; then
  few=10
  many=30
  echo "## Pagination: instructions per page of 100 users (walks of $many and $few pages, after one warm-up page)"
  echo
  echo "| way | instructions per page | ratio (hand ÷ way) |"
  echo "|---|---:|---:|"
  declare -A per_page
  for way in hand async-pages async-items blocking-pages blocking-items; do
    read -r low _ < <(count ir "$bin/pagination_instructions" "$way" "$few")
    read -r high _ < <(count ir "$bin/pagination_instructions" "$way" "$many")
    per_page[$way]=$(( (high - low) / (many - few) ))
    echo "| $way | ${per_page[$way]} | $(ratio "${per_page[hand]}" "${per_page[$way]}") |"
  done
  echo
fi

if [[ " $sections " == *" client-decode "* ]]; then
  echo "## Decode through the client: one list page of 10,000 users (walks of 2 and 1 pages)"
  echo
  echo "| way | instructions per page | ratio (hand ÷ way) |"
  echo "|---|---:|---:|"
  declare -A per_big
  for way in hand async-pages blocking-pages; do
    read -r low _ < <(count ir "$bin/pagination_instructions" "$way" 1 10000)
    read -r high _ < <(count ir "$bin/pagination_instructions" "$way" 2 10000)
    per_big[$way]=$(( high - low ))
    echo "| $way | ${per_big[$way]} | $(ratio "${per_big[hand]}" "${per_big[$way]}") |"
  done
  echo
fi
