//! The floor: read the plain dictionary file into memory, nothing else.
//! Usage: floor <dict.txt>
fn main() {
    let path = cold_start_probe::arg_path(1, "dict.txt");
    match std::fs::read(&path) {
        Ok(bytes) => println!("floor: {} bytes", bytes.len()),
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1)
        }
    }
}
