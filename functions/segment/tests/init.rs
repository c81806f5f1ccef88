//! The real `segment` binary against a fake Runtime API: a good layer answers
//! events; a missing, truncated or wrong-version layer is reported through
//! `/runtime/init/error`, naming the path and the expected layer version.

use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};

use serde_json::{json, Value};
use toolbox_layer::Dictionary;
use toolbox_test_support::{fixture, FakeRuntimeApi};

const BOOTSTRAP: &str = env!("CARGO_BIN_EXE_segment");

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A fresh layer tree (what Lambda unpacks under /opt) in its own directory.
fn layer(name: &str) -> PathBuf {
    let dir = repo().join("target/test-layers/init").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    toolbox_layer::assemble(&repo().join("dict"), &dir).expect("assemble the layer");
    dir
}

/// Only the big dictionary's layer, in its own directory.
fn big_layer(name: &str) -> PathBuf {
    let dir = repo().join("target/test-layers/init").join(name);
    let _ = std::fs::remove_dir_all(&dir);
    toolbox_layer::assemble_dictionary(&repo().join("dict"), Dictionary::Big, &dir).expect("assemble the big layer");
    dir
}

fn start(api: &FakeRuntimeApi, layer_dir: &Path) -> Child {
    start_with(api, layer_dir, None)
}

/// Starts the bootstrap on `layer_dir` with `TOOLBOX_DICTIONARY` set to `default_dictionary`, if given.
fn start_with(api: &FakeRuntimeApi, layer_dir: &Path, default_dictionary: Option<&str>) -> Child {
    let mut command = api.command(Path::new(BOOTSTRAP));
    command.env("TOOLBOX_LAYER_DIR", layer_dir).env_remove("TOOLBOX_DICTIONARY").stderr(Stdio::piped());
    if let Some(name) = default_dictionary {
        command.env("TOOLBOX_DICTIONARY", name);
    }
    command.spawn().expect("start the bootstrap")
}

/// Starts the bootstrap on `layer_dir`, expects an init error of `error_type`,
/// returns its message.
fn init_error(layer_dir: &Path, error_type: &str) -> String {
    init_error_with(layer_dir, None, error_type)
}

fn init_error_with(layer_dir: &Path, default_dictionary: Option<&str>, error_type: &str) -> String {
    let api = FakeRuntimeApi::start(vec![]);
    let mut child = start_with(&api, layer_dir, default_dictionary);
    let (path, body) = api.next_post(60).expect("an init error report");
    let status = child.wait().unwrap();
    assert_eq!(path, "/2018-06-01/runtime/init/error");
    assert_eq!(body["errorType"], error_type, "{body}");
    assert!(!status.success(), "the instance must exit after an init error");
    let message = body["errorMessage"].as_str().unwrap().to_string();
    assert!(message.contains(&format!("version {}", toolbox_layer::LAYER_SEMVER)), "{message}");
    message
}

#[test]
fn a_good_layer_answers_events() {
    let layer_dir = layer("good");
    let api = FakeRuntimeApi::start(vec![fixture("segment/direct.json"), fixture("segment/rest-v1.json")]);
    let mut child = start(&api, &layer_dir);
    for _ in 0..2 {
        let (path, response) = api.next_post(60).expect("a response");
        assert!(path.ends_with("/response"), "{path}");
        assert_eq!(response["statusCode"], 200);
        let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
        assert_eq!(body, json!({ "words": ["我", "来到", "北京", "清华大学"] }));
    }
    child.kill().unwrap();
    child.wait().unwrap();
}

#[test]
fn a_missing_layer_is_an_init_error_naming_the_path() {
    let empty = repo().join("target/test-layers/init/empty");
    std::fs::create_dir_all(&empty).unwrap();
    let message = init_error(&empty, "Layer.Missing");
    assert!(message.contains(&empty.join("toolbox/manifest.json").display().to_string()), "{message}");
    assert!(message.contains("layer manifest not found"), "{message}");
}

#[test]
fn a_truncated_dictionary_is_an_init_error() {
    let layer_dir = layer("truncated");
    let manifest: Value =
        serde_json::from_str(&std::fs::read_to_string(layer_dir.join("toolbox/manifest.json")).unwrap()).unwrap();
    // Cut every data file the layer lists in half.
    for file in manifest["files"].as_object().unwrap().keys() {
        let path = layer_dir.join("toolbox").join(file);
        let contents = std::fs::read(&path).unwrap();
        std::fs::write(&path, &contents[..contents.len() / 2]).unwrap();
    }
    let message = init_error(&layer_dir, "Layer.Corrupt");
    assert!(message.contains("truncated"), "{message}");
    assert!(message.contains(&layer_dir.join("toolbox").display().to_string()), "{message}");
}

#[test]
fn a_layer_of_another_format_is_an_init_error() {
    let layer_dir = layer("wrong-format");
    let path = layer_dir.join("toolbox/manifest.json");
    let mut manifest: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    manifest["format"] = json!(toolbox_layer::LAYER_FORMAT + 1);
    std::fs::write(&path, manifest.to_string()).unwrap();
    let message = init_error(&layer_dir, "Layer.VersionMismatch");
    assert!(message.contains(&format!("format {}", toolbox_layer::LAYER_FORMAT + 1)), "{message}");
    assert!(message.contains("cannot read"), "{message}");
}

/// The big dictionary's layer alone, as the function's default: requests
/// that name no dictionary get it, and the default one is not there to ask for.
#[test]
fn the_big_layer_alone_serves_as_the_default_dictionary() {
    let layer_dir = big_layer("big-alone");
    let traditional = json!({ "text": "臺灣學習" });
    let api = FakeRuntimeApi::start(vec![traditional.clone(), json!({ "text": "臺灣", "dictionary": "default" })]);
    let mut child = start_with(&api, &layer_dir, Some("big"));
    let (_, response) = api.next_post(60).expect("a response");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(body, json!({ "words": ["臺灣", "學習"] }));
    let (_, response) = api.next_post(60).expect("a response");
    assert_eq!(response["statusCode"], 400, "{response}");
    let body: Value = serde_json::from_str(response["body"].as_str().unwrap()).unwrap();
    assert_eq!(
        body["error"],
        "dictionary 'default' is not attached to this function (it has big): attach the toolbox-jieba layer"
    );
    child.kill().unwrap();
    child.wait().unwrap();

    // Without TOOLBOX_DICTIONARY the default dictionary is the default, and it is missing.
    let message = init_error(&layer_dir, "Layer.Missing");
    assert!(message.contains("needs the toolbox-jieba layer"), "{message}");
}

#[test]
fn a_default_dictionary_that_is_not_attached_or_does_not_exist_is_an_init_error() {
    let layer_dir = layer("default-only");
    let message = init_error_with(&layer_dir, Some("big"), "Layer.Missing");
    assert!(message.contains(&layer_dir.join("toolbox-big/manifest.json").display().to_string()), "{message}");
    assert!(message.contains("needs the toolbox-jieba-big layer"), "{message}");
    let message = init_error_with(&layer_dir, Some("traditional"), "Layer.Misconfigured");
    assert!(message.contains("TOOLBOX_DICTIONARY=\"traditional\" names no dictionary"), "{message}");
}

/// A user layer applies to the dictionary it was built for: one built for
/// the big dictionary, attached without it, fails init naming both.
#[test]
fn a_user_layer_for_a_dictionary_that_is_not_attached_is_an_init_error() {
    let big = big_layer("big-for-user");
    let tokenizer = toolbox_layer::Tokenizer::load_dictionary(&big, Dictionary::Big).unwrap();
    let layer_dir = layer("user-without-its-dictionary");
    let words = vec![("words.txt".to_string(), "臺灣學習 5\n".as_bytes().to_vec())];
    toolbox_layer::userdict::assemble(&tokenizer, &words, &layer_dir).expect("a user layer for the big dictionary");
    assert!(layer_dir.join("toolbox-big/userdict/manifest.json").exists());
    let message = init_error(&layer_dir, "Layer.VersionMismatch");
    assert!(message.contains("a user layer built for the toolbox-jieba-big layer is attached"), "{message}");
    assert!(message.contains("this function has toolbox-jieba 0.1.0+"), "{message}");
}

#[test]
fn without_the_lambda_environment_it_reports_instead_of_panicking() {
    let api = FakeRuntimeApi::start(vec![]);
    let child = api
        .command(Path::new(BOOTSTRAP))
        .env_remove("AWS_LAMBDA_FUNCTION_MEMORY_SIZE")
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (path, body) = api.next_post(60).expect("an init error report");
    assert_eq!(path, "/2018-06-01/runtime/init/error");
    assert_eq!(body["errorType"], "Runtime.MissingEnvironment");
    assert!(body["errorMessage"].as_str().unwrap().contains("AWS_LAMBDA_FUNCTION_MEMORY_SIZE unset"));
    let output = child.wait_with_output().unwrap();
    assert!(!output.status.success());
    assert!(!String::from_utf8_lossy(&output.stderr).contains("panicked"));
}
