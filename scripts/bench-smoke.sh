#!/usr/bin/env bash
# The benchmark smoke run CI does, so that the benchmarks cannot rot: every benchmark once on small
# inputs in a debug build (`cargo test --bench '*'`), the generator once per spec, generated lines
# per operation, and the summary. No peer tools, no measurements. Under 3 minutes on 2 cores
# after `cargo test --workspace`. The full run is scripts/bench.sh; see BENCHMARKS.md.
set -euo pipefail
exec "$(dirname "${BASH_SOURCE[0]}")/bench.sh" --smoke "$@"
