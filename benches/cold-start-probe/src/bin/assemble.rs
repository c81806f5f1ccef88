//! Writes the layer tree exactly as `scripts/build-layer` does
//! (`toolbox_layer::assemble_dictionary`), for `$PROBE_DICTIONARY`.
//! Usage: assemble <dict dir> <out dir>
fn main() {
    let dict = cold_start_probe::arg_path(1, "dict dir");
    let out = cold_start_probe::arg_path(2, "out dir");
    match toolbox_layer::assemble_dictionary(&dict, cold_start_probe::dictionary(), &out) {
        Ok(manifest) => println!("{}", manifest.version),
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    }
}
