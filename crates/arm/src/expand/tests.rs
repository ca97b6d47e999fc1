//! Unit tests of expansion, one per construct.
