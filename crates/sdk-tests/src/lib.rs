//! Tests of the generated SDK crates; nothing here is published.
//!
//! The README's examples are compiled here as doctests, so the README
//! cannot drift from the generated API:
#![doc = include_str!("../../../README.md")]
