//! Integration tests: annotate.
