//! jieba-rs 0.11 `Jieba::with_dict` on the plain dictionary, then one cut.
//! Usage: jieba-with-dict <dict.txt>
fn main() {
    let path = cold_start_probe::arg_path(1, "dict.txt");
    let file = match std::fs::File::open(&path) {
        Ok(f) => f,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1)
        }
    };
    let jieba = match jieba_rs::Jieba::with_dict(&mut std::io::BufReader::new(file)) {
        Ok(j) => j,
        Err(e) => {
            eprintln!("{}: {e}", path.display());
            std::process::exit(1)
        }
    };
    let text = cold_start_probe::sample_text();
    cold_start_probe::report("jieba-rs with_dict", jieba.cut(&text, true).len());
}
