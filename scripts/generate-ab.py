#!/usr/bin/env python3
"""Two generator binaries on one spec, in alternating whole-process runs.

    scripts/generate-ab.py SPEC RUNS NEW OLD

NEW and OLD are `xtask` binaries (for OLD, a release build of another
revision: `git worktree add /tmp/old REV && (cd /tmp/old && CARGO_TARGET_DIR=
/tmp/old-target cargo build --release -p xtask)`; keep the worktree while it
runs, since the binary finds the runtime crate through its source tree).
Each run is `generate --quiet --spec SPEC --out DIR` into a tmpfs directory
that is removed before the run, outside the timing. After one warm-up run of
each, the two alternate RUNS times; the machine's speed drifts, so the ratio
reported is the median of the per-pair ratios. BENCHMARKS.md, section 1,
quotes its output.
"""

import resource
import shutil
import statistics
import subprocess
import sys
import time


def run(exe, spec, out):
    shutil.rmtree(out, ignore_errors=True)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.monotonic()
    subprocess.run(
        [exe, "generate", "--quiet", "--spec", spec, "--out", out],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    wall = time.monotonic() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__)
    spec, runs, new, old = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
    outs = {new: "/dev/shm/generate-ab-new", old: "/dev/shm/generate-ab-old"}
    for exe in (new, old):
        run(exe, spec, outs[exe])
    pairs = [(run(new, spec, outs[new]), run(old, spec, outs[old])) for _ in range(runs)]
    for label, side in (("new", 0), ("old", 1)):
        walls = [pair[side][0] for pair in pairs]
        cpus = [pair[side][1] for pair in pairs]
        print(
            f"{label}: wall median {statistics.median(walls):.3f} s "
            f"(min {min(walls):.3f}, max {max(walls):.3f}), CPU median {statistics.median(cpus):.3f} s"
        )
    for what, i in (("wall", 0), ("CPU", 1)):
        ratio = statistics.median(a[i] / b[i] for a, b in pairs)
        print(f"new/old {what}: median of {runs} per-pair ratios {ratio:.3f}")
    for out in outs.values():
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    main()
