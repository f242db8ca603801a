//! Integration tests: shuffle.
