//! `toolbox-pack`: the packaging commands behind scripts/build,
//! scripts/build-layer and scripts/check-glibc.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use toolbox_layer::Dictionary;
use toolbox_pack::arch::Architecture;
use toolbox_pack::glibc::GlibcVersion;
use toolbox_pack::{
    build_layer, build_user_layer, check_function_zip, check_glibc_file, package_function, zip, AL2023_GLIBC,
};

const USAGE: &str = "\
usage:
  toolbox-pack check-glibc [--max 2.34] [--list] FILE...
      fail (naming the symbols) if an ELF file needs a glibc newer than --max;
      --list also prints every needed library and symbol version
  toolbox-pack check-arch --arch x86_64|arm64 FILE...
      fail unless each FILE is an ELF executable for that Lambda
      architecture, or a zip holding exactly one such bootstrap (0755)
  toolbox-pack function --binary FILE --out DIR [--max-glibc 2.34] [--arch x86_64|arm64]
      check FILE (glibc, architecture: default this machine's), install it
      as DIR/bootstrap (0755), write DIR/bootstrap.zip and check it
  toolbox-pack layer [--dict DIR] [--dictionary default|big] [--out DIR]
      write OUT/opt/ from DICT (defaults dict, target/layer; target/layer-big
      for big), zip it into OUT/toolbox-jieba.zip (toolbox-jieba-big.zip);
      the last stdout line is the zip's path
  toolbox-pack user-layer [--layer DIR] [--dictionary default|big] [--out DIR] FILE...
      compile jieba user dictionaries (load_userdict format), in order, over
      that dictionary's layer in LAYER (default target/layer/opt, or
      target/layer-big/opt for big) into OUT/opt/ (default target/user-layer,
      or target/user-layer-big) and OUT/toolbox-userdict.zip
      (toolbox-userdict-big.zip); the last stdout line is the zip's path
  toolbox-pack zip --out FILE DIR
      reproducible zip of every file under DIR (paths relative to DIR)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some((command, rest)) = args.split_first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let result = match command.as_str() {
        "check-glibc" => check_glibc(rest),
        "check-arch" => check_arch(rest),
        "function" => function(rest),
        "layer" => layer(rest),
        "user-layer" => user_layer(rest),
        "zip" => zip_dir(rest),
        "-h" | "--help" | "help" => {
            println!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        other => Err(Failure::Usage(format!("unknown command {other:?}"))),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(Failure::Usage(message)) => {
            eprintln!("toolbox-pack: {message}\n{USAGE}");
            ExitCode::from(2)
        }
        Err(Failure::Failed(message)) => {
            eprintln!("toolbox-pack: {message}");
            ExitCode::FAILURE
        }
    }
}

enum Failure {
    Usage(String),
    Failed(String),
}

impl From<String> for Failure {
    fn from(message: String) -> Self {
        Failure::Failed(message)
    }
}

/// `--name value` options (each allowed once) and positional arguments.
struct Args {
    options: Vec<(String, String)>,
    positional: Vec<String>,
}

impl Args {
    fn parse(args: &[String], known: &[&str]) -> Result<Self, Failure> {
        let mut parsed = Args { options: Vec::new(), positional: Vec::new() };
        let mut iter = args.iter();
        while let Some(arg) = iter.next() {
            if arg == "--" {
                parsed.positional.extend(iter.by_ref().cloned());
            } else if let Some(name) = arg.strip_prefix("--") {
                let (name, value) = match name.split_once('=') {
                    Some((n, v)) => (n.to_string(), v.to_string()),
                    None => {
                        let value = iter.next().ok_or_else(|| Failure::Usage(format!("--{name} needs a value")))?;
                        (name.to_string(), value.clone())
                    }
                };
                if !known.contains(&name.as_str()) {
                    return Err(Failure::Usage(format!("unknown option --{name}")));
                }
                if parsed.options.iter().any(|(n, _)| *n == name) {
                    return Err(Failure::Usage(format!("--{name} given twice")));
                }
                parsed.options.push((name, value));
            } else {
                parsed.positional.push(arg.clone());
            }
        }
        Ok(parsed)
    }

    fn get(&self, name: &str) -> Option<&str> {
        self.options.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }

    fn require(&self, name: &str) -> Result<&str, Failure> {
        self.get(name).ok_or_else(|| Failure::Usage(format!("--{name} is required")))
    }

    /// `--dictionary`: `default` (also when absent) or `big`.
    fn dictionary(&self) -> Result<Dictionary, Failure> {
        let name = self.get("dictionary").unwrap_or("default");
        Dictionary::parse(name)
            .ok_or_else(|| Failure::Usage(format!("--dictionary must be default or big, not {name:?}")))
    }

    /// `--arch`, default the architecture this program was built for.
    fn arch(&self) -> Result<Architecture, Failure> {
        let native = Architecture::native().map_or("x86_64", Architecture::name);
        Architecture::parse(self.get("arch").unwrap_or(native)).map_err(|e| Failure::Usage(format!("--arch: {e}")))
    }

    fn glibc(&self, name: &str) -> Result<GlibcVersion, Failure> {
        GlibcVersion::parse(self.get(name).unwrap_or(AL2023_GLIBC))
            .map_err(|e| Failure::Usage(format!("--{name}: {e}")))
    }
}

fn check_glibc(args: &[String]) -> Result<(), Failure> {
    let list = args.iter().any(|a| a == "--list");
    let args: Vec<String> = args.iter().filter(|a| *a != "--list").cloned().collect();
    let args = Args::parse(&args, &["max"])?;
    let max = args.glibc("max")?;
    if args.positional.is_empty() {
        return Err(Failure::Usage("check-glibc needs at least one FILE".into()));
    }
    let mut failures = Vec::new();
    for file in &args.positional {
        if list {
            list_dependencies(file);
        }
        match check_glibc_file(Path::new(file), &max) {
            Ok(Some(newest)) => println!("{file}: ok, needs glibc {newest} (allowed: {max})"),
            Ok(None) => println!("{file}: ok, needs no versioned glibc symbol"),
            Err(message) => failures.push(message),
        }
    }
    all_passed(failures)
}

/// Every failure of a check over several files, one a line (none: success).
fn all_passed(failures: Vec<String>) -> Result<(), Failure> {
    if failures.is_empty() {
        Ok(())
    } else {
        Err(Failure::Failed(failures.join("\n")))
    }
}

/// `--list`: every needed library and symbol version, as the loader sees them.
fn list_dependencies(file: &str) {
    let Ok(bytes) = std::fs::read(file) else { return };
    let Ok(deps) = toolbox_pack::glibc::dependencies(&bytes) else { return };
    println!("{file}: needs {}", deps.libraries.join(" "));
    for needed in &deps.versions {
        println!("  {} {} ({} symbols)", needed.library, needed.version, needed.symbols.len());
    }
}

fn check_arch(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["arch"])?;
    args.require("arch")?;
    let arch = args.arch()?;
    if args.positional.is_empty() {
        return Err(Failure::Usage("check-arch needs at least one FILE".into()));
    }
    let mut failures = Vec::new();
    for file in &args.positional {
        match check_function_zip(Path::new(file), arch) {
            Ok(()) => println!("{file}: ok, {arch}"),
            Err(message) => failures.push(message),
        }
    }
    all_passed(failures)
}

fn function(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["binary", "out", "max-glibc", "arch"])?;
    if !args.positional.is_empty() {
        return Err(Failure::Usage(format!("unexpected argument {:?}", args.positional[0])));
    }
    let max = args.glibc("max-glibc")?;
    let arch = args.arch()?;
    let built = package_function(Path::new(args.require("binary")?), Path::new(args.require("out")?), &max, arch)?;
    let glibc = built.glibc.map_or("none".to_string(), |v| v.to_string());
    let bytes = built.zip_bytes;
    eprintln!("  {} ({arch}, {bytes} bytes zipped, needs glibc {glibc} <= {max})", built.zip.display());
    println!("{}", built.zip.display());
    Ok(())
}

fn layer(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["dict", "dictionary", "out"])?;
    if !args.positional.is_empty() {
        return Err(Failure::Usage(format!("unexpected argument {:?}", args.positional[0])));
    }
    let dictionary = args.dictionary()?;
    let dict = PathBuf::from(args.get("dict").unwrap_or("dict"));
    let out = PathBuf::from(args.get("out").unwrap_or(layer_out(dictionary)));
    let built = build_layer(&dict, dictionary, &out)?;
    println!("layer version {}", built.version);
    println!("layer tree {}", built.tree.display());
    println!("layer zip {} bytes", built.zip_bytes);
    println!("{}", built.zip.display());
    Ok(())
}

fn user_layer(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["layer", "dictionary", "out"])?;
    if args.positional.is_empty() {
        return Err(Failure::Usage("user-layer needs at least one user dictionary FILE".into()));
    }
    let dictionary = args.dictionary()?;
    let files: Vec<PathBuf> = args.positional.iter().map(PathBuf::from).collect();
    let main = match args.get("layer") {
        Some(dir) => PathBuf::from(dir),
        None => Path::new(layer_out(dictionary)).join("opt"),
    };
    let default_out = match dictionary {
        Dictionary::Default => "target/user-layer",
        Dictionary::Big => "target/user-layer-big",
    };
    let out = PathBuf::from(args.get("out").unwrap_or(default_out));
    let built = build_user_layer(&main, dictionary, &files, &out)?;
    for warning in &built.warnings {
        eprintln!("warning: {warning}");
    }
    println!("user layer version {} ({} words)", built.layer.version, built.words);
    println!("user layer tree {}", built.layer.tree.display());
    println!("user layer zip {} bytes", built.layer.zip_bytes);
    println!("{}", built.layer.zip.display());
    Ok(())
}

/// Where a dictionary's layer is built by default.
fn layer_out(dictionary: Dictionary) -> &'static str {
    match dictionary {
        Dictionary::Default => "target/layer",
        Dictionary::Big => "target/layer-big",
    }
}

fn zip_dir(args: &[String]) -> Result<(), Failure> {
    let args = Args::parse(args, &["out"])?;
    let [dir] = args.positional.as_slice() else {
        return Err(Failure::Usage("zip needs exactly one DIR".into()));
    };
    let out = Path::new(args.require("out")?);
    let bytes = zip::write_zip(zip::dir_entries(Path::new(dir))?)?;
    zip::write_atomically(out, &bytes)?;
    println!("{}", out.display());
    Ok(())
}
