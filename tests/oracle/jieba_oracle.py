"""Python jieba 0.42.1 as a test oracle: JSON requests in, jieba's answers out.

Run with the pinned venv (scripts/setup jieba):
    .venv/jieba/bin/python tests/oracle/jieba_oracle.py [--dictionary default|big] [USERDICT ...] < requests.jsonl

Each USERDICT file is loaded first, in order, with load_userdict.

--dictionary big answers with jieba's big dictionary, as a program using it
must: jieba.Tokenizer(dictionary=dict/big/dict.txt.big), a
jieba.posseg.POSTokenizer over that tokenizer (its tags come from
dict.txt.big; jieba.posseg.dt would keep the default dictionary's tags even
after jieba.set_dictionary), jieba.analyse.TFIDF(idf_path=dict/big/idf.txt.big)
with its tokenizer and postokenizer set to those, and a jieba.analyse.TextRank
segmenting with the POSTokenizer. dict/big/'s files are checked by sha256
(dict/big/README.md). The default is jieba's own globals (jieba.dt,
jieba.posseg.dt, jieba.analyse's default extractors).

Each input line is one JSON object; each output line is the answer to it, in
order (a JSON list), or {"error": "..."} if jieba raised. Operations:

    {"op": "cut", "text": T, "cut_all": false, "hmm": true}   -> [word, ...]
    {"op": "cut_for_search", "text": T, "hmm": true}          -> [word, ...]
    {"op": "posseg", "text": T, "hmm": true}                  -> [[word, flag], ...]
    {"op": "extract_tags", "text": T, "topK": 20, "allowPOS": [..] or null,
     "withFlag": false, "stopWords": [..]}                    -> [[word, weight] or [word, flag, weight], ...]
    {"op": "textrank", ...same fields; allowPOS null means jieba's default} -> the same shapes

Any request may carry "userWords": [[word, freq or null, tag or null], ...]:
jieba.add_word(word, freq, tag) for each, in order, before answering, all
undone afterwards, so each request starts from jieba as loaded.

Weights are written with repr(), so they parse back to the same doubles.
The repository's dict/dict.txt must be byte-identical to jieba's own: the
tests compare against jieba exactly as installed.
"""

import hashlib
import json
import logging
import os
import re
import sys

import jieba
import jieba.analyse
import jieba.finalseg
import jieba.posseg

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
DEFAULT_POS = ("ns", "n", "vn", "v")


BIG_FILES = ("dict.txt.big", "idf.txt.big")


def check_dictionary():
    ours = os.path.join(ROOT, "dict", "dict.txt")
    theirs = os.path.join(os.path.dirname(jieba.__file__), "dict.txt")
    with open(ours, "rb") as a, open(theirs, "rb") as b:
        if a.read() != b.read():
            sys.exit("jieba_oracle: dict/dict.txt differs from jieba 0.42.1's dict.txt")


def check_big_dictionary():
    """dict/big/'s files have the sha256 dict/big/README.md's table gives
    (jieba 0.42.1's extra_dict/, as scripts/import-jieba-big checks them)."""
    with open(os.path.join(ROOT, "dict", "big", "README.md"), encoding="utf-8") as f:
        table = dict(re.findall(r"^\| `([^`]+)` \|.*\| `([0-9a-f]{64})` \|$", f.read(), re.M))
    for name in BIG_FILES:
        expected = table.get(name)
        if expected is None:
            sys.exit("jieba_oracle: dict/big/README.md gives no sha256 for %s" % name)
        with open(os.path.join(ROOT, "dict", "big", name), "rb") as f:
            found = hashlib.sha256(f.read()).hexdigest()
        if found != expected:
            sys.exit("jieba_oracle: dict/big/%s has sha256 %s, not jieba 0.42.1's %s" % (name, found, expected))


class Jieba(object):
    """What the answers come from: a tokenizer (dt), a POSTokenizer over it
    (pos), and the two keyword extractors segmenting with those."""

    def __init__(self, dictionary):
        if dictionary == "default":
            check_dictionary()
            jieba.initialize()
            self.dt, self.pos = jieba.dt, jieba.posseg.dt
            self.tfidf, self.textrank = jieba.analyse.default_tfidf, jieba.analyse.default_textrank
        elif dictionary == "big":
            check_big_dictionary()
            self.dt = jieba.Tokenizer(dictionary=os.path.join(ROOT, "dict", "big", "dict.txt.big"))
            self.dt.initialize()
            self.pos = jieba.posseg.POSTokenizer(tokenizer=self.dt)
            self.tfidf = jieba.analyse.TFIDF(idf_path=os.path.join(ROOT, "dict", "big", "idf.txt.big"))
            self.textrank = jieba.analyse.TextRank()
        else:
            sys.exit("jieba_oracle: --dictionary must be default or big, not %r" % dictionary)

    def load_userdicts(self, paths):
        for path in paths:
            self.dt.load_userdict(path)

    def remember_cuts(self):
        """The extractors segment with dt and pos, each remembered (LastCut)."""
        posseg = LastCut(self.pos)
        self.tfidf.tokenizer = LastCut(self.dt)
        self.tfidf.postokenizer = posseg
        self.textrank.tokenizer = posseg
        self.textrank.postokenizer = posseg


JIEBA = None


CACHES = []


class LastCut(object):
    """A tokenizer that remembers its last text's words. The keyword tests ask
    several questions about each text in a row, and segmenting is nearly all
    of jieba's time; the extractors only iterate the words."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self.text = None
        self.words = []
        CACHES.append(self)

    def forget(self):
        self.text = None

    def cut(self, sentence):
        if sentence != self.text:
            self.words = list(self.tokenizer.cut(sentence))
            self.text = sentence
        return iter(self.words)


def extractor_answer(pairs, with_flag):
    out = []
    for key, weight in pairs:
        if with_flag:
            out.append([key.word, key.flag, weight])
        else:
            out.append([key, weight])
    return out


def keywords(request, method):
    extractor = JIEBA.tfidf if method == "tfidf" else JIEBA.textrank
    # As a fresh extractor that was given these stop words (set_stop_words adds them).
    extractor.stop_words = set(extractor.STOP_WORDS) | set(request.get("stopWords") or ())
    allow = request.get("allowPOS")
    with_flag = bool(request.get("withFlag", False))
    top_k = request.get("topK", 20)
    text = request["text"]
    if method == "tfidf":
        pairs = extractor.extract_tags(text, topK=top_k, withWeight=True, allowPOS=tuple(allow or ()), withFlag=with_flag)
        return extractor_answer(pairs, with_flag and bool(allow))
    allow = DEFAULT_POS if allow is None else tuple(allow)
    pairs = extractor.textrank(text, topK=top_k, withWeight=True, allowPOS=allow, withFlag=with_flag)
    return extractor_answer(pairs, with_flag and bool(allow))


MISSING = object()


class AddedWords:
    """jieba.add_word calls for one request, undone when it is answered."""

    def __init__(self, words):
        self.words = words or []

    def __enter__(self):
        dt, pos = JIEBA.dt, JIEBA.pos
        if self.words:
            for cache in CACHES:
                cache.forget()
        self.total = dt.total
        self.freq = {}
        self.user_tags = dict(dt.user_word_tag_tab)
        self.pos_tags = {}
        self.force_split = set(jieba.finalseg.Force_Split_Words)
        for word, freq, tag in self.words:
            for i in range(len(word)):
                self.freq.setdefault(word[: i + 1], dt.FREQ.get(word[: i + 1], MISSING))
            self.pos_tags.setdefault(word, pos.word_tag_tab.get(word, MISSING))
            dt.add_word(word, freq, tag)
        return self

    def __exit__(self, *exc):
        dt, pos = JIEBA.dt, JIEBA.pos
        if self.words:
            for cache in CACHES:
                cache.forget()
        for key, value in self.freq.items():
            if value is MISSING:
                dt.FREQ.pop(key, None)
            else:
                dt.FREQ[key] = value
        dt.total = self.total
        dt.user_word_tag_tab = self.user_tags
        for key, value in self.pos_tags.items():
            if value is MISSING:
                pos.word_tag_tab.pop(key, None)
            else:
                pos.word_tag_tab[key] = value
        jieba.finalseg.Force_Split_Words.clear()
        jieba.finalseg.Force_Split_Words.update(self.force_split)
        return False


def answer(request):
    with AddedWords(request.get("userWords")):
        return answer_plain(request)


def answer_plain(request):
    op = request["op"]
    text = request.get("text", "")
    hmm = bool(request.get("hmm", True))
    if op == "cut":
        return JIEBA.dt.lcut(text, cut_all=bool(request.get("cut_all", False)), HMM=hmm)
    if op == "cut_for_search":
        return JIEBA.dt.lcut_for_search(text, HMM=hmm)
    if op == "posseg":
        return [[p.word, p.flag] for p in JIEBA.pos.lcut(text, HMM=hmm)]
    if op == "extract_tags":
        return keywords(request, "tfidf")
    if op == "textrank":
        return keywords(request, "textrank")
    raise ValueError("unknown op %r" % op)


def main():
    global JIEBA
    jieba.setLogLevel(logging.WARNING)
    args = sys.argv[1:]
    dictionary = "default"
    if args[:1] == ["--dictionary"]:
        if len(args) < 2:
            sys.exit("jieba_oracle: --dictionary needs default or big")
        dictionary, args = args[1], args[2:]
    JIEBA = Jieba(dictionary)
    JIEBA.load_userdicts(args)
    JIEBA.remember_cuts()
    out = sys.stdout
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            result = answer(json.loads(line))
        except Exception as e:  # the answer to compare is that jieba failed
            result = {"error": "%s: %s" % (type(e).__name__, e)}
        out.write(json.dumps(result, ensure_ascii=False))
        out.write("\n")
    out.flush()


if __name__ == "__main__":
    main()
