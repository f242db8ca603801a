//! Integration tests: tomtom.
