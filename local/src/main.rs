//! The `toolbox-local` command; everything is in the library.

fn main() -> std::process::ExitCode {
    toolbox_local::cli::main()
}
