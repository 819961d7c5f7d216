//! Tests of the generated SDK crates; nothing here is published.
//!
//! The README's examples are compiled here as doctests, so the README
//! cannot drift from the generated API:
#![doc = include_str!("../../../README.md")]

/// The README section on escape hatches and test doubles
/// (`README-consumer-section.md`), compiled here until it is merged into
/// the README; remove this module then.
#[doc = include_str!("../../../README-consumer-section.md")]
pub mod consumer_section {}
