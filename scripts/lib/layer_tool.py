"""Small helpers for scripts/publish-layer and scripts/share-layer.

Standard library only; run with the aws venv's python (or any python3).

  layer_tool.py sha256-b64 FILE   base64 of the file's SHA-256 (Lambda's CodeSha256)
  layer_tool.py zip-version FILE  the layer's content version, then its name (two lines), from
                                  the manifest in a layer zip: toolbox/manifest.json (the jieba
                                  layer), toolbox-big/manifest.json (the big dictionary's), or
                                  toolbox[-big]/userdict/manifest.json (a user layer)
  layer_tool.py policy            reads `aws lambda get-layer-version-policy` JSON on stdin,
                                  prints one line per statement: kind, grantee, action, sid
                                  (tab-separated, "-" for an empty field; kind is account,
                                  organization, public or other)

Errors are one line on stderr and exit status 1, never a traceback.
"""

import base64
import hashlib
import json
import re
import sys
import zipfile

# Where each kind of layer zip keeps its manifest, in the order looked for.
MANIFESTS = (
    "toolbox/manifest.json",
    "toolbox-big/manifest.json",
    "toolbox/userdict/manifest.json",
    "toolbox-big/userdict/manifest.json",
)


def fail(message):
    print(f"layer_tool: {message}", file=sys.stderr)
    sys.exit(1)


def sha256_b64(path):
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            for block in iter(lambda: f.read(1 << 20), b""):
                digest.update(block)
    except OSError as e:
        fail(f"cannot read {path}: {e.strerror}")
    print(base64.b64encode(digest.digest()).decode())


def zip_version(path):
    try:
        with zipfile.ZipFile(path) as z:
            names = set(z.namelist())
            found = next((m for m in MANIFESTS if m in names), None)
            if found is None:
                fail(f"{path} is not a toolbox layer zip: it has none of {', '.join(MANIFESTS)}")
            manifest = json.loads(z.read(found))
    except (OSError, zipfile.BadZipFile) as e:
        fail(f"{path} is not a readable zip file: {e}")
    except ValueError as e:
        fail(f"{path}: its manifest is not valid JSON: {e}")
    if not isinstance(manifest, dict) or not isinstance(manifest.get("version"), str):
        fail(f"{path}: {found} has no 'version'")
    name = manifest.get("name") if isinstance(manifest.get("name"), str) else ""
    print(manifest["version"])
    print(name)


def principal_of(statement):
    """The grantee of a statement, in AWS's shape or moto's."""
    principal = statement.get("Principal")
    if isinstance(principal, dict):
        principal = principal.get("AWS", "")
    if isinstance(principal, list):
        principal = ",".join(str(p) for p in principal)
    principal = str(principal or "")
    # AWS writes an account grant as arn:aws:iam::123456789012:root.
    m = re.fullmatch(r"arn:aws[a-z-]*:iam::(\d{12}):root", principal)
    return m.group(1) if m else principal


def organization_of(statement):
    if statement.get("OrganizationId"):  # moto
        return str(statement["OrganizationId"])
    condition = statement.get("Condition") or {}
    for operator in condition.values():  # AWS: StringEquals aws:PrincipalOrgID
        if isinstance(operator, dict):
            for key, value in operator.items():
                if key.lower() == "aws:principalorgid":
                    return ",".join(value) if isinstance(value, list) else str(value)
    return ""


def policy():
    try:
        response = json.load(sys.stdin)
        document = response["Policy"]
        if isinstance(document, str):
            document = json.loads(document)
        statements = document.get("Statement", [])
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        fail(f"unexpected layer version policy from AWS: {e}")
    if isinstance(statements, dict):
        statements = [statements]
    for statement in statements:
        if not isinstance(statement, dict):
            continue
        sid = str(statement.get("Sid", ""))
        action = statement.get("Action", "")
        action = ",".join(action) if isinstance(action, list) else str(action)
        principal = principal_of(statement)
        org = organization_of(statement)
        if statement.get("Effect", "Allow") != "Allow":
            kind, grantee = "other", f"{statement.get('Effect')} {principal}"
        elif principal == "*" and org:
            kind, grantee = "organization", org
        elif principal == "*":
            kind, grantee = "public", "*"
        elif re.fullmatch(r"\d{12}", principal):
            kind, grantee = "account", principal
        else:
            kind, grantee = "other", principal or "?"
        print("\t".join(field.replace("\t", " ") or "-" for field in (kind, grantee, action, sid)))


def main(argv):
    if len(argv) == 2 and argv[0] == "sha256-b64":
        sha256_b64(argv[1])
    elif len(argv) == 2 and argv[0] == "zip-version":
        zip_version(argv[1])
    elif argv == ["policy"]:
        policy()
    else:
        fail("usage: layer_tool.py sha256-b64 FILE | zip-version FILE | policy")


if __name__ == "__main__":
    main(sys.argv[1:])
