//! openapi.yaml, the API's contract: every route of template.yaml (the one
//! list of tools) is in it with its method, and openapi-spec-validator
//! (requirements/openapi.txt) accepts it as OpenAPI 3.1. That the running
//! tools answer as it says is checked by schemathesis (tests/api/run
//! contract, in scripts/test); that GET /openapi.json is this document, by
//! the playground function's tests.

use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::{describe, repo_root, run, scratch_dir, venv_tool};

fn document(path: &Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    toolbox_local::template::yaml::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// `METHOD /path` of every route of `repo`'s template.yaml that its
/// openapi.yaml does not describe.
pub fn missing_routes_in(repo: &Path) -> Vec<String> {
    missing_routes(&repo.join("template.yaml"), &document(&repo.join("openapi.yaml")))
}

/// `METHOD /path` of every route of `template` the document does not describe.
fn missing_routes(template: &Path, document: &Value) -> Vec<String> {
    let template = toolbox_local::template::Template::load(template, &Default::default())
        .unwrap_or_else(|e| panic!("{}: {e}", template.display()));
    assert!(!template.routes.is_empty(), "template.yaml has routes");
    let mut missing = Vec::new();
    for route in &template.routes {
        let method = route.method.as_deref().expect("every route of ours names its method").to_ascii_lowercase();
        if !document["paths"][&route.path][&method].is_object() {
            missing.push(format!("{} {}", method.to_ascii_uppercase(), route.path));
        }
    }
    missing
}

#[test]
fn every_template_route_is_in_the_document() {
    let missing = missing_routes_in(&repo_root());
    assert!(missing.is_empty(), "openapi.yaml lacks these routes of template.yaml: {missing:?}");
}

#[test]
fn a_document_without_a_route_is_caught() {
    let mut document = document(&repo_root().join("openapi.yaml"));
    document["paths"].as_object_mut().unwrap().remove("/keywords");
    document["paths"]["/segment"].as_object_mut().unwrap().remove("post");
    let missing = missing_routes(&repo_root().join("template.yaml"), &document);
    assert_eq!(missing, ["GET /keywords", "POST /keywords", "POST /segment"]);
}

#[test]
fn openapi_spec_validator_accepts_the_document_and_rejects_a_broken_one() {
    let validator = venv_tool("openapi", "openapi-spec-validator");
    let output = run(Command::new(&validator).arg(repo_root().join("openapi.yaml")));
    assert!(output.status.success(), "openapi-spec-validator openapi.yaml: {}", describe(&output));

    // The validator has teeth: a response without its description, and a
    // reference to a schema that does not exist.
    let dir = scratch_dir("openapi-broken");
    let original = std::fs::read_to_string(repo_root().join("openapi.yaml")).unwrap();
    for (from, to) in [
        ("      description: Hello world.\n", "\n"),
        ("#/components/schemas/Segmented\"}", "#/components/schemas/Nowhere\"}"),
    ] {
        assert!(original.contains(from), "openapi.yaml has {from:?}");
        let broken = dir.join("openapi.yaml");
        std::fs::write(&broken, original.replacen(from, to, 1)).unwrap();
        let output = run(Command::new(&validator).arg(&broken));
        assert!(!output.status.success(), "accepted with {from:?} → {to:?}: {}", describe(&output));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Checks every answer of `document` (its `components/responses`) has an
/// example and that each example is valid against the answer's schema
/// (jsonschema, from openapi-spec-validator's venv); returns the problems.
fn example_problems(document: &Value) -> (usize, Vec<String>) {
    const SCRIPT: &str = r##"
import json, sys
import jsonschema
doc = json.load(sys.stdin)
checked, bad = 0, []
for name, answer in doc["components"]["responses"].items():
    for media_type, media in answer.get("content", {}).items():
        examples = ([media["example"]] if "example" in media else []) + [e["value"] for e in media.get("examples", {}).values()]
        if not examples:
            bad.append(f"{name} ({media_type}): no example")
        # The whole document as the root, so "#/components/..." references resolve.
        root = dict(doc, **{"$ref": f"#/components/responses/{name}/content/{media_type.replace('/', '~1')}/schema"})
        validator = jsonschema.Draft202012Validator(root, format_checker=jsonschema.FormatChecker())
        for example in examples:
            checked += 1
            bad += [f"{name}: {e.message}" for e in validator.iter_errors(example)]
print(json.dumps({"checked": checked, "bad": bad}))
"##;
    let mut child = Command::new(venv_tool("openapi", "python"))
        .arg("-c")
        .arg(SCRIPT)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the openapi venv's python (scripts/setup openapi)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(document.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "example check: {}", describe(&output));
    let result: Value = serde_json::from_slice(&output.stdout).unwrap();
    let bad = result["bad"].as_array().unwrap().iter().map(|b| b.as_str().unwrap().to_owned()).collect();
    (result["checked"].as_u64().unwrap() as usize, bad)
}

#[test]
fn every_answer_has_an_example_that_fits_its_schema() {
    let mut document = document(&repo_root().join("openapi.yaml"));
    let (checked, bad) = example_problems(&document);
    assert!(bad.is_empty(), "openapi.yaml: {bad:?}");
    assert!(checked >= 10, "{checked} examples");
    // The check has teeth: a wrong example and a missing one.
    document["components"]["responses"]["Hello"]["content"]["application/json"]["example"] =
        serde_json::json!({"message": "hi"});
    document["components"]["responses"]["TooLarge"]["content"]["application/json"]
        .as_object_mut()
        .unwrap()
        .remove("example");
    let (_, bad) = example_problems(&document);
    assert_eq!(bad.len(), 2, "{bad:?}");
}
