"""Per-round medians of the alternating criterion groups of crates/benches.

Each group of benches/request.rs (and benches/decode.rs) has one function per side and round:
`baseline_r1`, `apigen_r1`, `baseline_r2`, … Used by scripts/bench.sh and scripts/bench-pool.sh.
"""
import json
import os


def round_medians(path_of):
    """[(baseline, apigen)] criterion medians in ns, for rounds 1, 2, … while both sides'
    estimates exist; `path_of(side, round)` gives the path of a side's `estimates.json`."""
    rounds = []
    r = 1
    while True:
        paths = [path_of(side, r) for side in ("baseline", "apigen")]
        if not all(os.path.exists(p) for p in paths):
            return rounds
        rounds.append(tuple(json.load(open(p))["median"]["point_estimate"] for p in paths))
        r += 1
