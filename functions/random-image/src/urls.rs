//! Where the image list comes from: `IMAGE_URLS_FILE`, `IMAGE_URLS`, or the seed's five.

use std::path::Path;

/// The seed handler's list.
pub const SEED_URLS: [&str; 5] = [
    "https://s2.loli.net/2024/10/24/rQT7SwhpzM8BWiX.jpg",
    "https://s2.loli.net/2024/10/24/qnzo8eZuXs73gAd.jpg",
    "https://s2.loli.net/2024/10/24/TIPSGQNxv4tC6Bq.jpg",
    "https://s2.loli.net/2024/10/24/VgqiAGTW2rULuek.jpg",
    "https://s2.loli.net/2024/09/12/7Ev1936CLn2toRq.jpg",
];

/// URLs separated by whitespace or commas (a comma inside a URL must be written `%2C`).
pub const URLS_ENV: &str = "IMAGE_URLS";
/// A file with one URL per line; blank lines and `#` comments are skipped.
pub const URLS_FILE_ENV: &str = "IMAGE_URLS_FILE";

/// A non-empty list of http(s) URLs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImageUrls(Vec<String>);

impl ImageUrls {
    /// Reads the list once, at init; a bad list is an init error, not a 500 per request.
    pub fn from_env() -> Result<ImageUrls, String> {
        ImageUrls::from_settings(std::env::var(URLS_FILE_ENV).ok(), std::env::var(URLS_ENV).ok())
    }

    /// The list given the two settings' values; an empty value counts as unset
    /// (the template passes `""` when the user configures nothing).
    pub fn from_settings(file: Option<String>, list: Option<String>) -> Result<ImageUrls, String> {
        let set = |value: Option<String>| value.filter(|v| !v.trim().is_empty());
        match (set(file), set(list)) {
            (Some(_), Some(_)) => Err(format!("set {URLS_FILE_ENV} or {URLS_ENV}, not both")),
            (Some(path), None) => ImageUrls::from_file(Path::new(&path)),
            (None, Some(list)) => ImageUrls::parse(URLS_ENV, list.split(|c: char| c == ',' || c.is_whitespace())),
            (None, None) => Ok(ImageUrls(SEED_URLS.iter().map(|u| u.to_string()).collect())),
        }
    }

    pub fn from_file(path: &Path) -> Result<ImageUrls, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("{URLS_FILE_ENV}={}: {e}", path.display()))?;
        let lines = text.lines().map(|line| line.split('#').next().unwrap_or(""));
        ImageUrls::parse(&format!("{URLS_FILE_ENV}={}", path.display()), lines)
    }

    fn parse<'a>(source: &str, items: impl Iterator<Item = &'a str>) -> Result<ImageUrls, String> {
        let mut urls = Vec::new();
        for item in items.map(str::trim).filter(|item| !item.is_empty()) {
            let valid = (item.starts_with("https://") || item.starts_with("http://"))
                && item.len() > "https://".len()
                && !item.chars().any(|c| c.is_whitespace() || c.is_control() || c == '"');
            if !valid {
                return Err(format!("{source}: '{item}' is not an http(s) URL"));
            }
            urls.push(item.to_string());
        }
        if urls.is_empty() {
            return Err(format!("{source}: no image URLs"));
        }
        Ok(ImageUrls(urls))
    }

    pub fn as_slice(&self) -> &[String] {
        &self.0
    }
}
