//! Packaging: the layer zip is reproducible and holds exactly the `opt/`
//! tree, each function zip holds an executable `bootstrap` for its
//! architecture (x86_64 and arm64, both built by scripts/test), and the glibc
//! check passes at provided.al2023's 2.34 but can fail, on both. Zips are
//! read back with Python's `zipfile`, ELF headers with binutils' `readelf`:
//! implementations independent of ours.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

use crate::{built, describe, foreign_arch, functions, lambda_dir, native_arch, repo_root, run, scratch_dir};

/// Extracts `zip` into `dest` with Python's zipfile (after `testzip()`, which
/// checks every CRC) and returns each entry's name, unix mode and timestamp.
fn python_unzip(zip: &Path, dest: &Path) -> Vec<Value> {
    const SCRIPT: &str = r#"
import json, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    bad = z.testzip()
    if bad is not None:
        sys.exit("bad CRC in " + bad)
    z.extractall(sys.argv[2])
    print(json.dumps([{"name": i.filename, "mode": i.external_attr >> 16, "date": list(i.date_time),
                       "size": i.file_size, "system": i.create_system} for i in z.infolist()]))
"#;
    let output = run(Command::new("python3").arg("-c").arg(SCRIPT).arg(zip).arg(dest));
    assert!(output.status.success(), "python3 zipfile could not read {}: {}", zip.display(), describe(&output));
    match serde_json::from_slice(&output.stdout).expect("zipfile listing is JSON") {
        Value::Array(entries) => entries,
        other => panic!("unexpected listing {other}"),
    }
}

/// Every regular file under `dir`, by `/`-separated relative path.
fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(dir: &Path, prefix: &str, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let name = format!("{prefix}{}", entry.file_name().to_str().unwrap());
            if entry.file_type().unwrap().is_dir() {
                walk(&entry.path(), &format!("{name}/"), out);
            } else {
                out.insert(name, std::fs::read(entry.path()).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, "", &mut out);
    out
}

fn pack_binary() -> PathBuf {
    built("release/toolbox-pack")
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o7777
}

#[test]
fn layer_zip_is_reproducible_and_holds_exactly_the_opt_tree() {
    let dir = scratch_dir("layer-repro");
    // Build once from dict/ with the script, once from a fresh copy (new
    // mtimes, another path) through the library: the bytes must not care.
    let first = dir.join("first");
    let output = run(Command::new(repo_root().join("scripts/build-layer")).arg("--out").arg(&first));
    assert!(output.status.success(), "scripts/build-layer failed: {}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let zip_a = first.join("toolbox-jieba.zip");
    assert_eq!(stdout.lines().last(), Some(zip_a.to_str().unwrap()), "last stdout line is the zip path: {stdout}");
    assert!(stdout.contains("layer version 0."), "prints the layer version: {stdout}");

    let dict_copy = dir.join("dict-copy");
    copy_tree(&repo_root().join("dict"), &dict_copy);
    let second = toolbox_pack::build_layer(&dict_copy, toolbox_layer::Dictionary::Default, &dir.join("second"))
        .expect("layer builds");
    let a = std::fs::read(&zip_a).unwrap();
    let b = std::fs::read(&second.zip).unwrap();
    assert!(a == b, "two builds of the same dictionary differ ({} vs {} bytes)", a.len(), b.len());

    // The zip's entries are exactly the opt/ tree, paths relative to opt/.
    let opt = first.join("opt");
    let on_disk = tree(&opt);
    assert!(
        on_disk.contains_key("toolbox/manifest.json") && on_disk.contains_key("toolbox/dict/dict.txt"),
        "{:?}",
        on_disk.keys()
    );
    let unpacked = dir.join("unpacked");
    let entries = python_unzip(&zip_a, &unpacked);
    let names: Vec<&str> = entries.iter().map(|e| e["name"].as_str().unwrap()).collect();
    let expected: Vec<&str> = on_disk.keys().map(String::as_str).collect();
    assert_eq!(names, expected, "entries, sorted, are the opt/ files");
    assert!(tree(&unpacked) == on_disk, "unzipped contents differ from {}", opt.display());
    for entry in &entries {
        assert_eq!(entry["mode"], 0o100_644, "{entry}");
        assert_eq!(entry["system"], 3, "made on unix: {entry}");
        assert_eq!(entry["date"], serde_json::json!([1980, 1, 1, 0, 0, 0]), "fixed timestamp: {entry}");
    }

    // What the layer crate reads back is what was assembled.
    let manifest = toolbox_layer::Manifest::read(&unpacked.join("toolbox/manifest.json")).unwrap();
    assert_eq!(manifest.name, toolbox_layer::LAYER_NAME);
    assert_eq!(manifest.version, second.version);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn layer_build_refuses_a_missing_dictionary_clearly() {
    let dir = scratch_dir("layer-missing");
    let output =
        run(Command::new(pack_binary()).args(["layer", "--dict"]).arg(dir.join("nope")).arg("--out").arg(&dir));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("cannot read") && stderr.contains("dict.txt"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!dir.join("toolbox-jieba.zip").exists());
}

#[test]
fn function_zips_hold_an_executable_bootstrap() {
    let dir = scratch_dir("function-zips");
    for (arch, function) in
        [native_arch(), foreign_arch()].into_iter().flat_map(|a| functions().into_iter().map(move |f| (a, f)))
    {
        let function = function.as_str();
        let bootstrap = built(&format!("{}/{function}/bootstrap", lambda_dir(arch)));
        let zip = built(&format!("{}/{function}/bootstrap.zip", lambda_dir(arch)));
        let binary = std::fs::read(&bootstrap).unwrap();
        assert_eq!(&binary[..4], b"\x7fELF", "{function}: bootstrap is an ELF executable");
        assert_eq!(mode(&bootstrap), 0o755, "{function}: bootstrap file mode");

        let unpacked = dir.join(format!("{function}-{arch}"));
        let entries = python_unzip(&zip, &unpacked);
        assert_eq!(entries.len(), 1, "{function}: {entries:?}");
        assert_eq!(entries[0]["name"], "bootstrap");
        assert_eq!(entries[0]["mode"], 0o100_755, "{function}: executable regular file");
        assert!(std::fs::read(unpacked.join("bootstrap")).unwrap() == binary, "{function}: zipped bytes differ");

        // Zipping the same binary again gives the same bytes.
        let again =
            toolbox_pack::zip::write_zip(vec![toolbox_pack::zip::Entry::new("bootstrap", 0o755, binary)]).unwrap();
        assert!(again == std::fs::read(&zip).unwrap(), "{function}: zip is not reproducible");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[test]
fn bootstraps_link_the_layer_reader_but_not_its_compiler() {
    // A message of the dict.txt compiler (toolbox-layer's `build` feature)
    // and one of the reader; both survive stripping as string literals.
    const COMPILER: &[u8] = b"is not `word frequency tag`";
    const READER: &[u8] = b"dictionary mapped at a misaligned address";
    let packer = std::fs::read(pack_binary()).unwrap();
    assert!(contains(&packer, COMPILER), "toolbox-pack links the compiler, so the probe string is the right one");
    let mut readers = 0;
    for function in functions() {
        let binary = std::fs::read(built(&format!("lambda/{function}/bootstrap"))).unwrap();
        assert!(!contains(&binary, COMPILER), "{function}: the bootstrap links the layer compiler (scripts/build)");
        let manifest =
            std::fs::read_to_string(repo_root().join("functions").join(&function).join("Cargo.toml")).unwrap();
        if manifest.lines().any(|l| l.starts_with("toolbox-layer")) {
            assert!(contains(&binary, READER), "{function}: uses the layer but its reader is not in the bootstrap");
            readers += 1;
        }
    }
    assert!(readers >= 2, "segment and keywords read the layer");

    // And by construction: resolved alone, as scripts/build builds them, no
    // function turns on toolbox-layer's `build` feature; toolbox-pack does.
    let features = |package: &str| {
        let output = run(Command::new("cargo").current_dir(repo_root()).args([
            "tree",
            "--offline",
            "--prefix",
            "none",
            "-e",
            "normal,features",
            "-p",
            package,
        ]));
        assert!(output.status.success(), "cargo tree -p {package}: {}", describe(&output));
        String::from_utf8(output.stdout).unwrap()
    };
    let build_feature = "toolbox-layer feature \"build\"";
    assert!(features("toolbox-pack").contains(build_feature));
    for function in functions() {
        assert!(!features(&function).contains(build_feature), "{function} turns on toolbox-layer's build feature");
    }
}

/// Every function's bootstrap, for both architectures.
fn every_bootstrap() -> Vec<PathBuf> {
    let archs = [native_arch(), foreign_arch()];
    archs
        .iter()
        .flat_map(|a| functions().into_iter().map(move |f| built(&format!("{}/{f}/bootstrap", lambda_dir(a)))))
        .collect()
}

#[test]
fn every_bootstrap_needs_at_most_glibc_2_34() {
    let bootstraps = every_bootstrap();
    let output = run(Command::new(pack_binary()).args(["check-glibc", "--max", "2.34"]).args(&bootstraps));
    assert!(output.status.success(), "{}", describe(&output));
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(stdout.lines().filter(|l| l.contains(": ok")).count(), bootstraps.len(), "{stdout}");

    // The same through the library, which also shows they are dynamically
    // linked against glibc (so the check had something to check).
    let max = toolbox_pack::glibc::GlibcVersion::parse("2.34").unwrap();
    for bootstrap in &bootstraps {
        let needed = toolbox_pack::check_glibc_file(bootstrap, &max).unwrap();
        assert!(needed.is_some(), "{}: no versioned glibc symbols found", bootstrap.display());
    }
}

#[test]
fn glibc_check_fails_below_what_the_bootstraps_need() {
    // aarch64 too: its glibc baseline is 2.17, and 2.34 is the same move of
    // __libc_start_main and libpthread into libc.
    let arm64 = built(&format!("{}/hello/bootstrap", lambda_dir("arm64")));
    let output = run(Command::new(pack_binary()).args(["check-glibc", "--max", "2.33"]).arg(&arm64));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("GLIBC_2.34 (libc.so.6)") && stderr.contains("__libc_start_main"), "{stderr}");

    let bootstrap = built("lambda/hello/bootstrap");
    let output = run(Command::new(pack_binary()).args(["check-glibc", "--max", "2.33"]).arg(&bootstrap));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    let stderr = String::from_utf8_lossy(&output.stderr);
    // glibc 2.34 moved __libc_start_main (and libpthread) to GLIBC_2.34.
    assert!(stderr.contains("GLIBC_2.34 (libc.so.6)"), "names the version: {stderr}");
    assert!(stderr.contains("used by") && stderr.contains("__libc_start_main"), "names the symbols: {stderr}");
    assert!(stderr.contains("newer than the allowed 2.33"), "{stderr}");

    // scripts/check-glibc is the same command.
    let script = run(Command::new(repo_root().join("scripts/check-glibc")).args(["--max", "2.33"]).arg(&bootstrap));
    assert_eq!(script.status.code(), Some(1), "{}", describe(&script));
}

#[test]
fn glibc_check_refuses_bad_input_clearly() {
    let dir = scratch_dir("glibc-bad");
    let text = dir.join("script.sh");
    std::fs::write(&text, "#!/bin/sh\necho hi\n").unwrap();
    let truncated = dir.join("truncated");
    let hello = std::fs::read(built("lambda/hello/bootstrap")).unwrap();
    std::fs::write(&truncated, &hello[..4096]).unwrap();
    let cases = [
        (vec![text.clone()], "not an ELF file"),
        (vec![truncated], "truncated"),
        (vec![dir.join("missing")], "cannot read"),
    ];
    for (files, message) in cases {
        let output = run(Command::new(pack_binary()).arg("check-glibc").args(&files));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{files:?}: {}", describe(&output));
        assert!(stderr.contains(message), "{files:?}: expected {message:?} in {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
    // Usage errors exit 2 and say what is wrong.
    for (args, message) in [
        (vec!["check-glibc", "--max", "two"], "not a glibc version"),
        (vec!["check-glibc"], "at least one FILE"),
        (vec!["frobnicate"], "unknown command"),
    ] {
        let output = run(Command::new(pack_binary()).args(&args));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", describe(&output));
        assert!(String::from_utf8_lossy(&output.stderr).contains(message), "{args:?}: {}", describe(&output));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// binutils' `readelf` (installed with gcc, which links Rust binaries; it
/// reads every architecture's ELF) with `args` on `file`.
fn readelf(args: &[&str], file: &Path) -> String {
    let output = Command::new("readelf").args(args).arg(file).stdin(std::process::Stdio::null()).output();
    let output = output.unwrap_or_else(|e| panic!("readelf (binutils) is needed for this test: {e}"));
    assert!(output.status.success(), "{}", describe(&output));
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[test]
fn glibc_reader_agrees_with_readelf() {
    // An independent reader of the same .gnu.version_r section, on both architectures.
    for arch in ["x86_64", "arm64"] {
        glibc_reader_agrees_with_readelf_on(&built(&format!("{}/segment/bootstrap", lambda_dir(arch))));
    }
}

fn glibc_reader_agrees_with_readelf_on(bootstrap: &Path) {
    let text = readelf(&["-V"], bootstrap);
    let mut expected: Vec<String> = text
        .split_whitespace()
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|w| w[0] == "Name:" && (w[1].starts_with("GLIBC_") || w[1].starts_with("GCC_")))
        .map(|w| w[1].to_string())
        .collect();
    let deps = toolbox_pack::glibc::dependencies(&std::fs::read(bootstrap).unwrap()).unwrap();
    let mut ours: Vec<String> = deps.versions.iter().map(|n| n.version.clone()).collect();
    expected.sort();
    ours.sort();
    assert!(!ours.is_empty());
    assert_eq!(ours, expected, "{}: symbol versions read by toolbox-pack vs readelf -V", bootstrap.display());
}

#[test]
fn every_zip_holds_a_bootstrap_for_its_architecture_as_readelf_sees_it() {
    for arch in ["x86_64", "arm64"] {
        // readelf's names for the two machines.
        let machine = if arch == "arm64" { "AArch64" } else { "Advanced Micro Devices X86-64" };
        let zips: Vec<PathBuf> =
            functions().iter().map(|f| built(&format!("{}/{f}/bootstrap.zip", lambda_dir(arch)))).collect();
        let output = run(Command::new(pack_binary()).args(["check-arch", "--arch", arch]).args(&zips));
        assert!(output.status.success(), "{arch}: {}", describe(&output));
        assert_eq!(String::from_utf8_lossy(&output.stdout).matches(&format!(": ok, {arch}")).count(), zips.len());
        for function in functions() {
            let bootstrap = built(&format!("{}/{function}/bootstrap", lambda_dir(arch)));
            let header = readelf(&["-h"], &bootstrap);
            let line = header.lines().find(|l| l.trim_start().starts_with("Machine:")).unwrap_or_default();
            assert!(line.ends_with(machine), "{function} ({arch}): readelf says {line:?}");
        }
    }
}

#[test]
fn a_bootstrap_of_the_wrong_architecture_never_ships() {
    let dir = scratch_dir("wrong-arch");
    let x86 = built(&format!("{}/hello/bootstrap", lambda_dir("x86_64")));
    let arm = built(&format!("{}/hello/bootstrap.zip", lambda_dir("arm64")));
    // The check itself, on a zip and on a bare binary, both ways.
    for (arch, file, found) in [("arm64", &x86, "x86_64"), ("x86_64", &arm, "arm64")] {
        let output = run(Command::new(pack_binary()).args(["check-arch", "--arch", arch]).arg(file));
        assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(&format!("built for {found}, not {arch}")), "{stderr}");
    }
    // Packaging refuses it before writing anything.
    let out = dir.join("hello");
    let output = run(Command::new(pack_binary())
        .args(["function", "--arch", "arm64", "--binary"])
        .arg(&x86)
        .arg("--out")
        .arg(&out));
    assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("built for x86_64, not arm64"), "{}", describe(&output));
    assert!(!out.exists(), "a refused binary left {}", out.display());

    // A zip holding more than the bootstrap, or a bootstrap that is not executable, is no function zip.
    let entry = |name: &str, mode| toolbox_pack::zip::Entry::new(name, mode, std::fs::read(&x86).unwrap());
    for (entries, message) in [
        (vec![entry("bootstrap", 0o755), entry("extra", 0o644)], "not just an executable bootstrap"),
        (vec![entry("bootstrap", 0o644)], "not just an executable bootstrap"),
    ] {
        let zip = dir.join("odd.zip");
        std::fs::write(&zip, toolbox_pack::zip::write_zip(entries).unwrap()).unwrap();
        let output = run(Command::new(pack_binary()).args(["check-arch", "--arch", "x86_64"]).arg(&zip));
        assert_eq!(output.status.code(), Some(1), "{}", describe(&output));
        assert!(String::from_utf8_lossy(&output.stderr).contains(message), "{}", describe(&output));
    }
    // Usage errors exit 2.
    for (args, message) in [
        (vec!["check-arch", "--arch", "aarch64", "x"], "x86_64 or arm64"),
        (vec!["check-arch", "x"], "--arch is required"),
        (vec!["check-arch", "--arch", "arm64"], "at least one FILE"),
    ] {
        let output = run(Command::new(pack_binary()).args(&args));
        assert_eq!(output.status.code(), Some(2), "{args:?}: {}", describe(&output));
        assert!(String::from_utf8_lossy(&output.stderr).contains(message), "{args:?}: {}", describe(&output));
    }
    let output = run(Command::new(repo_root().join("scripts/build")).args(["--arch", "sparc"]));
    assert_eq!(output.status.code(), Some(2), "{}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stderr).contains("expected x86_64, arm64 or all"), "{}", describe(&output));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Copies the directory tree `from` to `to` (new files, new mtimes).
fn copy_tree(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &to.join(entry.file_name()));
        } else {
            std::fs::copy(entry.path(), to.join(entry.file_name())).unwrap();
        }
    }
}
