//! template.yaml: cfn-lint 1.51 (with the SAM transform) accepts it and
//! rejects a broken copy, `sam validate` accepts it, `sam build` builds it
//! offline into a bootstrap per function plus the layer, and it declares what
//! the issue asks (checked on the parsed template, conditions evaluated).
//!
//! Nothing here may reach AWS: the AWS tools get dummy credentials, an
//! endpoint and a proxy on a closed 127.0.0.1 port, and sam's telemetry and
//! version check are off.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::{json, Value};

use crate::{describe, repo_root, run, scratch_dir, target_dir, venv_tool};

fn template_path() -> PathBuf {
    repo_root().join("template.yaml")
}

/// A command with an environment that cannot reach AWS or the internet.
fn offline(program: &Path, scratch: &Path) -> Command {
    let app_dir = scratch.join("sam-app-dir");
    std::fs::create_dir_all(&app_dir).unwrap();
    // A recent version check, so sam does not ask PyPI for a newer release.
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs();
    std::fs::write(
        app_dir.join("metadata.json"),
        json!({"lastVersionCheck": now, "telemetryEnabled": false}).to_string(),
    )
    .unwrap();
    let mut command = Command::new(program);
    command
        .env("SAM_CLI_TELEMETRY", "0")
        .env("__SAM_CLI_APP_DIR", &app_dir)
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_CONFIG_FILE", "/dev/null")
        .env("AWS_SHARED_CREDENTIALS_FILE", "/dev/null")
        .env("AWS_ENDPOINT_URL", "http://127.0.0.1:9")
        .env("HTTPS_PROXY", "http://127.0.0.1:9")
        .env("HTTP_PROXY", "http://127.0.0.1:9")
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("CARGO_NET_OFFLINE", "true")
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN");
    command
}

/// `template` after AWS::LanguageExtensions for `parameters` (see
/// language_extensions.py; `mode` is `full` or `if-only`), and the parameter
/// values it used (defaults filled in, lists split).
fn language_extensions(template: &Path, parameters: &Value, mode: &str) -> (Value, Value) {
    let output = run(Command::new(venv_tool("sam", "python"))
        .arg(repo_root().join("tests/it/language_extensions.py"))
        .arg(template)
        .arg(parameters.to_string())
        .arg(mode));
    assert!(output.status.success(), "language_extensions.py {mode}: {}", describe(&output));
    let mut out: Value = serde_json::from_slice(&output.stdout).unwrap();
    (out["template"].take(), out["parameters"].take())
}

/// cfn-lint 1.51 on `template` as CloudFormation would lint it after
/// AWS::LanguageExtensions with `parameters` (the linter cannot resolve the
/// Fn::If the template leaves to that transform). `scratch` holds the file.
pub(crate) fn cfn_lint(template: &Path, parameters: &Value, scratch: &Path) -> std::process::Output {
    let (expanded, _) = language_extensions(template, parameters, "if-only");
    let path = scratch.join(format!("{}.lint.json", template.file_stem().unwrap().to_string_lossy()));
    std::fs::write(&path, expanded.to_string()).unwrap();
    run(Command::new(venv_tool("cfn-lint", "cfn-lint")).arg(&path))
}

/// What cfn-lint reports beyond the findings the expansion itself causes:
/// - W8001, a condition "not used": its Fn::If are resolved already;
/// - W1001 on an output or deployment group naming a resource under a
///   condition (the layer created here, a function's rollback alarm): the
///   Fn::If that guarded the output is resolved, and SAM generates the
///   groups only when their alarms exist.
/// - W1001 on an alarm's actions naming the topic that exists only with
///   AlarmEmail: the Fn::If that named it only then is resolved.
pub(crate) fn unexpected_findings(output: &std::process::Output) -> Vec<String> {
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    report.lines().filter(|l| unexpected(l)).map(str::to_owned).collect()
}

/// Whether one finding (`RULE message`) is one [`unexpected_findings`] reports.
fn unexpected(l: &str) -> bool {
    l.starts_with(['E', 'W', 'I'])
        && !l.starts_with("W8001 Condition ")
        && !(l.starts_with("W1001 Ref to resource '")
            && (l.contains("that may not be available when condition 'GradualDeployment' is False")
                || (l.contains("'CreateLayer' is False") && l.ends_with("at Outputs/JiebaLayerVersionArn/Value"))
                || (l.contains("'CreateBigLayer' is False")
                    && l.ends_with("at Outputs/JiebaBigLayerVersionArn/Value"))
                || (l.starts_with("W1001 Ref to resource 'AlarmTopic' ")
                    && l.contains("when condition 'AlarmNotifications' is False at Resources/")
                    && (l.contains("/Properties/AlarmActions/") || l.contains("/Properties/OKActions/")))))
}

/// cfn-lint once over `templates` (each as [`cfn_lint`] expands it with its
/// parameters): one process instead of one a template, since most of its
/// time is its own start. The findings of each template, in order, as
/// `RULE message`.
fn cfn_lint_each(templates: &[(PathBuf, Value)], scratch: &Path) -> Vec<Vec<String>> {
    let mut paths = Vec::new();
    for (i, (template, parameters)) in templates.iter().enumerate() {
        let (expanded, _) = language_extensions(template, parameters, "if-only");
        let path = scratch.join(format!("lint-{i}.json"));
        std::fs::write(&path, expanded.to_string()).unwrap();
        paths.push(path);
    }
    let output = run(Command::new(venv_tool("cfn-lint", "cfn-lint")).args(["--format", "parseable"]).args(&paths));
    let report = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(output.status.code().is_some_and(|c| c < 32), "cfn-lint failed to run: {}", describe(&output));
    paths
        .iter()
        .map(|path| {
            let prefix = format!("{}:", path.display());
            report
                .lines()
                .filter_map(|l| l.strip_prefix(&prefix))
                // line:column:end line:end column:RULE:message
                .map(|l| {
                    let fields: Vec<&str> = l.splitn(6, ':').collect();
                    assert_eq!(fields.len(), 6, "a parseable finding: {l}");
                    format!("{} {}", fields[4], fields[5])
                })
                .collect()
        })
        .collect()
}

#[test]
fn cfn_lint_accepts_the_template() {
    let dir = scratch_dir("cfn-lint");
    let output = cfn_lint(&template_path(), &json!({}), &dir);
    assert_eq!(unexpected_findings(&output), Vec::<String>::new(), "cfn-lint template.yaml: {}", describe(&output));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn cfn_lint_rejects_a_wrong_runtime_or_architecture() {
    let dir = scratch_dir("cfn-lint-broken");
    let original = std::fs::read_to_string(template_path()).unwrap();
    let breakages = [
        ("Runtime: provided.al2023", "Runtime: provided.al2099", "provided.al2099"),
        ("\n    Architectures: [!Ref Architecture]\n", "\n    Architectures: [x86_65]\n", "x86_65"),
        ("MemorySize: 128", "MemorySize: 64", "64"),
    ];
    for (from, to, named) in breakages {
        assert_eq!(original.matches(from).count(), 1, "template.yaml should say {from:?} once (in Globals)");
        let broken = dir.join(format!("broken-{named}.yaml"));
        std::fs::write(&broken, original.replace(from, to)).unwrap();
        let output = cfn_lint(&broken, &json!({}), &dir);
        assert!(!output.status.success(), "cfn-lint accepted {to:?}: {}", describe(&output));
        assert!(String::from_utf8_lossy(&output.stdout).contains(named), "names {named}: {}", describe(&output));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every option the parameters turn on, each alone and all together.
pub(crate) fn options() -> Vec<Value> {
    let each = [
        json!({"Architecture": "x86_64"}),
        json!({"LogFormat": "Text"}),
        json!({"LogLevel": "DEBUG"}),
        json!({"LogLevel": "ERROR"}),
        json!({"DeploymentPreferenceType": "Canary10Percent5Minutes"}),
        json!({"DeploymentPreferenceType": "AllAtOnce"}),
        json!({"ThrottlingRateLimit": "5", "ThrottlingBurstLimit": "1"}),
        json!({"JwtIssuer": "https://issuer.example.com", "JwtAudience": "tools-client"}),
        json!({"JwtIssuer": "https://issuer.example.com", "JwtAudience": "a,b", "JwtScopes": "tools/read,tools/all"}),
        json!({"FunctionUrlAuthType": "NONE"}),
        // Notifications and X-Ray ride with the metrics options (CI time:
        // each set costs a lint and a validate).
        json!({"Metrics": "Off", "AlarmEmail": "ops@example.com"}),
        json!({"MetricsNamespace": "team-a/tools #1", "Tracing": "Active", "ApiRouteMetrics": "On"}),
        json!({"FunctionUrlAuthType": "AWS_IAM"}),
        json!({"BigDictionaryLayer": "create"}),
        json!({"BigDictionaryLayer": "create", "DefaultDictionary": "big", "LayerShareAccountIds": "111111111111"}),
        json!({"BigDictionaryLayer": "arn:aws:lambda:us-east-1:123456789012:layer:toolbox-jieba-big:2",
            "DefaultDictionary": "big", "JiebaLayerArn": "none"}),
    ];
    let all = json!({"Architecture": "x86_64", "DeploymentPreferenceType": "Linear10PercentEvery1Minute", "LogLevel": "WARN",
        "JwtIssuer": "https://issuer.example.com", "JwtAudience": "a", "JwtScopes": "s",
        "FunctionUrlAuthType": "AWS_IAM", "ThrottlingRateLimit": "100", "ThrottlingBurstLimit": "200",
        "Metrics": "Off", "MetricsNamespace": "tools", "AlarmEmail": "ops+toolbox@example.com", "Tracing": "Active",
        "ApiRouteMetrics": "On",
        "UserDictLayerArn": "arn:aws:lambda:us-east-1:123456789012:layer:toolbox-userdict:3",
        "JiebaLayerArn": "arn:aws:lambda:us-east-1:123456789012:layer:toolbox-jieba:7",
        "BigDictionaryLayer": "arn:aws:lambda:us-east-1:123456789012:layer:toolbox-jieba-big:2"});
    each.into_iter().chain([all]).collect()
}

#[test]
fn cfn_lint_accepts_every_option() {
    let dir = scratch_dir("cfn-lint-options");
    // A value outside AllowedValues or the pattern is refused, so the
    // options' lint checks something; all in one cfn-lint run.
    let refused = [("LogFormat", "Xml"), ("Architecture", "aarch64"), ("AlarmEmail", "not an address")];
    let mut templates: Vec<(PathBuf, Value)> = options().into_iter().map(|p| (template_path(), p)).collect();
    templates.extend(refused.iter().map(|(parameter, value)| (template_path(), json!({*parameter: value}))));
    let findings = cfn_lint_each(&templates, &dir);
    let (accepted, refusals) = findings.split_at(findings.len() - refused.len());
    for ((_, parameters), found) in templates.iter().zip(accepted) {
        let found: Vec<&String> = found.iter().filter(|l| unexpected(l)).collect();
        assert!(found.is_empty(), "cfn-lint with {parameters}: {found:#?}");
    }
    for ((parameter, value), found) in refused.iter().zip(refusals) {
        assert!(found.iter().any(|l| l.starts_with('E')), "cfn-lint accepted {parameter} {value}: {found:?}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sam_validate_accepts_the_template_and_every_option_offline() {
    let dir = scratch_dir("sam-validate");
    let validate = |template: &Path| {
        run(offline(&venv_tool("sam", "sam"), &dir)
            .args(["validate", "--language-extensions", "-t"])
            .arg(template)
            .current_dir(&dir))
    };
    let output = validate(&template_path());
    assert!(output.status.success(), "sam validate: {}", describe(&output));
    assert!(String::from_utf8_lossy(&output.stdout).contains("is a valid SAM Template"), "{}", describe(&output));
    for (i, parameters) in options().into_iter().enumerate() {
        let (with_defaults, _) = language_extensions(&template_path(), &parameters, "defaults");
        let path = dir.join(format!("options-{i}.json"));
        std::fs::write(&path, with_defaults.to_string()).unwrap();
        let output = validate(&path);
        assert!(output.status.success(), "sam validate with {parameters}: {}", describe(&output));
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn sam_build_builds_every_function_and_the_layer_offline_for_either_architecture() {
    let dir = scratch_dir("sam-build");
    // The template's default (arm64), then x86_64 as scripts/deploy asks for it.
    for (arch, environment, overrides) in
        [("arm64", None, None), ("x86_64", Some("x86_64"), Some("Architecture=x86_64"))]
    {
        let build = dir.join(format!("build-{arch}"));
        let mut sam = offline(&venv_tool("sam", "sam"), &dir);
        sam.args(["build", "--template-file"]).arg(template_path()).arg("--build-dir").arg(&build).current_dir(&dir);
        sam.env_remove("TOOLBOX_ARCH");
        if let Some(value) = environment {
            sam.env("TOOLBOX_ARCH", value);
        }
        if let Some(overrides) = overrides {
            sam.args(["--parameter-overrides", overrides]);
        }
        let output = run(&mut sam);
        assert!(output.status.success(), "sam build ({arch}): {}", describe(&output));

        let expected = toolbox_pack::arch::Architecture::parse(arch).unwrap();
        for (logical_id, function) in function_ids() {
            let (logical_id, function) = (logical_id.as_str(), function.as_str());
            let bootstrap = build.join(logical_id).join("bootstrap");
            let bytes = std::fs::read(&bootstrap)
                .unwrap_or_else(|e| panic!("{}: {e}\n{}", bootstrap.display(), describe(&output)));
            assert_eq!(toolbox_pack::arch::Architecture::of_elf(&bytes), Ok(expected), "{logical_id}");
            let installed =
                std::fs::read(target_dir().join(crate::lambda_dir(arch)).join(function).join("bootstrap")).unwrap();
            assert!(
                bytes == installed,
                "{logical_id}: sam packaged something other than scripts/build's {arch} bootstrap"
            );
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&bootstrap).unwrap().permissions().mode();
            assert_eq!(mode & 0o111, 0o111, "{logical_id}: bootstrap is executable");
        }
        let manifest = toolbox_layer::Manifest::read(&build.join("JiebaLayer/toolbox/manifest.json")).unwrap();
        assert_eq!(manifest.name, "toolbox-jieba");
        assert!(build.join("JiebaLayer/toolbox/dict/dict.txt").is_file());
        // The built template points each resource at its build directory.
        let built_template = std::fs::read_to_string(build.join("template.yaml")).unwrap();
        assert!(built_template.contains("CodeUri: HelloFunction"), "{built_template}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Every tool as (logical id, name), read from template.yaml (the one list).
fn function_ids() -> Vec<(String, String)> {
    let template = toolbox_local::template::Template::load(&template_path(), &Default::default()).unwrap();
    template.functions.into_iter().map(|f| (f.logical_id, f.name)).collect()
}

#[test]
fn every_tool_in_the_template_has_a_crate_and_every_crate_a_template_entry() {
    let mut listed: Vec<String> = crate::functions();
    listed.sort();
    let mut crates: Vec<String> = std::fs::read_dir(crate::repo_root().join("functions"))
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().join("Cargo.toml").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    crates.sort();
    assert_eq!(listed, crates, "template.yaml's functions and the crates under functions/ differ");
}

/// template.yaml as JSON, parsed by cfn-lint's decoder (it knows the `!Ref`
/// short forms).
fn parsed_template() -> Value {
    const SCRIPT: &str = "import json, sys\nfrom cfnlint.decode import decode\n\
        template, errors = decode(sys.argv[1])\nif errors: sys.exit(str(errors))\nprint(json.dumps(template))";
    let output = run(Command::new(venv_tool("cfn-lint", "python")).arg("-c").arg(SCRIPT).arg(template_path()));
    assert!(output.status.success(), "cannot parse template.yaml: {}", describe(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn template_declares_the_functions_layer_and_api() {
    let t = parsed_template();
    let globals = &t["Globals"]["Function"];
    assert_eq!(globals["Runtime"], "provided.al2023");
    assert_eq!(globals["Handler"], "bootstrap");
    // Every function runs on the Architecture parameter, arm64 by default.
    assert_eq!(globals["Architectures"], json!([{"Ref": "Architecture"}]));
    let architecture = &t["Parameters"]["Architecture"];
    assert_eq!(
        (&architecture["Default"], &architecture["AllowedValues"]),
        (&json!("arm64"), &json!(["arm64", "x86_64"]))
    );
    assert_eq!(globals["MemorySize"], 128);
    assert_eq!(globals["Timeout"], 3);
    assert_eq!(
        globals["Layers"],
        json!([
            {"Fn::If": ["CreateLayer", {"Ref": "JiebaLayer"},
                {"Fn::If": ["NoDefaultLayer", {"Ref": "AWS::NoValue"}, {"Ref": "JiebaLayerArn"}]}]},
            {"Fn::If": ["CreateBigLayer", {"Ref": "JiebaBigLayer"},
                {"Fn::If": ["BigLayerGiven", {"Ref": "BigDictionaryLayer"}, {"Ref": "AWS::NoValue"}]}]},
            {"Fn::If": ["HasUserDict", {"Ref": "UserDictLayerArn"}, {"Ref": "AWS::NoValue"}]}
        ])
    );
    assert!(t["Globals"]["HttpApi"]["CorsConfiguration"]["AllowOrigins"].is_array(), "CORS in Globals");
    assert_eq!(globals["LoggingConfig"]["LogFormat"], json!({"Ref": "LogFormat"}));
    // Other stacks import the API's URL and the layer version by name.
    for output in ["ApiUrl", "JiebaLayerVersionArn"] {
        assert_eq!(
            t["Outputs"][output]["Export"]["Name"],
            json!({"Fn::Sub": format!("${{AWS::StackName}}-{output}")}),
            "{output} is exported"
        );
    }

    let resources = t["Resources"].as_object().unwrap();
    for (logical_id, function) in function_ids() {
        let (logical_id, function) = (logical_id.as_str(), function.as_str());
        let resource = &resources[logical_id];
        assert_eq!(resource["Type"], "AWS::Serverless::Function", "{logical_id}");
        assert_eq!(resource["Metadata"]["BuildMethod"], "makefile", "{logical_id}");
        assert!(resource["Properties"].get("Architectures").is_none(), "{logical_id} sets its own Architectures");
        let mut routes: Vec<(String, String)> = resource["Properties"]["Events"]
            .as_object()
            .unwrap()
            .values()
            .map(|event| {
                assert_eq!(event["Type"], "HttpApi", "{logical_id}");
                let p = &event["Properties"];
                (p["Method"].as_str().unwrap().to_string(), p["Path"].as_str().unwrap().to_string())
            })
            .collect();
        routes.sort();
        let expected: Vec<(String, String)> = match function {
            // The page and the API's document (docs/playground.md).
            "playground" => vec![("GET".into(), "/".into()), ("GET".into(), "/openapi.json".into())],
            _ => vec![("GET".into(), format!("/{function}")), ("POST".into(), format!("/{function}"))],
        };
        assert_eq!(routes, expected, "{logical_id}");
    }
    assert_eq!(
        resources["RandomImageFunction"]["Properties"]["Environment"]["Variables"]["IMAGE_URLS"],
        json!({"Ref": "ImageUrls"})
    );
    assert_eq!(t["Parameters"]["ImageUrls"]["Default"], "");

    let layer = &resources["JiebaLayer"];
    assert_eq!(layer["Type"], "AWS::Serverless::LayerVersion");
    assert_eq!(layer["Condition"], "CreateLayer");
    let p = &layer["Properties"];
    assert_eq!(p["LayerName"], "toolbox-jieba");
    assert_eq!(p["CompatibleRuntimes"], json!(["provided.al2023"]));
    assert_eq!(p["CompatibleArchitectures"], json!(["x86_64", "arm64"]), "one data-only layer for both");
    assert_eq!(p["RetentionPolicy"], "Retain");

    assert_eq!(t["Parameters"]["JiebaLayerArn"]["Default"], "");
    assert_eq!(t["Parameters"]["LayerShareAccountIds"]["Type"], "CommaDelimitedList");
    assert_eq!(t["Parameters"]["LayerShareAccountIds"]["Default"], "");
    assert_eq!(t["Parameters"]["LayerShareOrganizationId"]["Default"], "");
    assert!(t["Outputs"]["ApiUrl"]["Value"].is_object());
    assert!(t["Outputs"]["JiebaLayerVersionArn"]["Value"].is_object());
}

/// Which `AWS::Lambda::LayerVersionPermission` resources a deployment with
/// these parameters creates, and their principals, by evaluating the
/// template's own Conditions and Principal expressions.
fn permissions(t: &Value, parameters: &[(&str, &str)]) -> Vec<(String, String)> {
    permissions_of(t, "JiebaLayer", parameters)
}

/// [`permissions`] on `layer` (a layer resource's logical id).
fn permissions_of(t: &Value, layer: &str, parameters: &[(&str, &str)]) -> Vec<(String, String)> {
    let eval = Evaluator { t, parameters };
    let mut out = Vec::new();
    for (id, resource) in t["Resources"].as_object().unwrap() {
        if resource["Type"] != "AWS::Lambda::LayerVersionPermission"
            || resource["Properties"]["LayerVersionArn"] != json!({"Ref": layer})
        {
            continue;
        }
        let created = resource.get("Condition").is_none_or(|c| eval.condition(c.as_str().unwrap()));
        if created {
            let p = &resource["Properties"];
            assert_eq!(p["Action"], "lambda:GetLayerVersion", "{id}");
            let mut principal = eval.value(&p["Principal"]).as_str().unwrap().to_string();
            if let Some(org) = p.get("OrganizationId") {
                principal = format!("{principal} in {}", eval.value(org).as_str().unwrap());
            }
            out.push((id.clone(), principal));
        }
    }
    out
}

/// Just enough of CloudFormation's intrinsic functions for the Conditions.
struct Evaluator<'a> {
    t: &'a Value,
    parameters: &'a [(&'a str, &'a str)],
}

impl Evaluator<'_> {
    fn parameter(&self, name: &str) -> Value {
        let declared = &self.t["Parameters"][name];
        assert!(declared.is_object(), "unknown parameter {name}");
        let raw = self.parameters.iter().find(|(n, _)| *n == name).map(|(_, v)| *v);
        let raw = raw.unwrap_or_else(|| declared["Default"].as_str().unwrap());
        if declared["Type"] == "CommaDelimitedList" {
            json!(raw.split(',').collect::<Vec<_>>())
        } else {
            json!(raw)
        }
    }

    fn condition(&self, name: &str) -> bool {
        let expression = &self.t["Conditions"][name];
        assert!(!expression.is_null(), "unknown condition {name}");
        self.value(expression).as_bool().unwrap()
    }

    fn value(&self, v: &Value) -> Value {
        let Some((function, args)) = v.as_object().and_then(|o| o.iter().next()) else {
            return v.clone();
        };
        let arg = |i: usize| self.value(&args[i]);
        match function.as_str() {
            // AWS::NoValue drops the list item or key: Null here, filtered by the caller.
            "Ref" if args == "AWS::NoValue" => Value::Null,
            // A resource stands for itself.
            "Ref" if self.t["Resources"][args.as_str().unwrap()].is_object() => v.clone(),
            "Ref" => self.parameter(args.as_str().unwrap()),
            "Fn::If" => match self.condition(args[0].as_str().unwrap()) {
                true => arg(1),
                false => arg(2),
            },
            "Condition" => json!(self.condition(args.as_str().unwrap())),
            "Fn::Equals" => json!(arg(0) == arg(1)),
            "Fn::Not" => json!(!arg(0).as_bool().unwrap()),
            "Fn::And" => json!(args.as_array().unwrap().iter().all(|a| self.value(a).as_bool().unwrap())),
            "Fn::Or" => json!(args.as_array().unwrap().iter().any(|a| self.value(a).as_bool().unwrap())),
            "Fn::Join" => {
                let items: Vec<String> =
                    arg(1).as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_string()).collect();
                json!(items.join(args[0].as_str().unwrap()))
            }
            "Fn::Split" => json!(arg(1).as_str().unwrap().split(args[0].as_str().unwrap()).collect::<Vec<_>>()),
            "Fn::Select" => {
                let index = args[0].as_u64().unwrap() as usize;
                let list = arg(1);
                let items = list.as_array().unwrap();
                assert!(index < items.len(), "Fn::Select index {index} out of range: the stack would fail");
                items[index].clone()
            }
            "Fn::Sub" => {
                let mut text = args[0].as_str().unwrap().to_string();
                for (name, expression) in args[1].as_object().unwrap() {
                    text = text.replace(&format!("${{{name}}}"), self.value(expression).as_str().unwrap());
                }
                assert!(!text.contains("${"), "unresolved Fn::Sub variable in {text}");
                json!(text)
            }
            other => panic!("the evaluator does not know {other}"),
        }
    }
}

#[test]
fn layer_sharing_follows_the_parameters() {
    let t = parsed_template();
    assert_eq!(permissions(&t, &[]), vec![], "nothing is shared by default");

    let two = permissions(&t, &[("LayerShareAccountIds", "111111111111,222222222222")]);
    assert_eq!(
        two,
        vec![
            ("LayerPermissionAccount1".to_string(), "111111111111".to_string()),
            ("LayerPermissionAccount2".to_string(), "222222222222".to_string())
        ]
    );
    let five = "111111111111,222222222222,333333333333,444444444444,555555555555";
    assert_eq!(permissions(&t, &[("LayerShareAccountIds", five)]).len(), 5, "up to five accounts");

    let org = permissions(&t, &[("LayerShareOrganizationId", "o-abcdef1234")]);
    assert_eq!(org, vec![("LayerPermissionOrganization".to_string(), "* in o-abcdef1234".to_string())]);

    // With an existing layer ARN nothing is created, so nothing is shared.
    let arn = "arn:aws:lambda:us-east-1:123456789012:layer:toolbox-jieba:3";
    let consumer = [
        ("JiebaLayerArn", arn),
        ("LayerShareAccountIds", "111111111111"),
        ("LayerShareOrganizationId", "o-abcdef1234"),
    ];
    assert_eq!(permissions(&t, &consumer), vec![]);
    let eval = Evaluator { t: &t, parameters: &consumer };
    assert!(!eval.condition("CreateLayer"));
    assert_eq!(eval.value(&t["Outputs"]["JiebaLayerVersionArn"]["Value"]["Fn::If"][2]), json!(arn));
}

/// The layers every function gets, in order (Globals), for `parameters`.
fn function_layers(t: &Value, parameters: &[(&str, &str)]) -> Vec<Value> {
    let eval = Evaluator { t, parameters };
    let layers = t["Globals"]["Function"]["Layers"].as_array().expect("Globals.Function.Layers");
    layers.iter().map(|l| eval.value(l)).filter(|v| !v.is_null()).collect()
}

#[test]
fn a_user_dictionary_layer_is_attached_after_the_jieba_layer_when_given() {
    let t = parsed_template();
    assert_eq!(function_layers(&t, &[]), vec![json!({"Ref": "JiebaLayer"})], "no user dictionary by default");
    let user = "arn:aws:lambda:us-east-1:123456789012:layer:toolbox-userdict:2";
    let layers = function_layers(&t, &[("UserDictLayerArn", user)]);
    assert_eq!(layers.len(), 2);
    assert_eq!(layers[1], json!(user), "the user layer comes second, so Lambda unpacks it beside the jieba layer");
    let shared = "arn:aws:lambda:us-east-1:210987654321:layer:toolbox-jieba:7";
    let layers = function_layers(&t, &[("UserDictLayerArn", user), ("JiebaLayerArn", shared)]);
    assert_eq!(layers, vec![json!(shared), json!(user)]);
}

/// jieba's big dictionary (issue 19): created, or an ARN, attached after the
/// default layer or instead of it; the default dictionary the functions are
/// told; the stack's sharing applies to it too; and the template's Rules
/// refuse a default dictionary whose layer is not attached.
#[test]
fn the_big_dictionary_layer_is_attached_beside_or_instead_of_the_default_one() {
    let t = parsed_template();
    let big = "arn:aws:lambda:us-east-1:123456789012:layer:toolbox-jieba-big:2";
    let user = "arn:aws:lambda:us-east-1:123456789012:layer:toolbox-userdict-big:1";
    assert_eq!(function_layers(&t, &[("BigDictionaryLayer", "none")]), vec![json!({"Ref": "JiebaLayer"})]);
    assert_eq!(
        function_layers(&t, &[("BigDictionaryLayer", "create")]),
        vec![json!({"Ref": "JiebaLayer"}), json!({"Ref": "JiebaBigLayer"})]
    );
    let instead = [("BigDictionaryLayer", big), ("JiebaLayerArn", "none"), ("UserDictLayerArn", user)];
    assert_eq!(function_layers(&t, &instead), vec![json!(big), json!(user)]);
    assert_eq!(
        t["Globals"]["Function"]["Environment"]["Variables"]["TOOLBOX_DICTIONARY"],
        json!({"Ref": "DefaultDictionary"})
    );
    let layer = &t["Resources"]["JiebaBigLayer"];
    assert_eq!(
        (layer["Condition"].as_str(), layer["Properties"]["LayerName"].as_str()),
        (Some("CreateBigLayer"), Some("toolbox-jieba-big"))
    );

    let shared = [("BigDictionaryLayer", "create"), ("LayerShareAccountIds", "111111111111,222222222222")];
    let principals: Vec<String> = permissions_of(&t, "JiebaBigLayer", &shared).into_iter().map(|(_, p)| p).collect();
    assert_eq!(principals, ["111111111111", "222222222222"]);
    let not_created = [("BigDictionaryLayer", big), ("LayerShareAccountIds", "111111111111")];
    assert_eq!(permissions_of(&t, "JiebaBigLayer", &not_created), vec![]);

    let rules_hold = |parameters: &[(&str, &str)]| {
        let eval = Evaluator { t: &t, parameters };
        t["Rules"].as_object().unwrap().values().all(|rule| {
            let applies = rule.get("RuleCondition").is_none_or(|c| eval.value(c).as_bool().unwrap());
            !applies
                || rule["Assertions"].as_array().unwrap().iter().all(|a| eval.value(&a["Assert"]).as_bool().unwrap())
        })
    };
    assert!(rules_hold(&[]));
    assert!(rules_hold(&[("DefaultDictionary", "big"), ("BigDictionaryLayer", "create")]));
    assert!(rules_hold(&instead.iter().copied().chain([("DefaultDictionary", "big")]).collect::<Vec<_>>()));
    assert!(!rules_hold(&[("DefaultDictionary", "big")]), "big as the default needs its layer");
    assert!(!rules_hold(&[("JiebaLayerArn", "none")]), "no default layer needs the big one as the default");
}

/// template.yaml after AWS::LanguageExtensions and the SAM transform
/// (aws-sam-translator, offline), as CloudFormation applies them with
/// `parameters`; code URIs stand in as S3.
fn transformed(parameters: Value) -> Value {
    const SCRIPT: &str = r##"
import json, sys
from samtranslator.translator.transform import transform

class NoManagedPolicies:
    def load(self):
        return {}

template = json.loads(sys.argv[1])
for resource in template["Resources"].values():
    for key in ("CodeUri", "ContentUri"):
        if key in resource.get("Properties", {}):
            resource["Properties"][key] = "s3://bucket/" + key
parameters = dict(json.loads(sys.argv[2]), **{"AWS::Region": "us-east-1", "AWS::AccountId": "123456789012", "AWS::Partition": "aws"})
print(json.dumps(transform(template, parameters, NoManagedPolicies())))
"##;
    let (expanded, values) = language_extensions(&template_path(), &parameters, "full");
    let output = run(Command::new(venv_tool("sam", "python"))
        .env("AWS_DEFAULT_REGION", "us-east-1")
        .arg("-c")
        .arg(SCRIPT)
        .arg(expanded.to_string())
        .arg(values.to_string()));
    assert!(output.status.success(), "SAM transform: {}", describe(&output));
    serde_json::from_slice(&output.stdout).unwrap()
}

#[test]
fn every_deployed_function_runs_on_the_architecture_parameter() {
    // After the SAM transform: each function (Globals merged in) names the
    // parameter, and both layer versions (the default dictionary's and the
    // big one's, each behind its condition) declare both architectures.
    let t = transformed(json!({}));
    let of_type = |kind: &str| -> Vec<Value> {
        t["Resources"].as_object().unwrap().values().filter(|r| r["Type"] == kind).cloned().collect()
    };
    let functions = of_type("AWS::Lambda::Function");
    assert_eq!(functions.len(), function_ids().len());
    for function in &functions {
        assert_eq!(function["Properties"]["Architectures"], json!([{"Ref": "Architecture"}]), "{function}");
    }
    let layers = of_type("AWS::Lambda::LayerVersion");
    assert_eq!(layers.len(), 2, "{layers:?}");
    for layer in &layers {
        assert_eq!(layer["Properties"]["CompatibleArchitectures"], json!(["x86_64", "arm64"]), "{layer}");
    }
    // Which CloudFormation resolves to arm64 unless told otherwise.
    let parsed = parsed_template();
    let architecture = &parsed["Globals"]["Function"]["Architectures"][0];
    for (parameters, arch) in [(vec![], "arm64"), (vec![("Architecture", "x86_64")], "x86_64")] {
        assert_eq!(Evaluator { t: &parsed, parameters: &parameters }.value(architecture), json!(arch));
    }
}

#[test]
fn every_function_publishes_a_live_alias_and_rolls_out_as_the_parameter_says() {
    let functions = function_ids().len();
    let of_type = |t: &Value, kind: &str| -> Vec<Value> {
        t["Resources"].as_object().unwrap().values().filter(|r| r["Type"] == kind).cloned().collect()
    };

    // Default: an alias `live` per function, switched at once (no CodeDeploy).
    let at_once = transformed(json!({}));
    let aliases = of_type(&at_once, "AWS::Lambda::Alias");
    assert_eq!(aliases.len(), functions);
    assert!(aliases.iter().all(|a| a["Properties"]["Name"] == "live"), "{aliases:?}");
    assert!(of_type(&at_once, "AWS::CodeDeploy::DeploymentGroup").is_empty());

    // A canary: CodeDeploy shifts each function's alias, rolled back on that function's errors.
    let canary = transformed(json!({"DeploymentPreferenceType": "Canary10Percent5Minutes"}));
    assert_eq!(of_type(&canary, "AWS::CodeDeploy::DeploymentGroup").len(), functions);
    for (logical_id, _) in function_ids() {
        let p = &canary["Resources"][format!("{logical_id}DeploymentGroup")]["Properties"];
        assert_eq!(p["DeploymentConfigName"]["Fn::Sub"][1]["ConfigName"], "Canary10Percent5Minutes", "{p}");
        let alarm = format!("{logical_id}Errors");
        assert_eq!(p["AlarmConfiguration"]["Alarms"], json!([{"Name": {"Ref": alarm}}]), "{p}");
        let alarm = &canary["Resources"][&alarm];
        assert_eq!(alarm["Condition"], "GradualDeployment");
        assert_eq!(alarm["Properties"]["Dimensions"], json!([{"Name": "FunctionName", "Value": {"Ref": logical_id}}]));
    }
}

/// Every route's operation in the HTTP API's OpenAPI body, as (route, operation).
fn operations(t: &Value) -> Vec<(String, Value)> {
    let paths = t["Resources"]["ToolboxApi"]["Properties"]["Body"]["paths"].as_object().unwrap();
    let mut out = Vec::new();
    for (path, methods) in paths {
        for (method, operation) in methods.as_object().unwrap() {
            out.push((format!("{method} {path}"), operation.clone()));
        }
    }
    out
}

#[test]
fn throttling_jwt_and_function_urls_reach_the_deployed_resources_as_the_parameters_say() {
    let functions = function_ids();
    let of_type = |t: &Value, kind: &str| -> Vec<(String, Value)> {
        let resources = t["Resources"].as_object().unwrap();
        resources.iter().filter(|(_, r)| r["Type"] == kind).map(|(k, r)| (k.clone(), r.clone())).collect()
    };
    let stage = |t: &Value| t["Resources"]["ToolboxApiApiGatewayDefaultStage"]["Properties"].clone();

    // Default: throttled at 10/s with a burst of 20 per route, open, no URLs.
    let default = transformed(json!({}));
    assert_eq!(
        stage(&default)["DefaultRouteSettings"],
        json!({"ThrottlingRateLimit": 10, "ThrottlingBurstLimit": 20, "DetailedMetricsEnabled": false})
    );
    let routes = operations(&default);
    assert_eq!(routes.len(), 2 * functions.len(), "{routes:?}");
    assert!(routes.iter().all(|(_, op)| op.get("security").is_none()), "{routes:?}");
    assert!(default["Resources"]["ToolboxApi"]["Properties"]["Body"].pointer("/components/securitySchemes").is_none());
    assert!(of_type(&default, "AWS::Lambda::Url").is_empty());
    for (logical_id, _) in &functions {
        assert_eq!(default["Outputs"][format!("{logical_id}Url")]["Condition"], "FunctionUrls");
    }

    // Throttling as given.
    // Throttling as given; ApiRouteMetrics turns the detailed (per-route) metrics on.
    let slow = transformed(json!({"ThrottlingRateLimit": 2, "ThrottlingBurstLimit": 3, "ApiRouteMetrics": "On"}));
    assert_eq!(
        stage(&slow)["DefaultRouteSettings"],
        json!({"ThrottlingRateLimit": 2, "ThrottlingBurstLimit": 3, "DetailedMetricsEnabled": true})
    );

    // A JWT issuer: every route needs a token from it, with one of the scopes.
    let jwt = transformed(json!({
        "JwtIssuer": "https://issuer.example.com", "JwtAudience": "a,b", "JwtScopes": "tools/read"
    }));
    // The playground's page and contract stay public (no authorizer).
    let public = |route: &str| route == "get /" || route == "get /openapi.json";
    let routes = operations(&jwt);
    assert_eq!(routes.iter().filter(|(route, _)| public(route)).count(), 2, "{routes:?}");
    for (route, op) in routes {
        let expected = if public(&route) { json!([{"NONE": []}]) } else { json!([{"ToolboxJwt": ["tools/read"]}]) };
        assert_eq!(op["security"], expected, "{route}");
    }
    let scheme = &jwt["Resources"]["ToolboxApi"]["Properties"]["Body"]["components"]["securitySchemes"]["ToolboxJwt"];
    let authorizer = &scheme["x-amazon-apigateway-authorizer"];
    assert_eq!(authorizer["type"], "jwt", "{scheme}");
    assert_eq!(authorizer["identitySource"], "$request.header.Authorization", "{scheme}");
    assert_eq!(
        authorizer["jwtConfiguration"],
        json!({"issuer": "https://issuer.example.com", "audience": ["a", "b"]}),
        "{scheme}"
    );
    // Without scopes a token needs none.
    let any_scope = transformed(json!({"JwtIssuer": "https://issuer.example.com", "JwtAudience": "a"}));
    for (route, op) in operations(&any_scope).into_iter().filter(|(route, _)| !public(route)) {
        assert_eq!(op["security"], json!([{"ToolboxJwt": []}]), "{route}");
    }

    // Function URLs: one per function, on its alias live, with the AuthType given;
    // NONE also lets anyone invoke it through the URL (and only through it).
    for auth_type in ["NONE", "AWS_IAM"] {
        let urls = transformed(json!({"FunctionUrlAuthType": auth_type}));
        let made = of_type(&urls, "AWS::Lambda::Url");
        assert_eq!(made.len(), functions.len(), "{made:?}");
        for (logical_id, _) in &functions {
            let url = &urls["Resources"][format!("{logical_id}Url")]["Properties"];
            assert_eq!(url["AuthType"], auth_type, "{url}");
            assert_eq!(url["TargetFunctionArn"], json!({"Ref": format!("{logical_id}Aliaslive")}), "{url}");
            let output = &urls["Outputs"][format!("{logical_id}Url")];
            assert_eq!(output["Value"], json!({"Fn::GetAtt": [format!("{logical_id}Url"), "FunctionUrl"]}), "{output}");
        }
        let public: Vec<_> = of_type(&urls, "AWS::Lambda::Permission")
            .into_iter()
            .filter(|(_, p)| p["Properties"]["FunctionUrlAuthType"] == "NONE")
            .collect();
        assert_eq!(public.len(), if auth_type == "NONE" { functions.len() } else { 0 }, "{public:?}");
    }
}

/// The dashboard's body as CloudFormation would render it with
/// `parameters`: Fn::Join, Fn::If and Fn::Sub evaluated, a resource's name
/// standing in as `<LogicalId>`, the region as us-east-1; then parsed, so
/// a body that is not JSON fails here.
fn dashboard_body(t: &Value, parameters: &[(&str, &str)]) -> Value {
    fn render(eval: &Evaluator, v: &Value) -> String {
        if let Some(text) = v.as_str() {
            return text.to_owned();
        }
        let (function, args) = v.as_object().and_then(|o| o.iter().next()).expect("an intrinsic");
        match function.as_str() {
            "Fn::Join" => {
                let items = args[1].as_array().expect("Fn::Join's list");
                let parts: Vec<String> = items.iter().map(|i| render(eval, i)).collect();
                parts.join(args[0].as_str().unwrap())
            }
            "Fn::If" => match eval.condition(args[0].as_str().unwrap()) {
                true => render(eval, &args[1]),
                false => render(eval, &args[2]),
            },
            "Fn::Sub" => {
                let (text, own) = match args {
                    Value::String(text) => (text.as_str(), serde_json::Map::new()),
                    _ => (args[0].as_str().unwrap(), args[1].as_object().unwrap().clone()),
                };
                let mut out = String::new();
                let mut rest = text;
                while let Some(at) = rest.find("${") {
                    out.push_str(&rest[..at]);
                    let end = rest[at..].find('}').expect("a closed ${") + at;
                    let name = &rest[at + 2..end];
                    let value = if let Some(var) = own.get(name) {
                        render(eval, var)
                    } else if name == "AWS::Region" {
                        "us-east-1".into()
                    } else if name == "AWS::StackName" {
                        "stack".into()
                    } else if eval.t["Resources"][name].is_object() {
                        format!("<{name}>")
                    } else {
                        eval.parameter(name).as_str().unwrap_or_else(|| panic!("${{{name}}}")).to_owned()
                    };
                    out.push_str(&value);
                    rest = &rest[end + 1..];
                }
                out.push_str(rest);
                out
            }
            other => panic!("the dashboard's renderer does not know {other}"),
        }
    }
    let eval = Evaluator { t, parameters };
    let body = render(&eval, &t["Resources"]["Dashboard"]["Properties"]["DashboardBody"]);
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("the dashboard's body is not JSON ({e}): {body}"))
}

/// Every metric a dashboard's graphs name, as (namespace, metric, how):
/// `how` is the statistic of a plain metric, or `search` with the
/// dimensions a SEARCH expression names (`FunctionName="<X>" OR ...`).
fn dashboard_metrics(body: &Value) -> Vec<(String, String, String)> {
    let mut out = Vec::new();
    for widget in body["widgets"].as_array().unwrap() {
        if widget["type"] != "metric" {
            continue;
        }
        let p = &widget["properties"];
        assert_eq!(p["region"], "us-east-1", "{widget}");
        for metric in p["metrics"].as_array().unwrap() {
            let metric = metric.as_array().unwrap();
            if let Some(expression) = metric[0].get("expression").and_then(Value::as_str) {
                let Some(search) = expression.strip_prefix("SEARCH('{") else { continue };
                let (schema, terms) = search.split_once('}').unwrap();
                let namespace = schema.split(',').next().unwrap().trim_matches('"');
                let name = terms.split("MetricName=\"").nth(1).and_then(|n| n.split('"').next()).unwrap();
                out.push((namespace.to_owned(), name.to_owned(), format!("search {terms}")));
            } else {
                let stat = metric.last().and_then(|o| o.get("stat")).or(p.get("stat")).and_then(Value::as_str);
                let text = |i: usize| metric[i].as_str().unwrap().to_owned();
                out.push((
                    text(0),
                    text(1),
                    format!("{} {}", stat.unwrap(), metric[2..].iter().map(Value::to_string).collect::<String>()),
                ));
            }
        }
    }
    out
}

/// Issue 23, item 2: the dashboard graphs the HTTP API (its own metric
/// names, by ApiId), every function's Lambda metrics, and every EMF metric
/// the functions emit (gateway's METRIC_NAMES, which its tests tie to the
/// record) in the MetricsNamespace; with Metrics=Off none of those. Its
/// name and URL are outputs.
#[test]
fn the_dashboard_graphs_the_api_every_function_and_every_metric_the_functions_emit() {
    let t = parsed_template();
    let functions = function_ids();
    let metrics = dashboard_metrics(&dashboard_body(&t, &[("MetricsNamespace", "team-a/tools #1")]));
    let named = |namespace: &str| -> std::collections::BTreeSet<String> {
        metrics.iter().filter(|(n, _, _)| n == namespace).map(|(_, m, _)| m.clone()).collect()
    };

    let emf = named("team-a/tools #1");
    let emitted: std::collections::BTreeSet<String> =
        toolbox_gateway::metrics::METRIC_NAMES.iter().map(|m| m.to_string()).collect();
    assert_eq!(emf, emitted, "the dashboard's EMF metrics and what gateway/src/metrics.rs emits");

    // An HTTP API's metrics (a REST API's are Count, 4XXError, 5XXError by ApiName).
    assert_eq!(named("AWS/ApiGateway"), ["4xx", "5xx", "Count", "Latency"].map(String::from).into());
    for (namespace, name, how) in &metrics {
        if namespace == "AWS/ApiGateway" {
            assert!(how.contains("\"ApiId\"\"<ToolboxApi>\""), "{name}: {how}");
        }
    }
    let latency: Vec<&String> = metrics.iter().filter(|(_, m, _)| m == "Latency").map(|(_, _, how)| how).collect();
    assert!(
        latency.iter().any(|h| h.starts_with("p50")) && latency.iter().any(|h| h.starts_with("p99")),
        "{latency:?}"
    );

    // Lambda's, for exactly this stack's functions.
    assert_eq!(
        named("AWS/Lambda"),
        ["ConcurrentExecutions", "Duration", "Errors", "Throttles"].map(String::from).into()
    );
    for (_, name, how) in metrics.iter().filter(|(n, _, _)| n == "AWS/Lambda") {
        let listed: Vec<&str> = how.match_indices("FunctionName=\"<").map(|(i, _)| &how[i + 15..]).collect();
        let mut listed: Vec<&str> = listed.iter().map(|l| l.split('>').next().unwrap()).collect();
        listed.sort();
        let mut expected: Vec<&str> = functions.iter().map(|(id, _)| id.as_str()).collect();
        expected.sort();
        assert_eq!(listed, expected, "{name}: every function, once");
    }

    // ApiRouteMetrics=On: API Gateway's own metrics by route too, for this API.
    let by_route = dashboard_metrics(&dashboard_body(&t, &[("ApiRouteMetrics", "On")]));
    let routed: std::collections::BTreeSet<String> = by_route
        .iter()
        .filter(|(n, _, how)| n == "AWS/ApiGateway" && how.starts_with("search"))
        .map(|(_, name, how)| {
            assert!(how.contains("ApiId=\"<ToolboxApi>\""), "{name}: {how}");
            name.clone()
        })
        .collect();
    assert_eq!(routed, ["4xx", "5xx", "Count", "Latency"].map(String::from).into());
    assert_eq!(by_route.len(), metrics.len() + 5, "requests, 4xx, 5xx, p50, p99 by route");

    // Metrics off: no EMF graphs, the rest unchanged.
    let off = dashboard_metrics(&dashboard_body(&t, &[("Metrics", "Off")]));
    assert!(off.iter().all(|(n, _, _)| n.starts_with("AWS/")), "{off:?}");
    assert_eq!(
        off.len(),
        metrics.iter().filter(|(n, _, _)| n.starts_with("AWS/")).count() - 1,
        "all but the 4xx split"
    );

    let outputs = &t["Outputs"];
    assert_eq!(outputs["DashboardName"]["Value"], json!({"Ref": "Dashboard"}));
    let url = outputs["DashboardUrl"]["Value"]["Fn::Sub"].as_str().unwrap();
    assert!(
        url.starts_with("https://${AWS::Region}.console.aws.amazon.com/cloudwatch/") && url.ends_with("${Dashboard}"),
        "{url}"
    );
}

/// The alarms after both transforms: the API's 5xx rate, and for every
/// function throttles and a p99 duration above 80 % of its timeout; they
/// notify an SNS topic mailing AlarmEmail only when it is given. Tracing
/// reaches every function (HTTP APIs have no X-Ray: no stage setting).
#[test]
fn alarms_notify_only_with_an_email_and_tracing_reaches_every_function() {
    let functions = function_ids();
    let parsed = parsed_template();
    let timeout_s = |id: &str| {
        let own = &parsed["Resources"][id]["Properties"]["Timeout"];
        if own.is_null() { &parsed["Globals"]["Function"]["Timeout"] } else { own }.as_f64().unwrap()
    };
    let quiet = transformed(json!({}));
    let mailed = transformed(json!({"AlarmEmail": "ops@example.com", "Tracing": "Active"}));
    for (t, mail) in [(&quiet, false), (&mailed, true)] {
        let resources = t["Resources"].as_object().unwrap();
        // What CloudFormation creates: a resource's Condition as the parameters have it.
        let email: &[(&str, &str)] = if mail { &[("AlarmEmail", "ops@example.com")] } else { &[] };
        let eval = Evaluator { t: &parsed, parameters: email };
        let created = |r: &&Value| r.get("Condition").is_none_or(|c| eval.condition(c.as_str().unwrap()));
        let topics: Vec<&Value> =
            resources.values().filter(|r| r["Type"] == "AWS::SNS::Topic").filter(created).collect();
        let actions = if mail { json!([{"Ref": "AlarmTopic"}]) } else { Value::Null };
        if mail {
            assert_eq!(topics.len(), 1);
            assert_eq!(
                topics[0]["Properties"]["Subscription"],
                json!([{"Protocol": "email", "Endpoint": "ops@example.com"}])
            );
        } else {
            assert!(topics.is_empty(), "{topics:?}");
        }
        let alarm = |id: &str| -> &Value {
            let alarm = &t["Resources"][id];
            assert_eq!(alarm["Type"], "AWS::CloudWatch::Alarm", "{id}");
            assert!(alarm.get("Condition").is_none(), "{id} exists with every option");
            assert_eq!(
                (&alarm["Properties"]["AlarmActions"], &alarm["Properties"]["OKActions"]),
                (&actions, &actions),
                "{id}"
            );
            &alarm["Properties"]
        };
        let rate = alarm("ApiErrorRate");
        let stats: Vec<(&Value, &Value)> = rate["Metrics"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|m| m.get("MetricStat"))
            .map(|s| (&s["Metric"]["Namespace"], &s["Metric"]["MetricName"]))
            .collect();
        assert_eq!(stats, [(&json!("AWS/ApiGateway"), &json!("5xx")), (&json!("AWS/ApiGateway"), &json!("Count"))]);
        assert_eq!(rate["Metrics"][0]["Expression"], "100 * errors / requests");
        for (id, _) in &functions {
            let dimensions = json!([{"Name": "FunctionName", "Value": {"Ref": id}}]);
            let duration = alarm(&format!("{id}Duration"));
            assert_eq!((&duration["MetricName"], &duration["ExtendedStatistic"]), (&json!("Duration"), &json!("p99")));
            assert_eq!(duration["Dimensions"], dimensions);
            assert_eq!(duration["Threshold"].as_f64(), Some(timeout_s(id) * 800.0), "{id}: 80 % of its timeout");
            let throttles = alarm(&format!("{id}Throttles"));
            assert_eq!((&throttles["MetricName"], &throttles["Dimensions"]), (&json!("Throttles"), &dimensions));
        }
        let lambdas: Vec<&Value> = resources.values().filter(|r| r["Type"] == "AWS::Lambda::Function").collect();
        assert_eq!(lambdas.len(), functions.len());
        // The parameter, which CloudFormation resolves to the mode asked for.
        let tracing: &[(&str, &str)] = if mail { &[("Tracing", "Active")] } else { &[] };
        let mode = Evaluator { t: &parsed, parameters: tracing }.value(&json!({"Ref": "Tracing"}));
        assert_eq!(mode, if mail { "Active" } else { "PassThrough" });
        for function in lambdas {
            assert_eq!(function["Properties"]["TracingConfig"], json!({"Mode": {"Ref": "Tracing"}}), "{function}");
        }
        // Their roles may write to X-Ray.
        let roles: Vec<&Value> = resources.values().filter(|r| r["Type"] == "AWS::IAM::Role").collect();
        assert_eq!(roles.len(), functions.len());
        for role in roles {
            let policies = role["Properties"]["ManagedPolicyArns"].to_string();
            assert!(policies.contains("AWSXrayWriteOnlyAccess"), "{policies}");
        }
    }
}
