"""Converts a simplified-Chinese corpus to traditional, line by line, with
OpenCC's s2twp (simplified to Taiwan standard, with Taiwan's phrases:
软件 -> 軟體, 信息 -> 資訊), by opencc-python-reimplemented 0.1.7 (pinned in
requirements/opencc.txt). Deterministic: the same input gives the same bytes.

Usage: make_traditional.py INPUT OUTPUT
"""

import sys

from opencc import OpenCC


def main():
    source, out = sys.argv[1], sys.argv[2]
    converter = OpenCC("s2twp")
    with open(source, encoding="utf-8", newline="") as f:
        text = f.read()
    # Line by line, keeping the line ends: the tests compare line i with line i.
    lines = text.split("\n")
    converted = [converter.convert(line) for line in lines]
    changed = sum(1 for a, b in zip(lines, converted) if a != b)
    with open(out, "w", encoding="utf-8", newline="") as f:
        f.write("\n".join(converted))
    sys.stderr.write("make_traditional: %s: %d lines, %d changed\n" % (out, len(lines), changed))


if __name__ == "__main__":
    main()
