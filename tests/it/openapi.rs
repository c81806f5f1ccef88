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
    let result = python_json(SCRIPT, document);
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

/// Runs `script` in the openapi venv's Python with `input` (JSON) on stdin;
/// its stdout, parsed as JSON.
fn python_json(script: &str, input: &Value) -> Value {
    let mut child = Command::new(venv_tool("openapi", "python"))
        .arg("-c")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the openapi venv's python (scripts/setup openapi)");
    use std::io::Write;
    child.stdin.take().unwrap().write_all(input.to_string().as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "python: {}", describe(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

/// Spellings around the edges of what the patterns allow: every whitespace
/// the gateway trims and some it does not, signs, zeros, Unicode digits.
fn candidates() -> Vec<String> {
    let mut spellings = Vec::new();
    let cores = [
        "true",
        "TRUE",
        "tRuE",
        "false",
        "yes",
        "YES",
        "no",
        "No",
        "1",
        "0",
        "00",
        "+1",
        "-1",
        "01",
        "y",
        "n",
        "on",
        "off",
        "truee",
        "",
        "2",
        "3",
        "7",
        "+7",
        "007",
        "99",
        "100",
        "+100",
        "0100",
        "101",
        "1000",
        "1001",
        "999",
        "+0",
        "0.5",
        "1e2",
        "1_0",
        "١",
        "３",
        "++1",
        "+",
        "1 0",
        "inf",
        "nan",
        "1,2",
        "a,\u{1c}",
        "\u{1c}",
        "a",
        "云计算, 创新办",
        ",, ,",
        "a,\u{1c} ,b",
        "\u{1f}x",
        "x,\u{a0}\u{1d}\u{3000},y",
    ];
    let spaces = [
        "", " ", "\t", "\n", "\u{b}", "\u{c}", "\r", "\u{85}", "\u{a0}", "\u{2003}", "\u{3000}", "\u{1c}", "\u{feff}",
        "\u{200b}", "\u{180e}",
    ];
    for core in cores {
        for space in spaces {
            spellings.push(format!("{space}{core}"));
            spellings.push(format!("{core}{space}"));
        }
    }
    spellings.sort();
    spellings.dedup();
    spellings
}

#[test]
fn the_patterns_accept_exactly_what_the_gateway_accepts() {
    use toolbox_gateway::Params;
    // (schema, what the gateway or the layer makes of one string)
    type Accepts = fn(&Params) -> bool;
    let checks: [(&str, Accepts); 5] = [
        ("FlagText", |p| p.flag("p", false).is_ok()),
        ("TrueFlag", |p| p.flag("p", false) == Ok(true)),
        ("CountText", |p| p.bounded("p", 1..=100, 1).is_ok()),
        ("TopKText", |p| p.bounded("p", 1..=1000, 20).is_ok()),
        ("UserWordsText", |p| toolbox_layer::parse_request_words(p.get("p").unwrap()).is_ok()),
    ];
    let document = document(&repo_root().join("openapi.yaml"));
    let strings = candidates();
    const SCRIPT: &str = r#"
import json, re, sys
task = json.load(sys.stdin)
def pattern(schema):
    if "pattern" in schema:
        return schema["pattern"]
    # TrueFlag: its one string branch.
    return next(b["pattern"] for b in schema["anyOf"] if "pattern" in b)
print(json.dumps({name: [re.search(pattern(schema), s) is not None for s in task["strings"]]
                  for name, schema in task["schemas"].items()}))
"#;
    let schemas: serde_json::Map<String, Value> =
        checks.iter().map(|(name, _)| (name.to_string(), document["components"]["schemas"][name].clone())).collect();
    let matched = python_json(SCRIPT, &serde_json::json!({ "strings": strings, "schemas": schemas }));
    let mut wrong = Vec::new();
    for (name, accepts) in checks {
        for (text, matches) in strings.iter().zip(matched[name].as_array().unwrap()) {
            let mut params = Params::new();
            params.insert("p", Value::String(text.clone()));
            if accepts(&params) != matches.as_bool().unwrap() {
                wrong.push(format!("{name} {text:?}: pattern {matches}, tool {}", accepts(&params)));
            }
        }
    }
    assert!(wrong.is_empty(), "openapi.yaml's patterns and the tools disagree: {wrong:#?}");
}

#[test]
fn the_number_pattern_is_pythons_float() {
    // The calculator reads numbers as Python's float() (tested in its crate
    // against Python); here the pattern against float() itself.
    const SCRIPT: &str = r#"
import json, random, re, sys
task = json.load(sys.stdin)
pattern = re.compile(task["pattern"])
alphabet = list("0123456789+-._eEinfatyINFATY \t\n\x0b\x0c\r\x1c\x1f,x\x7f") + [
    "\u0660", "\u0669", "\uff15", "\U0001d7ce", "\U0001fbf9", "\U000104a0", "\u3000", "\xa0", "\x85", "\u2028",
    "\u00b2", "\u180e", "\ufeff", "\u0e50", "\U0001e959"]
random.seed(7)
strings = task["strings"] + ["".join(random.choice(alphabet) for _ in range(random.randint(0, 8))) for _ in range(100000)]
def reads(s):
    try:
        float(s)
        return True
    except ValueError:
        return False
wrong = [s for s in strings if (pattern.search(s) is not None) != reads(s)]
print(json.dumps({"checked": len(strings), "wrong": wrong[:20]}))
"#;
    let document = document(&repo_root().join("openapi.yaml"));
    let pattern = &document["components"]["schemas"]["NumberText"]["pattern"];
    let result = python_json(SCRIPT, &serde_json::json!({ "pattern": pattern, "strings": candidates() }));
    assert_eq!(result["wrong"], serde_json::json!([]), "NumberText and float() disagree");
    assert!(result["checked"].as_u64().unwrap() > 100_000);
}

#[test]
fn every_body_declares_the_gateways_rejections_and_reads_null_as_absent() {
    let document = document(&repo_root().join("openapi.yaml"));
    let mut bodies = 0;
    for (path, item) in document["paths"].as_object().unwrap() {
        for (method, operation) in item.as_object().unwrap() {
            let responses = &operation["responses"];
            // A query string that does not percent-decode to UTF-8, for every route.
            assert!(responses["400"].is_object(), "{method} {path} lacks a 400");
            let Some(body) = operation.get("requestBody") else { continue };
            bodies += 1;
            // Any body: one that does not parse, one of more than 50,000 JSON values, another media type.
            for status in ["400", "413", "415"] {
                assert!(responses[status].is_object(), "{method} {path} has a body but no {status}");
            }
            if path == "/segment" || path == "/keywords" {
                assert_eq!(body["required"], Value::Bool(false), "{method} {path}: no body is no text");
            }
        }
    }
    assert!(bodies >= 5, "{bodies} operations with a body");

    // Each property of each JSON body takes null, but the calculator's
    // required ones (null there is a missing number: Invalid input).
    const SCRIPT: &str = r##"
import json, sys
import jsonschema
doc = json.load(sys.stdin)
results = []
for path, item in doc["paths"].items():
    for method, operation in item.items():
        media = operation.get("requestBody", {}).get("content", {}).get("application/json")
        if media is None:
            continue
        root = dict(doc, **{"$ref": f"#/paths/{path.replace('/', '~1')}/{method}/requestBody/content/application~1json/schema"})
        validator = jsonschema.Draft202012Validator(root)
        schema = media["schema"]
        for name in schema.get("properties", {}):
            # Over the body's example (a valid body: the calculator's has its required numbers).
            base = media.get("example", {})
            assert validator.is_valid(base), (method, path)
            results.append([f"{method} {path} {name}", name in schema.get("required", []), validator.is_valid({**base, name: None})])
print(json.dumps(results))
"##;
    let results = python_json(SCRIPT, &document);
    let results = results.as_array().unwrap();
    assert!(results.len() >= 20, "{results:?}");
    for result in results {
        let (what, required, takes_null) = (&result[0], result[1].as_bool().unwrap(), result[2].as_bool().unwrap());
        assert_eq!(takes_null, !required, "{what}: null should be {}", if required { "refused" } else { "absent" });
    }
}
