//! Exactly the segment function's init path plus its first answer:
//! `Tokenizer::load_dictionary` on a built layer (`$PROBE_DICTIONARY`'s),
//! then one precise-mode cut.
//! Usage: ours <layer dir (the one holding toolbox/)>
fn main() {
    let layer = cold_start_probe::arg_path(1, "layer dir");
    let tokenizer = cold_start_probe::load(&layer);
    let text = cold_start_probe::sample_text();
    let tokens = tokenizer.cut(&text, toolbox_layer::Mode::Default, true);
    cold_start_probe::report("ours", tokens.len());
}
