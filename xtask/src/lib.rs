//! The code generator behind `cargo xtask generate`, as a library so that
//! its tests (and benchmarks) can call it directly.

pub mod codegen;
pub mod diff;
