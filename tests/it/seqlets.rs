//! Integration tests: seqlets.
