"""template.yaml as CloudFormation hands it on after AWS::LanguageExtensions,
for the parameter values given: what `sam deploy` and the tests' SAM
transform see.

    python language_extensions.py TEMPLATE PARAMETERS_JSON MODE

MODE `full`: every intrinsic the transform can resolve is resolved (SAM CLI's
own implementation of the transform, as `sam build --language-extensions`
runs it). MODE `if-only`: only the Fn::If under Resources and Outputs are
resolved (with the parameters their chosen branches name), everything else
is left as written; cfn-lint 1.51 cannot resolve an
Fn::If that SAM must read (it stops at "Invalid value for 'Auth' property"),
and the full expansion rewrites some Fn::Sub into plain strings cfn-lint then
flags, so the linter gets this one. MODE `defaults`: nothing resolved, the
values only become the parameters' defaults (for `sam validate`, which
applies the transform itself and takes no parameter values).

Prints the template as JSON.
"""

import copy
import json
import sys

from samcli.lib.cfn_language_extensions.api import create_default_pipeline, process_template
from samcli.lib.cfn_language_extensions.models import TemplateProcessingContext
from samcli.yamlhelper import yaml_parse

GONE = object()


def resolve_ifs(value, conditions, parameters, in_branch=False):
    """`value` with each Fn::If replaced by its branch for `conditions`, and
    what became AWS::NoValue removed (GONE at the top). Within a chosen
    branch a Ref to a parameter becomes its value too, as the transform
    leaves it: SAM reads some of those (AuthorizationScopes must be a list)."""
    if isinstance(value, dict) and list(value) == ["Fn::If"]:
        name, if_true, if_false = value["Fn::If"]
        return resolve_ifs(if_true if conditions[name] else if_false, conditions, parameters, True)
    if isinstance(value, dict) and value == {"Ref": "AWS::NoValue"}:
        return GONE
    if in_branch and isinstance(value, dict) and list(value) == ["Ref"] and value["Ref"] in parameters:
        return parameters[value["Ref"]]
    if isinstance(value, dict):
        out = {k: resolve_ifs(v, conditions, parameters, in_branch) for k, v in value.items()}
        return {k: v for k, v in out.items() if v is not GONE}
    if isinstance(value, list):
        out = (resolve_ifs(v, conditions, parameters, in_branch) for v in value)
        return [v for v in out if v is not GONE]
    return value


def main():
    path, given, mode = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
    template = yaml_parse(open(path, encoding="utf-8").read())
    values = {}
    for name, parameter in template.get("Parameters", {}).items():
        value = given.get(name, parameter.get("Default"))
        if parameter.get("Type") == "CommaDelimitedList" and isinstance(value, str):
            value = value.split(",")
        values[name] = value
    if mode == "if-only":
        context = TemplateProcessingContext(fragment=copy.deepcopy(template), parameter_values=values)
        create_default_pipeline(context).process_template(context)
        out = dict(template)
        for section in ("Resources", "Outputs"):
            if section in template:
                out[section] = resolve_ifs(template[section], context.resolved_conditions, values)
    elif mode == "full":
        out = process_template(template, values)
    elif mode == "defaults":
        # Not expanded: for tools that apply the transform themselves.
        out = dict(template)
    else:
        sys.exit(f"unknown mode {mode}")
    # The values given become the defaults, so a linter checks them too
    # (AllowedValues, patterns).
    out["Parameters"] = copy.deepcopy(template.get("Parameters", {}))
    for name, value in given.items():
        out["Parameters"][name]["Default"] = value
    if mode != "defaults":
        transforms = out.get("Transform", [])
        transforms = [transforms] if isinstance(transforms, str) else transforms
        out["Transform"] = [t for t in transforms if t != "AWS::LanguageExtensions"]
    print(json.dumps({"template": out, "parameters": values}))


main()
