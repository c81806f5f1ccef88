# shellcheck shell=bash disable=SC2034  # sourced: its variables are used by the scripts
# Shared by scripts/publish-layer, scripts/share-layer, scripts/deploy and scripts/delete.
# Source it after setting PROG (the command's name, for messages).
#
# What it gives a script:
#   die / usage_error        one-line messages on stderr, exit 1 / 2
#   parse_common_option      --region / --profile, collected into AWS_GLOBAL (every
#                            --region in OPT_REGIONS, for the commands that take several)
#   find_aws / find_python   the pinned CLI in .venv/aws (or one on PATH)
#   find_sam                 the pinned SAM CLI in .venv/sam (or one on PATH)
#   aws_try / aws_do         run `aws`, turning its errors into plain sentences
#   require_credentials      fail early, and clearly, without credentials
#   validate_*               local checks of account IDs, org IDs, layer ARNs, stack names
#
# Nothing here picks an endpoint: the AWS CLI honours AWS_ENDPOINT_URL itself
# (botocore >= 1.31; the pinned awscli 1.45 has it), which is how the tests
# point every call at a local moto server.

TOOLBOX_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOLBOX_LIB="$TOOLBOX_ROOT/scripts/lib"

# The layer's name and what it runs on (must match template.yaml).
LAYER_NAME_DEFAULT="toolbox-jieba"
USER_LAYER_NAME_DEFAULT="toolbox-userdict"
LAYER_RUNTIME="provided.al2023"
# Data only, little-endian like both: one layer version serves either.
LAYER_ARCHITECTURES=(x86_64 arm64)
# The stack scripts/deploy creates and scripts/delete deletes by default.
STACK_DEFAULT="lambda-toolbox"
# The only action a layer version policy may grant (AWS refuses any other).
LAYER_ACTION="lambda:GetLayerVersion"

# AWS CLI v2 pipes output through a pager unless told not to; v1 ignores this.
export AWS_PAGER=""

AWS_GLOBAL=()
OPT_REGION=""
OPT_REGIONS=()
OPT_PROFILE=""

die() {
    printf '%s: error: %s\n' "$PROG" "$*" >&2
    exit 1
}

usage_error() {
    printf '%s: %s\n' "$PROG" "$*" >&2
    printf "Run '%s --help' for usage.\n" "$PROG" >&2
    exit 2
}

note() {
    printf '%s: %s\n' "$PROG" "$*" >&2
}

# parse_common_option "$@": if $1 is --region/--profile (with its value, as
# `--region X` or `--region=X`), records it (OPT_REGION is the last region,
# OPT_REGIONS all of them in order; a region given twice is a usage error)
# and sets SHIFT to the number of words consumed; otherwise sets SHIFT=0.
parse_common_option() {
    SHIFT=0
    local value
    case "$1" in
        --region | --profile)
            [ $# -ge 2 ] && [ -n "$2" ] && [[ "$2" != --* ]] || usage_error "$1 needs a value"
            value="$2"
            SHIFT=2
            ;;
        --region=* | --profile=*)
            value="${1#*=}"
            [ -n "$value" ] || usage_error "${1%%=*} needs a value"
            SHIFT=1
            ;;
        *) return 0 ;;
    esac
    case "$1" in
        --region*)
            [[ "$value" =~ ^[a-z]{2}(-[a-z]+)+-[0-9]+$ ]] || usage_error "'$value' is not an AWS region name (like eu-west-1)"
            case " ${OPT_REGIONS[*]-} " in *" $value "*) usage_error "--region $value is given twice" ;; esac
            OPT_REGION="$value"
            OPT_REGIONS+=("$value")
            ;;
        --profile*) OPT_PROFILE="$value" ;;
    esac
}

# Builds AWS_GLOBAL from --region / --profile. Call once, after parsing.
finish_common_options() {
    AWS_GLOBAL=()
    if [ -n "$OPT_REGION" ]; then AWS_GLOBAL+=(--region "$OPT_REGION"); fi
    if [ -n "$OPT_PROFILE" ]; then AWS_GLOBAL+=(--profile "$OPT_PROFILE"); fi
}

# Sets AWS_BIN: $TOOLBOX_AWS, else the pinned CLI from scripts/setup, else PATH.
find_aws() {
    if [ -n "${TOOLBOX_AWS:-}" ]; then
        AWS_BIN="$TOOLBOX_AWS"
    elif [ -x "$TOOLBOX_ROOT/.venv/aws/bin/aws" ]; then
        AWS_BIN="$TOOLBOX_ROOT/.venv/aws/bin/aws"
    elif command -v aws >/dev/null 2>&1; then
        AWS_BIN="$(command -v aws)"
    else
        die "the AWS CLI is not installed: run 'scripts/setup aws' (installs the pinned version into .venv/aws)"
    fi
}

# find_sam DRY_RUN: sets SAM to the pinned CLI from scripts/setup, else one on
# PATH, else (a dry run, which runs nothing) plain "sam"; exports
# SAM_CLI_TELEMETRY=0.
find_sam() {
    if [ -x "$TOOLBOX_ROOT/.venv/sam/bin/sam" ]; then
        SAM="$TOOLBOX_ROOT/.venv/sam/bin/sam"
    elif command -v sam >/dev/null 2>&1; then
        SAM="$(command -v sam)"
    elif $1; then
        SAM="sam"
    else
        die "the SAM CLI is not installed: run 'scripts/setup sam' (installs the pinned version into .venv/sam)"
    fi
    export SAM_CLI_TELEMETRY=0
}

# Sets PYTHON: the aws venv's interpreter, else python3 (for scripts/lib/layer_tool.py).
find_python() {
    if [ -x "$TOOLBOX_ROOT/.venv/aws/bin/python" ]; then
        PYTHON="$TOOLBOX_ROOT/.venv/aws/bin/python"
    elif command -v python3 >/dev/null 2>&1; then
        PYTHON="$(command -v python3)"
    else
        die "python3 is needed (or run 'scripts/setup aws')"
    fi
}

layer_tool() {
    "$PYTHON" "$TOOLBOX_LIB/layer_tool.py" "$@"
}

# aws_try ARGS...: runs the AWS CLI with the common options. On success sets
# AWS_OUT (stdout) and returns 0. On failure sets AWS_ERR (stderr) and
# AWS_ERR_CODE (the service's error code, e.g. ResourceNotFoundException, or
# empty) and returns 1. Never exits.
aws_try() {
    local err_file status
    err_file="$(mktemp)"
    AWS_ERR=""
    AWS_ERR_CODE=""
    if AWS_OUT="$("$AWS_BIN" ${AWS_GLOBAL[@]+"${AWS_GLOBAL[@]}"} "$@" 2>"$err_file")"; then
        status=0
    else
        status=1
        AWS_ERR="$(cat "$err_file")"
        AWS_ERR_CODE="$(sed -n 's/.*An error occurred (\([A-Za-z.]*\)).*/\1/p' <<<"$AWS_ERR" | head -n 1)"
    fi
    rm -f "$err_file"
    return "$status"
}

# aws_do ARGS...: aws_try, or exit with an explanation of the failure.
aws_do() {
    aws_try "$@" || aws_fail "$1 $2"
}

# aws_fail OPERATION: explains the last aws_try failure and exits.
aws_fail() {
    local what="$1" detail
    detail="$(grep -v '^[[:space:]]*$' <<<"$AWS_ERR" | tail -n 1)"
    case "$AWS_ERR" in
        *"Unable to locate credentials"* | *"NoCredentialsError"*)
            die "no AWS credentials found. Configure some first: 'aws configure', 'aws sso login --profile NAME' then --profile NAME, or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY in the environment" ;;
        *"config profile"*"could not be found"*)
            die "AWS profile '${OPT_PROFILE:-${AWS_PROFILE:-}}' is not in your AWS config (${AWS_CONFIG_FILE:-~/.aws/config}); check --profile / AWS_PROFILE" ;;
        *"You must specify a region"*)
            die "no AWS region: pass --region (e.g. --region eu-west-1), or set AWS_REGION / a region in your profile" ;;
        *"Could not connect to the endpoint URL"* | *"Connection was closed"* | *"ConnectionRefused"*)
            die "cannot reach the AWS API${AWS_ENDPOINT_URL:+ at AWS_ENDPOINT_URL=$AWS_ENDPOINT_URL}: $detail" ;;
        *"ExpiredToken"* | *"InvalidClientTokenId"* | *"UnrecognizedClientException"* | *"SignatureDoesNotMatch"* | *"security token"*"expired"* | *"Token has expired"*)
            die "AWS rejected your credentials (expired or invalid; for SSO run 'aws sso login'): $detail" ;;
        *"AccessDenied"* | *"not authorized to perform"*)
            die "access denied for '$what': $detail" ;;
        *)
            die "'aws $what' failed: ${detail:-exit status non-zero, no message}" ;;
    esac
}

# require_credentials: one cheap call that needs valid credentials; sets
# CALLER_ACCOUNT. Fails early, with a clear message, before any real work.
require_credentials() {
    aws_do sts get-caller-identity --query Account --output text
    CALLER_ACCOUNT="$AWS_OUT"
}

is_account_id() { [[ "$1" =~ ^[0-9]{12}$ ]]; }
is_org_id() { [[ "$1" =~ ^o-[a-z0-9]{10,32}$ ]]; }
is_layer_name() { [[ "$1" =~ ^[A-Za-z0-9_-]{1,64}$ ]]; }

validate_stack_name() {
    [[ "$1" =~ ^[A-Za-z][A-Za-z0-9-]{0,127}$ ]] ||
        usage_error "'$1' is not a valid stack name (a letter, then letters, digits or '-', at most 128)"
}

validate_account_id() {
    local id="$1"
    if [ "$id" = "*" ]; then
        usage_error "'*' is not an account ID. To share with every account in your organization use --organization-id o-...; to share with every AWS account in the world see --help"
    fi
    is_account_id "$id" || usage_error "'$id' is not an AWS account ID (exactly 12 digits, like 123456789012)"
}

validate_org_id() {
    is_org_id "$1" || usage_error "'$1' is not an AWS Organizations ID ('o-' then 10 to 32 lowercase letters or digits, like o-a1b2c3d4e5)"
}

# parse_layer_version_arn ARN: validates a layer *version* ARN and sets
# ARN_PARTITION ARN_REGION ARN_ACCOUNT ARN_LAYER ARN_VERSION ARN_LAYER_ARN.
parse_layer_version_arn() {
    local arn="$1"
    if [[ "$arn" =~ ^arn:(aws[a-z-]*):lambda:([a-z0-9-]+):([0-9]{12}):layer:([A-Za-z0-9_-]+):([0-9]+)$ ]]; then
        ARN_PARTITION="${BASH_REMATCH[1]}"
        ARN_REGION="${BASH_REMATCH[2]}"
        ARN_ACCOUNT="${BASH_REMATCH[3]}"
        ARN_LAYER="${BASH_REMATCH[4]}"
        ARN_VERSION="${BASH_REMATCH[5]}"
        ARN_LAYER_ARN="arn:$ARN_PARTITION:lambda:$ARN_REGION:$ARN_ACCOUNT:layer:$ARN_LAYER"
        [ "$ARN_VERSION" -ge 1 ] 2>/dev/null || usage_error "'$arn': layer versions start at 1"
        return 0
    fi
    if [[ "$arn" =~ ^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+$ ]]; then
        usage_error "'$arn' names a layer, not a layer version: add ':<version>' (scripts/publish-layer prints the full ARN)"
    fi
    usage_error "'$arn' is not a Lambda layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)"
}

# shell_quote WORDS...: prints the words as one line a shell would read back.
shell_quote() {
    local word out=()
    for word in "$@"; do
        if [[ "$word" =~ ^[A-Za-z0-9_./:=,@+-]+$ ]]; then
            out+=("$word")
        else
            out+=("'${word//\'/\'\\\'\'}'")
        fi
    done
    printf '%s\n' "${out[*]}"
}
