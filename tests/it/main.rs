//! Integration tests: parity with tangermeme on the fixtures (data in `tests/data/`), the CLI,
//! bad input. One binary, one module per area.

mod annotate;
mod attribute;
mod bad_input;
mod cli;
mod common;
mod io;
mod models;
mod pipeline;
mod run;
mod seqlets;
mod shard;
mod shuffle;
mod tomtom;
