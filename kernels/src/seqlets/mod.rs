//! Seqlet callers.
