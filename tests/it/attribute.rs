//! Integration tests: attribute.
