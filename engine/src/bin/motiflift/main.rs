//! The `motiflift` binary: parses the command line and runs [`motiflift::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    motiflift::allocator::retain_freed_memory();
    let cli = motiflift::cli::Cli::parse();
    match motiflift::cli::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let message = e.to_string().replace('\n', " ");
            eprintln!("error: {message}");
            ExitCode::FAILURE
        }
    }
}
