"""schemathesis hooks for tests/api/run contract (SCHEMATHESIS_HOOKS).

positive_data_acceptance says a request the document allows gets a 200 (or
random-image's 302). A few rules of the tools cannot be written in OpenAPI,
so a request that breaks one is schema-valid and rightly refused. Each is
listed here, by operation and by the tool's exact error, and a
positive_data_acceptance failure is dropped only when the answer is that
error; every other failure stays. openapi.yaml names each rule where it
applies, and docs/playground.md lists them.
"""

import atexit
import collections
import re
import sys

import schemathesis
from schemathesis.openapi.checks import RejectedPositiveData

# (method or None for any, path, status, the error, a regular expression matched in full)
RULES = [
    # Two query parameters together: OpenAPI gives each query parameter its
    # own schema. (In a JSON body the document states both rules with `not`.)
    ("GET", "/segment", 400, r"'pos' tags are only available in mode default"),
    ("GET", "/random-image", 400, r"'redirect' needs a single image: leave out 'count'"),
    # Arithmetic, not data: which values divide by zero or overflow to
    # infinity is not a property of either number alone.
    (None, "/calculator", 400, r"Cannot divide by zero|Result is not a finite number"),
    # Byte lengths: JSON Schema's maxLength counts characters.
    (None, "/segment", 400, r"'userWords'\[\d+\]: (the word is \d+ bytes; the maximum is 64|'tag' must be a string of at most 16 bytes)"),
    (None, "/keywords", 400, r"'userWords'\[\d+\]: (the word is \d+ bytes; the maximum is 64|'tag' must be a string of at most 16 bytes)"),
    (None, "/segment", 413, r"(text too large|answer too large): .*"),
    (None, "/keywords", 413, r"(text too large|answer too large): .*"),
    # The tagging model's work, bounded per request: it depends on the text.
    (None, "/segment", 413, r"tagging this text needs more work than one request may use: .*"),
    (None, "/keywords", 413, r"tagging this text needs more work than one request may use: .*"),
]


# How many refusals each rule excused, printed when the run ends: a rule
# that excuses far more than before is worth a look.
EXCUSED = collections.Counter()


@atexit.register
def _report():
    for (method, path, status, pattern), count in sorted(EXCUSED.items(), key=lambda item: -item[1]):
        print(f"api: excused {count} x {method or 'any'} {path} {status} /{pattern}/", file=sys.stderr)


def _error(response):
    try:
        return response.json().get("error")
    except Exception:
        return None


@schemathesis.hook
def filter_failure(context, failure, case, response):
    if not isinstance(failure, RejectedPositiveData):
        return True
    error = _error(response)
    for method, path, status, pattern in RULES:
        if (
            (method is None or case.method.upper() == method)
            and case.path == path
            and response.status_code == status
            and isinstance(error, str)
            and re.fullmatch(pattern, error)
        ):
            EXCUSED[(method, path, status, pattern)] += 1
            return False
    return True
