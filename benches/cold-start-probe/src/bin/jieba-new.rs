//! jieba-rs 0.11 `Jieba::new()` (the dictionary compiled into the binary), then one cut.
fn main() {
    let jieba = jieba_rs::Jieba::new();
    let text = cold_start_probe::sample_text();
    cold_start_probe::report("jieba-rs new", jieba.cut(&text, true).len());
}
