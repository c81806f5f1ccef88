# shellcheck shell=bash disable=SC2034  # sourced: NATIVE_ARCH is used by the scripts
# Shared by scripts/build, scripts/serve and scripts/invoke: Lambda's name for
# this machine's architecture, and where scripts/build installs each one.

case "$(uname -m)" in
    x86_64) NATIVE_ARCH=x86_64 ;;
    aarch64 | arm64) NATIVE_ARCH=arm64 ;;
    *) echo "$(uname -m) is not a Lambda architecture (x86_64, arm64)" >&2; exit 1 ;;
esac

# lambda_dir ARCH: the directory under the target dir holding ARCH's
# bootstraps: lambda for this machine's architecture (what it always was),
# lambda-ARCH for the other.
lambda_dir() {
    if [ "$1" = "$NATIVE_ARCH" ]; then echo lambda; else echo "lambda-$1"; fi
}
