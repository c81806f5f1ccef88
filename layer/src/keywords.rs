//! Keyword extraction exactly as Python jieba 0.42.1's `jieba.analyse`:
//! TF-IDF (`extract_tags`) and TextRank (`textrank`), with their weights.
//!
//! The rankings are pure functions over a word list (from `cut` or `posseg`)
//! and an IDF lookup, so they are tested without a layer; [`Tokenizer::keywords`]
//! segments a text the way jieba does for each method and ranks it.
//!
//! Exactness follows from doing jieba's arithmetic in jieba's order:
//! frequencies counted in first-seen order, `freq * (idf / total)`, TextRank's
//! in-place updates in code-point order of the words, the min/max
//! normalisation from `sys.float_info`, and a stable sort by weight (ties keep
//! first-seen order, as Python's `sorted(..., reverse=True)` keeps them).

use std::borrow::Cow;
use std::collections::{HashMap, HashSet};

use foldhash::fast::RandomState;

use crate::cut::is_py_space;
use crate::lexicon::Lexicon;
use crate::tokenizer::{Mode, Tagged, Token, Tokenizer, TooCostly};

/// jieba's `KeywordExtractor.STOP_WORDS`, which both extractors start from.
pub const STOP_WORDS: [&str; 31] = [
    "the", "of", "is", "and", "to", "in", "that", "we", "for", "an", "are", "by", "be", "as", "on", "with", "can",
    "if", "from", "which", "you", "it", "this", "then", "at", "have", "all", "not", "one", "has", "or",
];

/// `textrank`'s default `allowPOS`.
pub const TEXTRANK_POS: [&str; 4] = ["ns", "n", "vn", "v"];

/// TextRank's co-occurrence window: a word and the four after it.
const SPAN: usize = 5;
/// TextRank's damping factor and iteration count.
const DAMPING: f64 = 0.85;
const ITERATIONS: usize = 10;

/// The two rankings of `jieba.analyse`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    /// `jieba.analyse.extract_tags`.
    TfIdf,
    /// `jieba.analyse.textrank`.
    TextRank,
}

impl Method {
    pub fn parse(name: &str) -> Option<Method> {
        match name {
            "tfidf" => Some(Method::TfIdf),
            "textrank" => Some(Method::TextRank),
            _ => None,
        }
    }
}

/// A word of the text as the rankings see it: its text and its part of speech.
pub trait Word {
    fn word(&self) -> &str;
    /// The part-of-speech flag; only read when an `allowPOS` filter applies,
    /// which is only given words from `posseg`.
    fn tag(&self) -> &str;
}

impl Word for (&str, &str) {
    fn word(&self) -> &str {
        self.0
    }
    fn tag(&self) -> &str {
        self.1
    }
}

/// `cut`'s words carry no tag: TF-IDF ranks them only without `allowPOS`.
impl Word for Token<'_> {
    fn word(&self) -> &str {
        &self.word
    }
    fn tag(&self) -> &str {
        ""
    }
}

impl Word for Tagged<'_> {
    fn word(&self) -> &str {
        self.word
    }
    fn tag(&self) -> &str {
        self.tag
    }
}

/// jieba's stop words plus a request's own (`set_stop_words` adds to the set,
/// it never replaces it).
#[derive(Debug, Clone, Default)]
pub struct StopWords<'s> {
    extra: HashSet<&'s str, RandomState>,
}

impl<'s> StopWords<'s> {
    pub fn new(extra: impl IntoIterator<Item = &'s str>) -> StopWords<'s> {
        StopWords { extra: extra.into_iter().collect() }
    }

    fn contains(&self, lowered: &str) -> bool {
        // jieba's own stop words are ASCII and at most 5 bytes long: most words
        // (Chinese ones) skip the 31 comparisons.
        let default = lowered.len() <= 5 && lowered.is_ascii() && STOP_WORDS.contains(&lowered);
        default || (!self.extra.is_empty() && self.extra.contains(lowered))
    }
}

/// Most tags one `allowPOS` may name: jieba's tag set has about 60, and
/// user words may bring their own.
pub const MAX_ALLOW_POS: usize = 256;
/// Most stop words one request may add: the usual Chinese stop-word lists
/// hold one to two thousand.
pub const MAX_STOP_WORDS: usize = 10_000;

/// `allowPOS` as a set: sorted, so a word's tag is found in a few
/// comparisons whatever the list's length (searching the list itself for
/// every word let a long list time a request out).
#[derive(Debug, Clone, Default)]
pub struct TagSet<'t> {
    sorted: Vec<&'t str>,
}

impl<'t> TagSet<'t> {
    pub fn new(tags: &[&'t str]) -> TagSet<'t> {
        let mut sorted = tags.to_vec();
        sorted.sort_unstable();
        sorted.dedup();
        TagSet { sorted }
    }

    pub fn is_empty(&self) -> bool {
        self.sorted.is_empty()
    }

    pub fn contains(&self, tag: &str) -> bool {
        self.sorted.binary_search(&tag).is_ok()
    }
}

/// Which words rank, and what a ranked key is.
#[derive(Debug, Clone, Copy)]
pub struct Filter<'f> {
    /// `allowPOS`. For TF-IDF an empty set means no filter (jieba's `if allowPOS:`);
    /// for TextRank it is the set of tags kept, so empty keeps nothing.
    pub allow_pos: &'f TagSet<'f>,
    /// `withFlag`: with a POS filter, a key is the word *and* its tag, so one
    /// word with two tags ranks twice. Without a filter it changes nothing.
    pub with_flag: bool,
    pub stop_words: &'f StopWords<'f>,
}

impl Filter<'_> {
    fn keyed_by_tag(&self) -> bool {
        self.with_flag && !self.allow_pos.is_empty()
    }

    /// jieba's `len(w.strip()) < 2 or w.lower() in self.stop_words`, negated.
    fn keeps(&self, word: &str) -> bool {
        // Most words start with a CJK ideograph (a lead byte of E4..E9:
        // U+4000..U+9FFF, no space and caseless). Then `strip()` can only
        // take spaces off the end, and the lowered word starts with that
        // ideograph, so it is none of jieba's own stop words, which are
        // ASCII. Trimming and lowering every word was a seventh of a
        // TF-IDF request.
        if let Some(0xE4..=0xE9) = word.as_bytes().first() {
            // The ideograph takes three bytes: a word of three is one character.
            if word.len() <= 3 {
                return false;
            }
            let long_enough = match word.chars().next_back() {
                Some(last) if !is_py_space(last) => word.len() > 3,
                _ => word.trim_end_matches(is_py_space).len() > 3,
            };
            return long_enough && (self.stop_words.extra.is_empty() || !self.stop_words.contains(&python_lower(word)));
        }
        word.trim_matches(is_py_space).chars().nth(1).is_some() && !self.stop_words.contains(&python_lower(word))
    }
}

/// Python's `str.lower()`, borrowing when nothing changes (the common case:
/// Chinese words). Rust's case tables (Unicode 17) are newer than Python
/// 3.11's (14.0) and also lowercase the 55 letters cased since: U+1C89, seven
/// Latin letters U+A7CB..U+A7DC, Garay and Beria Erfe. jieba never puts those
/// in a word of two or more characters (its words are CJK and ASCII runs), so
/// the length rule drops them before this runs.
fn python_lower(word: &str) -> Cow<'_, str> {
    let unchanged = |c: char| {
        if c.is_ascii() {
            !c.is_ascii_uppercase()
        } else if ('\u{4e00}'..='\u{9fff}').contains(&c) {
            true // CJK Unified Ideographs have no case: skip the case tables.
        } else {
            let mut lower = c.to_lowercase();
            lower.next() == Some(c) && lower.next().is_none()
        }
    };
    if word.chars().all(unchanged) {
        Cow::Borrowed(word)
    } else {
        // str::to_lowercase maps a final Σ to ς, as Python's lower() does.
        Cow::Owned(word.to_lowercase())
    }
}

/// A ranked key: the first word in the list that carries it, and its weight.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Ranked {
    pub index: usize,
    pub weight: f64,
}

/// Distinct keys in first-seen order, as a Python dict keeps them. A key is
/// the word, or the word and its tag (jieba's `pair`: hashed by word, equal
/// when word and flag are). As jieba's pair, the map hashes the word alone:
/// a word's keys under other tags hang off its first one, and a word mostly
/// has one (hashing and comparing (word, tag) pairs was a twentieth of TextRank).
struct Keys<'w> {
    /// Each distinct word's first key.
    by_word: HashMap<&'w str, usize, RandomState>,
    /// The index of the first word with each key.
    first: Vec<usize>,
    /// Keyed by tag: each key's tag, and the next key of the same word (`usize::MAX`: none).
    tags: Option<Vec<(&'w str, usize)>>,
}

impl<'w> Keys<'w> {
    /// Room for `words` distinct keys: growing the map as they come was
    /// more than half of its cost.
    fn new(by_tag: bool, words: usize) -> Keys<'w> {
        Keys {
            by_word: HashMap::with_capacity_and_hasher(words, RandomState::default()),
            first: Vec::with_capacity(words),
            tags: by_tag.then(|| Vec::with_capacity(words)),
        }
    }

    fn id<W: Word>(&mut self, index: usize, word: &'w W) -> usize {
        let next = self.first.len();
        let id = *self.by_word.entry(word.word()).or_insert(next);
        let Some(tags) = &mut self.tags else {
            if id == next {
                self.first.push(index);
            }
            return id;
        };
        let tag = word.tag();
        if id != next {
            // The word's keys, first seen first: this tag's, if any.
            let mut key = id;
            loop {
                let (key_tag, same_word) = tags[key];
                if key_tag == tag {
                    return key;
                }
                if same_word == usize::MAX {
                    break;
                }
                key = same_word;
            }
            tags[key].1 = next;
        }
        self.first.push(index);
        tags.push((tag, usize::MAX));
        next
    }
}

/// `TFIDF.extract_tags(sentence, topK, withWeight=True, allowPOS, withFlag)`
/// on `words`, which must be `jieba.cut(sentence)` without a POS filter and
/// `jieba.posseg.cut(sentence)` with one. `idf` looks a word up in the IDF
/// table (given the word, not just its text, so a cut's word can say where
/// its IDF is), `median_idf` is what a word missing from it gets.
pub fn tfidf<W: Word>(
    words: &[W],
    filter: &Filter<'_>,
    idf: impl Fn(&W) -> Option<f64>,
    median_idf: f64,
    top_k: usize,
) -> Vec<Ranked> {
    let mut keys = Keys::new(filter.keyed_by_tag(), words.len());
    let mut freq: Vec<f64> = Vec::new();
    for (index, word) in words.iter().enumerate() {
        if !filter.allow_pos.is_empty() && !filter.allow_pos.contains(word.tag()) {
            continue;
        }
        if !filter.keeps(word.word()) {
            continue;
        }
        let id = keys.id(index, word);
        if id == freq.len() {
            freq.push(0.0);
        }
        freq[id] += 1.0;
    }
    let total = freq.iter().fold(0.0, |sum, f| sum + f);
    let ranked = keys.first.iter().zip(&freq).map(|(&index, &count)| {
        // `freq[k] *= idf / total`: the quotient first, as Python evaluates it.
        let weight = count * (idf(&words[index]).unwrap_or(median_idf) / total);
        Ranked { index, weight }
    });
    top(ranked.collect(), top_k)
}

/// `TextRank.textrank(sentence, topK, withWeight=True, allowPOS, withFlag)` on
/// `words = jieba.posseg.cut(sentence)`; `filter.allow_pos` is the set kept
/// (the caller passes [`TEXTRANK_POS`] for jieba's default).
pub fn textrank<W: Word>(words: &[W], filter: &Filter<'_>, top_k: usize) -> Vec<Ranked> {
    // pairfilter: the tag is allowed, and the word is long enough and no stop word.
    let kept: Vec<bool> = words.iter().map(|w| filter.allow_pos.contains(w.tag()) && filter.keeps(w.word())).collect();
    let kept_words = kept.iter().filter(|&&k| k).count();
    let mut keys = Keys::new(filter.keyed_by_tag(), kept_words);
    let key: Vec<usize> =
        words.iter().enumerate().map(|(i, w)| if kept[i] { keys.id(i, w) } else { usize::MAX }).collect();

    // cm: co-occurrence counts of (key, key) within the window, first-seen
    // order. A kept word pairs with at most the SPAN - 1 after it: room for
    // that many, as growing the map and the list was a tenth of TextRank.
    let most_pairs = kept_words * (SPAN - 1);
    let mut pair_ids: HashMap<(usize, usize), usize, RandomState> =
        HashMap::with_capacity_and_hasher(most_pairs, RandomState::default());
    let mut pairs: Vec<(usize, usize, f64)> = Vec::with_capacity(most_pairs);
    for i in (0..words.len()).filter(|&i| kept[i]) {
        for j in (i + 1..(i + SPAN).min(words.len())).filter(|&j| kept[j]) {
            let next = pairs.len();
            let id = *pair_ids.entry((key[i], key[j])).or_insert(next);
            if id == next {
                pairs.push((key[i], key[j], 0.0));
            }
            pairs[id].2 += 1.0;
        }
    }

    // The graph: nodes in the order addEdge first meets them (start, then
    // end), each with its edge list in the order the edges were added. The
    // lists are one array, each node's a range of it (no list allocated a
    // node). A node's outSum adds its edges' weights in that same order.
    let mut node_of_key = vec![usize::MAX; keys.first.len()];
    let mut node_keys: Vec<usize> = Vec::with_capacity(keys.first.len());
    let mut degree: Vec<usize> = Vec::with_capacity(keys.first.len());
    let mut out_sum: Vec<f64> = Vec::with_capacity(keys.first.len());
    for pair in &mut pairs {
        let mut node = |key: usize| {
            if node_of_key[key] == usize::MAX {
                node_of_key[key] = node_keys.len();
                node_keys.push(key);
                degree.push(0);
                out_sum.push(0.0);
            }
            node_of_key[key]
        };
        // From here on a pair holds its two nodes, not their keys.
        let (a, b) = (node(pair.0), node(pair.1));
        (pair.0, pair.1) = (a, b);
        for v in [a, b] {
            degree[v] += 1;
            out_sum[v] += pair.2;
        }
    }
    let n = node_keys.len();
    let mut first_edge = Vec::with_capacity(n + 1);
    first_edge.push(0);
    for &d in &degree {
        first_edge.push(first_edge.last().copied().unwrap_or(0) + d);
    }
    // Each edge as (neighbour, weight / outSum[neighbour]): jieba's
    // `e[2] / outSum[e[1]] * ws[e[1]]` divides before it multiplies, and the
    // quotient is the same at every iteration, so it is taken once.
    let mut filled = first_edge.clone();
    let mut shares = vec![(0usize, 0.0f64); first_edge[n]];
    for &(a, b, weight) in &pairs {
        shares[filled[a]] = (b, weight / out_sum[b]);
        filled[a] += 1;
        shares[filled[b]] = (a, weight / out_sum[a]);
        filled[b] += 1;
    }
    let word_of = |node: usize| words[keys.first[node_keys[node]]].word();

    let mut ws = vec![1.0 / n.max(1) as f64; n];
    // `sorted(graph.keys())`: code-point order of the words (UTF-8 byte order
    // is code-point order; a pair compares by word alone and the sort is
    // stable, so one word's tags keep graph order). Sorting (word, node)
    // gives that order without a stable sort's buffer. Each word's first
    // eight bytes, big-endian, compare first: most words differ there, and
    // comparing them took a call to memcmp each.
    let mut by_word: Vec<(u64, &str, usize)> = (0..n).map(|v| (leading_bytes(word_of(v)), word_of(v), v)).collect();
    by_word.sort_unstable();
    let order: Vec<usize> = by_word.into_iter().map(|(_, _, v)| v).collect();
    for _ in 0..ITERATIONS {
        for &v in &order {
            let s = shares[first_edge[v]..first_edge[v + 1]].iter().fold(0.0, |s, &(e, q)| s + q * ws[e]);
            ws[v] = (1.0 - DAMPING) + DAMPING * s;
        }
    }
    let (mut min_rank, mut max_rank) = (f64::MAX, f64::MIN_POSITIVE);
    for &w in &ws {
        if w < min_rank {
            min_rank = w;
        }
        if w > max_rank {
            max_rank = w;
        }
    }
    let ranked = ws.iter().enumerate().map(|(v, &w)| Ranked {
        index: keys.first[node_keys[v]],
        weight: (w - min_rank / 10.0) / (max_rank - min_rank / 10.0),
    });
    top(ranked.collect(), top_k)
}

/// The first eight bytes of `word` (zeros past its end) as a number that
/// orders as the bytes do: two words whose numbers differ order as they do,
/// and two with equal numbers are compared in full.
fn leading_bytes(word: &str) -> u64 {
    let mut first = [0u8; 8];
    let n = word.len().min(8);
    first[..n].copy_from_slice(&word.as_bytes()[..n]);
    u64::from_be_bytes(first)
}

/// What to extract from a text: `jieba.analyse`'s parameters.
#[derive(Debug, Clone, Copy)]
pub struct KeywordOptions<'o> {
    pub method: Method,
    /// `topK`: at most this many keywords.
    pub top_k: usize,
    /// `allowPOS`; `None` is each method's default: no filter for TF-IDF,
    /// [`TEXTRANK_POS`] for TextRank.
    /// Built once a request ([`TagSet::new`]), not once a text of a batch.
    pub allow_pos: Option<&'o TagSet<'o>>,
    /// `withFlag`: with a POS filter, rank (word, tag) pairs and answer the tag.
    pub with_flag: bool,
    pub stop_words: &'o StopWords<'o>,
}

/// A keyword, its weight, and the tag it was ranked under (only when keyed
/// by tag); serializes as the API's `{"word", "weight", "tag"}`.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Keyword<'a> {
    pub word: Cow<'a, str>,
    pub weight: f64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<&'a str>,
}

impl Tokenizer {
    /// [`Lexicon::keywords`] on this dictionary with nothing added.
    pub fn keywords<'a>(
        &'a self,
        text: &'a str,
        options: &KeywordOptions<'_>,
        work_left: &mut u64,
    ) -> Result<Vec<Keyword<'a>>, TooCostly> {
        self.lexicon().keywords(text, options, work_left)
    }
}

impl<'a> Lexicon<'a> {
    /// `jieba.analyse.extract_tags` or `jieba.analyse.textrank` on `text`,
    /// with `withWeight=True`: the same keys in the same order, the same weights.
    /// Segments as jieba does: `cut(text)` for TF-IDF without a POS filter,
    /// `posseg.cut(text)` otherwise, both with the HMM. `work_left` bounds
    /// the tagging HMM's work as in [`Lexicon::posseg_within`] (the plain
    /// cut needs no bound); past it, the answer is [`TooCostly`].
    pub fn keywords(
        &self,
        text: &'a str,
        options: &KeywordOptions<'_>,
        work_left: &mut u64,
    ) -> Result<Vec<Keyword<'a>>, TooCostly> {
        let default_pos;
        let allow_pos = match (options.method, options.allow_pos) {
            (_, Some(allow_pos)) => allow_pos,
            (Method::TextRank, None) => {
                default_pos = TagSet::new(&TEXTRANK_POS);
                &default_pos
            }
            (Method::TfIdf, None) => {
                default_pos = TagSet::default();
                &default_pos
            }
        };
        let filter = Filter { allow_pos, with_flag: options.with_flag, stop_words: options.stop_words };
        if options.method == Method::TfIdf && allow_pos.is_empty() {
            let words = self.cut(text, Mode::Default, true);
            let ranked = tfidf(&words, &filter, |word| self.token_idf(word), self.median_idf(), options.top_k);
            return Ok(ranked
                .iter()
                .map(|r| Keyword { word: words[r.index].word.clone(), weight: r.weight, tag: None })
                .collect());
        }
        let words = self.posseg_within(text, true, work_left)?;
        let ranked = match options.method {
            Method::TfIdf => tfidf(&words, &filter, |word| self.idf(word.word), self.median_idf(), options.top_k),
            Method::TextRank => textrank(&words, &filter, options.top_k),
        };
        let tagged = filter.keyed_by_tag();
        Ok(ranked
            .iter()
            .map(|r| {
                let word = &words[r.index];
                Keyword { word: Cow::Borrowed(word.word), weight: r.weight, tag: tagged.then_some(word.tag) }
            })
            .collect())
    }
}

/// `sorted(..., key=weight, reverse=True)[:topK]`: a stable sort, so equal
/// weights keep the order `ranked` has (first-seen, or graph order).
///
/// That is the order by weight, heaviest first, then by place in `ranked`:
/// the `top_k` first of it are picked out before only they are sorted
/// (sorting every distinct word was a tenth of a TF-IDF request).
fn top(ranked: Vec<Ranked>, top_k: usize) -> Vec<Ranked> {
    let mut placed: Vec<(usize, Ranked)> = ranked.into_iter().enumerate().collect();
    // A total order, as sorting needs (adding 0.0 makes -0.0 equal to 0.0, as Python has it).
    let order = |a: &(usize, Ranked), b: &(usize, Ranked)| {
        (b.1.weight + 0.0).total_cmp(&(a.1.weight + 0.0)).then(a.0.cmp(&b.0))
    };
    if top_k == 0 {
        return Vec::new();
    }
    if placed.len() > top_k {
        placed.select_nth_unstable_by(top_k - 1, order);
        placed.truncate(top_k);
    }
    placed.sort_unstable_by(order);
    placed.into_iter().map(|(_, ranked)| ranked).collect()
}

#[cfg(test)]
mod tests;
