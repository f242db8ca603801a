//! Tomtom.
