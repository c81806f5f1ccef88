//! openapi.yaml (the repository's, the one source of the API's contract) →
//! `$OUT_DIR/openapi.json`, with toolbox-local's YAML reader (the same file,
//! so the function and the emulator read YAML alike).

#[allow(dead_code)]
#[path = "../../local/src/template/yaml.rs"]
mod yaml;

fn main() {
    let source = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi.yaml");
    println!("cargo:rerun-if-changed={}", source.display());
    let text = std::fs::read_to_string(&source).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let document = yaml::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", source.display()));
    let out = std::path::Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("openapi.json");
    std::fs::write(&out, document.to_string()).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
}
