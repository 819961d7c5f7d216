#!/usr/bin/env python3
"""How many steps of rustc's recursion limit one nested type costs.

For each way a generated type can hold the next one (a plain field, `Option`,
`Vec`, `Box`, `BTreeMap`, an enum variant), builds a chain of structs
`T0 -> T1 -> ... -> T{n-1}` in one crate and, in another, requires
`Send + Sync + Unpin + UnwindSafe + RefUnwindSafe` of `T0` (what rustdoc
works out for every type, and what `tokio::spawn` asks of a future holding
one) under rustc's default recursion limit of 128. Prints the longest chain
that compiles and 128 divided by it: the steps per type. These figures set the
weights of `steps_out` in `xtask/src/codegen/emit/shards.rs`.

Run: python3 scripts/auto-trait-steps.py  (needs rustc; about a minute)
"""
import os
import subprocess
import tempfile

SHAPES = {
    "T (enum variant)": ("enum", "{}"),
    "Option<T>": ("struct", "Option<{}>"),
    "Vec<T>": ("struct", "Vec<{}>"),
    "Option<Box<T>>": ("struct", "Option<Box<{}>>"),
    "BTreeMap<String, T>": ("struct", "std::collections::BTreeMap<String, {}>"),
    "Option<Vec<Option<T>>>": ("struct", "Option<Vec<Option<{}>>>"),
    "Option<BTreeMap<String, Vec<T>>>": ("struct", "Option<std::collections::BTreeMap<String, Vec<{}>>>"),
}
BOUNDS = "Send + Sync + Unpin + std::panic::UnwindSafe + std::panic::RefUnwindSafe"


def compiles(dir, kind, shape, n):
    lib = ['#![recursion_limit = "8192"]']
    for i in range(n):
        if i + 1 == n:
            lib.append(f"pub struct T{i} {{ pub v: String }}")
        elif kind == "enum":
            lib.append(f"pub enum T{i} {{ A({shape.format(f'T{i + 1}')}), B(String) }}")
        else:
            lib.append(f"pub struct T{i} {{ pub next: {shape.format(f'T{i + 1}')} }}")
    with open(os.path.join(dir, "a.rs"), "w") as f:
        f.write("\n".join(lib) + "\n")
    with open(os.path.join(dir, "b.rs"), "w") as f:
        f.write(f"fn check<T: {BOUNDS}>() {{}}\nfn main() {{ check::<a::T0>(); }}\n")
    rustc = ["rustc", "--edition", "2021", "--out-dir", dir]
    subprocess.run(rustc + ["--crate-type", "lib", os.path.join(dir, "a.rs")], check=True, capture_output=True)
    uses = ["--extern", f"a={os.path.join(dir, 'liba.rlib')}"]
    return subprocess.run(rustc + uses + [os.path.join(dir, "b.rs")], capture_output=True).returncode == 0


def main():
    with tempfile.TemporaryDirectory() as dir:
        for name, (kind, shape) in SHAPES.items():
            low, high = 1, 256
            while low < high:
                middle = (low + high + 1) // 2
                if compiles(dir, kind, shape, middle):
                    low = middle
                else:
                    high = middle - 1
            print(f"{name:36} longest chain {low:4}   steps per type {128 / low:5.2f}", flush=True)


if __name__ == "__main__":
    main()
