//! Exactly the segment function's init path plus its first answer:
//! `Tokenizer::load` on a built layer, then one precise-mode cut.
//! Usage: ours <layer dir (the one holding toolbox/)>
fn main() {
    let layer = cold_start_probe::arg_path(1, "layer dir");
    let tokenizer = match toolbox_layer::Tokenizer::load(&layer) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(1)
        }
    };
    let text = cold_start_probe::sample_text();
    let tokens = tokenizer.cut(&text, toolbox_layer::Mode::Default, true);
    cold_start_probe::report("ours", tokens.len());
}
