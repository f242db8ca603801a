//! The `motiflift` binary: parses the command line and runs [`motiflift::cli`].

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    motiflift::allocator::retain_freed_memory();
    if let Err(e) = motiflift::io::atomic::remove_temporaries_on_signal() {
        eprintln!("warning: {e}; an interrupted run may leave temporary files");
    }
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
