//! The command line, parsed as Python's argparse parses `python -m jieba`'s
//! (jieba/__main__.py): `-d`/`-p` take an optional value, long options may be
//! abbreviated to a unique prefix, short flags combine (`-an`), `-dX` and
//! `--delimiter=X` carry their value, `--` ends the options, the last
//! occurrence of an option wins. Hand-written because exactness with
//! argparse is the point: a command that works with `python -m jieba` must
//! mean the same here (lexopt and clap have no optional-value short options
//! that consume the next argument as argparse does).

use std::ffi::OsString;
use std::os::unix::ffi::OsStringExt;
use std::path::PathBuf;

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    /// Boxed: the options are large beside the other commands.
    Segment(Box<Options>),
    Help,
    Version,
}

/// `python -m jieba`'s options, and ours (`--layer-dir`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    /// `-d`: between words (raw bytes, as Python's argv keeps them); default ` / `.
    pub delimiter: Vec<u8>,
    /// `-p`: between a word and its tag; `None`: no tagging (also for `-p ''`,
    /// which jieba's `if args.pos:` reads as off).
    pub pos: Option<Vec<u8>>,
    /// `-D`: the dictionary file.
    pub dict: Option<PathBuf>,
    /// `-u`: a user dictionary, as `jieba.load_userdict`.
    pub user_dict: Option<PathBuf>,
    /// `-a`: full mode (ignored with `-p`, as in jieba).
    pub cut_all: bool,
    /// `-n` turns it off.
    pub hmm: bool,
    /// `-q`: no loading message on stderr.
    pub quiet: bool,
    /// `--layer-dir`, repeatable, merged in order as Lambda merges layers.
    pub layer_dirs: Vec<PathBuf>,
    /// `--jobs N`: lines segmented on N threads (written in input order);
    /// `None`: as many as there are cores.
    pub jobs: Option<usize>,
    /// The input file; `None`: stdin. (`-` is a file named `-`, as Python's `open('-')`.)
    pub filename: Option<PathBuf>,
    /// `--resume OUTPUT`: append to OUTPUT, after as many input lines as it
    /// holds whole lines, instead of writing everything to stdout.
    pub resume: Option<PathBuf>,
    /// `--api URL` and what goes with it: segment on a deployed `segment`
    /// endpoint instead of here.
    pub api: Option<Api>,
}

/// `--api URL`'s settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Api {
    /// The `segment` endpoint (a URL ending in `/` gets `segment` appended).
    pub url: String,
    /// `--concurrency N`: requests in flight at most.
    pub concurrency: usize,
    /// `--token T`, else `TOOLBOX_TOKEN`: the JWT authorizer's bearer token.
    pub token: Option<String>,
    /// `--retries N`: how often a 429, a 5xx or a connection error is retried.
    pub retries: u32,
    /// `--batch N`: texts a request at most (the API takes 1,000).
    pub batch: usize,
}

/// `--concurrency`' default: requests in flight.
pub const DEFAULT_CONCURRENCY: usize = 4;
/// `--retries`' default.
pub const DEFAULT_RETRIES: u32 = 8;
/// The most texts the API takes in a request (gateway's `MAX_BATCH`).
pub const MAX_BATCH: usize = 1000;

impl Default for Options {
    fn default() -> Self {
        Options {
            delimiter: b" / ".to_vec(),
            pos: None,
            dict: None,
            user_dict: None,
            cut_all: false,
            hmm: true,
            quiet: false,
            layer_dirs: Vec::new(),
            jobs: None,
            filename: None,
            resume: None,
            api: None,
        }
    }
}

/// A usage error: the message argparse would print after `error: `.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

#[derive(Clone, Copy, PartialEq, Eq)]
enum Opt {
    Delimiter,
    Pos,
    Dict,
    UserDict,
    CutAll,
    NoHmm,
    Quiet,
    Version,
    Help,
    LayerDir,
    Jobs,
    Api,
    Concurrency,
    Token,
    Retries,
    Batch,
    Resume,
}

/// How an option takes a value.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Takes {
    Nothing,
    /// `nargs='?'`: the next argument if it is not an option, else the constant.
    Optional,
    Required,
}

/// `python -m jieba`'s own options are the first [`PYTHON_OPTIONS`]: an
/// abbreviation one of them alone takes means that one, as in Python, even
/// where one of ours shares it (`--c` is `--cut-all`, not `--concurrency`).
const PYTHON_OPTIONS: usize = 9;

const OPTIONS: [(Option<u8>, &str, Opt, Takes); 17] = [
    (Some(b'h'), "help", Opt::Help, Takes::Nothing),
    (Some(b'd'), "delimiter", Opt::Delimiter, Takes::Optional),
    (Some(b'p'), "pos", Opt::Pos, Takes::Optional),
    (Some(b'D'), "dict", Opt::Dict, Takes::Required),
    (Some(b'u'), "user-dict", Opt::UserDict, Takes::Required),
    (Some(b'a'), "cut-all", Opt::CutAll, Takes::Nothing),
    (Some(b'n'), "no-hmm", Opt::NoHmm, Takes::Nothing),
    (Some(b'q'), "quiet", Opt::Quiet, Takes::Nothing),
    (Some(b'V'), "version", Opt::Version, Takes::Nothing),
    (None, "layer-dir", Opt::LayerDir, Takes::Required),
    (None, "jobs", Opt::Jobs, Takes::Required),
    (None, "api", Opt::Api, Takes::Required),
    (None, "concurrency", Opt::Concurrency, Takes::Required),
    (None, "token", Opt::Token, Takes::Required),
    (None, "retries", Opt::Retries, Takes::Required),
    (None, "batch", Opt::Batch, Takes::Required),
    (None, "resume", Opt::Resume, Takes::Required),
];

fn spelling(opt: Opt) -> String {
    let (short, long, ..) = OPTIONS.iter().find(|o| o.2 == opt).expect("every option is listed");
    match short {
        Some(s) => format!("-{}/--{long}", *s as char),
        None => format!("--{long}"),
    }
}

fn takes(opt: Opt) -> Takes {
    OPTIONS.iter().find(|o| o.2 == opt).expect("every option is listed").3
}

/// argparse's test for "this argument is an option, not a value": it starts
/// with `-`, is more than `-`, and is not a negative number; an argument
/// with a space that names no option is a value.
fn looks_like_option(arg: &[u8]) -> bool {
    if arg.len() < 2 || arg[0] != b'-' {
        return false;
    }
    if is_negative_number(arg) {
        return false;
    }
    if arg.contains(&b' ') {
        return long_or_short(arg).is_some();
    }
    true
}

/// `^-\d+$|^-\d*\.\d+$`, argparse's negative-number pattern.
fn is_negative_number(arg: &[u8]) -> bool {
    let body = &arg[1..];
    let digits = |s: &[u8]| s.iter().all(u8::is_ascii_digit);
    match body.iter().position(|&b| b == b'.') {
        None => !body.is_empty() && digits(body),
        Some(dot) => digits(&body[..dot]) && body.len() > dot + 1 && digits(&body[dot + 1..]),
    }
}

/// The option an argument names exactly (before any `=`), if any.
fn long_or_short(arg: &[u8]) -> Option<Opt> {
    let name = arg.split(|&b| b == b'=').next().unwrap_or(arg);
    OPTIONS.iter().find_map(|(short, long, opt, _)| {
        let long_form = [b"--", long.as_bytes()].concat();
        let short_form = short.map(|s| vec![b'-', s]);
        (name == long_form.as_slice() || short_form.as_deref() == Some(name)).then_some(*opt)
    })
}

/// A long option from its (possibly abbreviated) name.
fn long_option(name: &[u8]) -> Result<Opt, UsageError> {
    if let Some((_, _, opt, _)) = OPTIONS.iter().find(|o| o.1.as_bytes() == name) {
        return Ok(*opt);
    }
    let abbreviates = |o: &&(Option<u8>, &str, Opt, Takes)| !name.is_empty() && o.1.as_bytes().starts_with(name);
    let python: Vec<_> = OPTIONS[..PYTHON_OPTIONS].iter().filter(abbreviates).collect();
    let matches = match python.as_slice() {
        [one] => vec![*one],
        _ => OPTIONS.iter().filter(abbreviates).collect(),
    };
    match matches.as_slice() {
        [one] => Ok(one.2),
        [] => Err(UsageError(format!("unrecognized arguments: --{}", String::from_utf8_lossy(name)))),
        many => Err(UsageError(format!(
            "ambiguous option: --{} could match {}",
            String::from_utf8_lossy(name),
            many.iter().map(|o| format!("--{}", o.1)).collect::<Vec<_>>().join(", ")
        ))),
    }
}

/// `--jobs`' value: argparse's `type=int` (surrounding whitespace, a sign
/// and `_` between digits allowed, as Python's `int()`), 1 to 1024.
fn jobs(value: &[u8]) -> Result<usize, UsageError> {
    whole_number("--jobs", value, 1, 1024)
}

/// A whole number option's value, read as argparse's `type=int`, within
/// `min..=max`.
fn whole_number(flag: &str, value: &[u8], min: usize, max: usize) -> Result<usize, UsageError> {
    let text = String::from_utf8_lossy(value);
    let invalid = || UsageError(format!("argument {flag}: invalid int value: '{text}'"));
    let trimmed = text.trim();
    let (negative, digits) = match trimmed.as_bytes().first() {
        Some(b'-') => (true, &trimmed[1..]),
        Some(b'+') => (false, &trimmed[1..]),
        _ => (false, trimmed),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return Err(invalid());
    }
    let number: String = digits.chars().filter(|&c| c != '_').collect();
    let is_zero = number.bytes().all(|b| b == b'0');
    if negative && !is_zero || (is_zero && min > 0) {
        return Err(UsageError(format!("argument {flag}: must be at least {min}, not {trimmed}")));
    }
    // More threads than 1024 only wait on each other.
    number
        .parse::<usize>()
        .ok()
        .filter(|&n| n <= max)
        .ok_or_else(|| UsageError(format!("argument {flag}: at most {max}, not {trimmed}")))
}

/// Parses the arguments after the program name.
pub fn parse(args: impl IntoIterator<Item = OsString>) -> Result<Command, UsageError> {
    let args: Vec<Vec<u8>> = args.into_iter().map(OsString::into_vec).collect();
    let mut options = Options::default();
    let mut positionals: Vec<Vec<u8>> = Vec::new();
    let mut help = false;
    let mut version = false;
    let (mut url, mut concurrency, mut token, mut retries, mut batch) = (None, None, None, None, None);
    let mut i = 0;
    let mut only_positionals = false;
    while i < args.len() {
        let arg = &args[i];
        i += 1;
        if only_positionals || !looks_like_option(arg) {
            positionals.push(arg.clone());
            continue;
        }
        if arg == b"--" {
            only_positionals = true;
            continue;
        }
        // (option, the value glued to it, if any)
        let mut found: Vec<(Opt, Option<Vec<u8>>)> = Vec::new();
        if let Some(long) = arg.strip_prefix(b"--") {
            let (name, value) = match long.iter().position(|&b| b == b'=') {
                Some(eq) => (&long[..eq], Some(long[eq + 1..].to_vec())),
                None => (long, None),
            };
            let opt = long_option(name)?;
            if value.is_some() && takes(opt) == Takes::Nothing {
                return Err(UsageError(format!("argument {}: ignored explicit argument", spelling(opt))));
            }
            found.push((opt, value));
        } else {
            // Short options: flags combine; one taking a value takes the rest.
            let mut rest = &arg[1..];
            while let Some((&c, tail)) = rest.split_first() {
                let opt = OPTIONS.iter().find(|o| o.0 == Some(c)).map(|o| o.2).ok_or_else(|| {
                    UsageError(if found.is_empty() {
                        format!("unrecognized arguments: {}", String::from_utf8_lossy(arg))
                    } else {
                        let flag = spelling(found[found.len() - 1].0);
                        format!("argument {flag}: ignored explicit argument '{}'", String::from_utf8_lossy(rest))
                    })
                })?;
                if takes(opt) == Takes::Nothing {
                    found.push((opt, None));
                    rest = tail;
                    continue;
                }
                let value = tail.strip_prefix(b"=").unwrap_or(tail);
                found.push((opt, (!tail.is_empty()).then(|| value.to_vec())));
                break;
            }
        }
        for (opt, glued) in found {
            let value = match (takes(opt), glued) {
                (Takes::Nothing, _) => None,
                (_, Some(value)) => Some(value),
                (Takes::Optional, None) => match args.get(i) {
                    Some(next) if !looks_like_option(next) => {
                        i += 1;
                        Some(next.clone())
                    }
                    _ => None,
                },
                (Takes::Required, None) => match args.get(i) {
                    Some(next) if !looks_like_option(next) => {
                        i += 1;
                        Some(next.clone())
                    }
                    _ => return Err(UsageError(format!("argument {}: expected one argument", spelling(opt)))),
                },
            };
            let path = |v: Option<Vec<u8>>| PathBuf::from(OsString::from_vec(v.unwrap_or_default()));
            match opt {
                Opt::Help => help = true,
                Opt::Version => version = true,
                Opt::Delimiter => options.delimiter = value.unwrap_or_else(|| b" ".to_vec()),
                Opt::Pos => options.pos = Some(value.unwrap_or_else(|| b"_".to_vec())),
                Opt::Dict => options.dict = Some(path(value)),
                Opt::UserDict => options.user_dict = Some(path(value)),
                Opt::CutAll => options.cut_all = true,
                Opt::NoHmm => options.hmm = false,
                Opt::Quiet => options.quiet = true,
                Opt::LayerDir => options.layer_dirs.push(path(value)),
                Opt::Jobs => options.jobs = Some(jobs(&value.unwrap_or_default())?),
                Opt::Api => url = Some(String::from_utf8_lossy(&value.unwrap_or_default()).into_owned()),
                Opt::Concurrency => {
                    concurrency = Some(whole_number("--concurrency", &value.unwrap_or_default(), 1, 1024)?)
                }
                Opt::Token => token = Some(String::from_utf8_lossy(&value.unwrap_or_default()).into_owned()),
                Opt::Retries => retries = Some(whole_number("--retries", &value.unwrap_or_default(), 0, 100)? as u32),
                Opt::Batch => batch = Some(whole_number("--batch", &value.unwrap_or_default(), 1, MAX_BATCH)?),
                Opt::Resume => options.resume = Some(path(value)),
            }
        }
        // argparse acts on -h and -V as soon as it meets them.
        if help {
            return Ok(Command::Help);
        }
        if version {
            return Ok(Command::Version);
        }
    }
    if positionals.len() > 1 {
        let extra: Vec<String> = positionals[1..].iter().map(|p| String::from_utf8_lossy(p).into_owned()).collect();
        return Err(UsageError(format!("unrecognized arguments: {}", extra.join(" "))));
    }
    options.filename = positionals.pop().map(|p| PathBuf::from(OsString::from_vec(p)));
    if options.pos.as_deref() == Some(b"") {
        options.pos = None;
    }
    match url {
        Some(url) => {
            options.api = Some(api_options(&options, url, concurrency, token, retries, batch)?);
        }
        None => {
            let given = [
                ("--concurrency", concurrency.is_some()),
                ("--token", token.is_some()),
                ("--retries", retries.is_some()),
                ("--batch", batch.is_some()),
            ];
            if let Some((flag, _)) = given.iter().find(|(_, given)| *given) {
                return Err(UsageError(format!("argument {flag}: only with --api URL")));
            }
        }
    }
    Ok(Command::Segment(Box::new(options)))
}

/// `--api`'s settings, and what the API cannot do refused.
fn api_options(
    options: &Options,
    url: String,
    concurrency: Option<usize>,
    token: Option<String>,
    retries: Option<u32>,
    batch: Option<usize>,
) -> Result<Api, UsageError> {
    if !(url.starts_with("http://") || url.starts_with("https://")) {
        return Err(UsageError(format!("argument --api: not an http:// or https:// URL: '{url}'")));
    }
    if options.jobs.is_some() {
        return Err(UsageError("argument --jobs: not with --api (--concurrency N sets the requests in flight)".into()));
    }
    if options.user_dict.is_some() {
        return Err(UsageError(
            "argument -u/--user-dict: not with --api: the API has no user dictionary files; send its words as the \
             segment API's userWords, or segment here without --api"
                .into(),
        ));
    }
    if let Some(dict) = &options.dict {
        if dict.as_os_str() != "default" && dict.as_os_str() != "big" {
            return Err(UsageError(format!(
                "argument -D/--dict: with --api, default or big (the API's dictionaries), not '{}'",
                dict.display()
            )));
        }
    }
    let token = token.or_else(|| std::env::var("TOOLBOX_TOKEN").ok().filter(|t| !t.is_empty()));
    if token.as_deref().is_some_and(|t| t.bytes().any(|b| b.is_ascii_control() || b == b' ')) {
        return Err(UsageError("argument --token: a bearer token has no spaces or control characters".into()));
    }
    let url = if url.ends_with('/') { format!("{url}segment") } else { url };
    Ok(Api {
        url,
        concurrency: concurrency.unwrap_or(DEFAULT_CONCURRENCY),
        token,
        retries: retries.unwrap_or(DEFAULT_RETRIES),
        batch: batch.unwrap_or(MAX_BATCH),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Result<Options, String> {
        match parse(args.iter().map(OsString::from)) {
            Ok(Command::Segment(options)) => Ok(*options),
            Ok(other) => Err(format!("{other:?}")),
            Err(UsageError(message)) => Err(message),
        }
    }

    #[test]
    fn optional_values_as_argparse_takes_them() {
        // Each checked against python -m jieba's parser (Python 3.11 argparse).
        let o = parsed(&[]).unwrap();
        assert_eq!((o.delimiter.as_slice(), o.pos.clone(), o.hmm, o.cut_all), (&b" / "[..], None, true, false));
        assert_eq!(parsed(&["-d"]).unwrap().delimiter, b" ");
        assert_eq!(parsed(&["-d", "|"]).unwrap().delimiter, b"|");
        assert_eq!(parsed(&["-d|"]).unwrap().delimiter, b"|");
        assert_eq!(parsed(&["-d=|"]).unwrap().delimiter, b"|");
        assert_eq!(parsed(&["--delimiter=|"]).unwrap().delimiter, b"|");
        assert_eq!(parsed(&["--deli", "|"]).unwrap().delimiter, b"|");
        // The optional value is greedy: a file name after -d is the delimiter.
        let o = parsed(&["-d", "in.txt"]).unwrap();
        assert_eq!((o.delimiter.as_slice(), o.filename), (&b"in.txt"[..], None));
        let o = parsed(&["-d", "-a", "in.txt"]).unwrap();
        assert_eq!((o.delimiter.as_slice(), o.cut_all, o.filename), (&b" "[..], true, Some(PathBuf::from("in.txt"))));
        // A negative number, and a value with a space, are values.
        assert_eq!(parsed(&["-d", "-1"]).unwrap().delimiter, b"-1");
        assert_eq!(parsed(&["-d", "- x"]).unwrap().delimiter, b"- x");
        assert_eq!(parsed(&["-p"]).unwrap().pos, Some(b"_".to_vec()));
        assert_eq!(parsed(&["-p", "/"]).unwrap().pos, Some(b"/".to_vec()));
        assert_eq!(parsed(&["--pos="]).unwrap().pos, None, "jieba's `if args.pos:` is false for ''");
        let o = parsed(&["-anq", "--", "-"]).unwrap();
        assert_eq!((o.cut_all, o.hmm, o.quiet, o.filename), (true, false, true, Some(PathBuf::from("-"))));
        let o = parsed(&["-ap", "#", "x"]).unwrap();
        assert_eq!((o.cut_all, o.pos, o.filename), (true, Some(b"#".to_vec()), Some(PathBuf::from("x"))));
        let o = parsed(&["--layer-dir", "a", "--layer-dir=b", "-D", "big", "-u", "u.txt", "--no-h"]).unwrap();
        assert_eq!(o.layer_dirs, [PathBuf::from("a"), PathBuf::from("b")]);
        assert_eq!((o.dict, o.user_dict, o.hmm), (Some("big".into()), Some("u.txt".into()), false));
    }

    #[test]
    fn jobs_is_a_whole_number_from_1() {
        assert_eq!(parsed(&[]).unwrap().jobs, None);
        assert_eq!(parsed(&["--jobs", "3"]).unwrap().jobs, Some(3));
        assert_eq!(parsed(&["--jobs= 1_0 "]).unwrap().jobs, Some(10));
        assert_eq!(parsed(&["--jo", "+2"]).unwrap().jobs, Some(2));
        assert_eq!(parsed(&["--jobs", "x"]).unwrap_err(), "argument --jobs: invalid int value: 'x'");
        assert_eq!(parsed(&["--jobs", "1.5"]).unwrap_err(), "argument --jobs: invalid int value: '1.5'");
        assert_eq!(parsed(&["--jobs", "1__0"]).unwrap_err(), "argument --jobs: invalid int value: '1__0'");
        assert_eq!(parsed(&["--jobs", "0"]).unwrap_err(), "argument --jobs: must be at least 1, not 0");
        assert_eq!(parsed(&["--jobs", "-2"]).unwrap_err(), "argument --jobs: must be at least 1, not -2");
        assert_eq!(
            parsed(&["--jobs", "99999999999999999999999"]).unwrap_err(),
            "argument --jobs: at most 1024, not 99999999999999999999999"
        );
        assert_eq!(parsed(&["--jobs"]).unwrap_err(), "argument --jobs: expected one argument");
    }

    #[test]
    fn api_options_go_with_api_only_and_python_abbreviations_keep_their_meaning() {
        let o =
            parsed(&["--api", "http://127.0.0.1:3000/", "--co", "8", "--token", "t", "--retries=0", "--batch", "10"])
                .unwrap();
        let api = o.api.unwrap();
        assert_eq!(api.url, "http://127.0.0.1:3000/segment");
        assert_eq!((api.concurrency, api.token.as_deref(), api.retries, api.batch), (8, Some("t"), 0, 10));
        let api = parsed(&["--api=https://x.example/prod/segment"]).unwrap().api.unwrap();
        assert_eq!(
            (api.url.as_str(), api.concurrency, api.retries, api.batch),
            ("https://x.example/prod/segment", 4, 8, 1000)
        );
        // python -m jieba's --c is --cut-all; ours do not take it away.
        assert!(parsed(&["--c"]).unwrap().cut_all);
        assert_eq!(parsed(&["--re", "x"]).unwrap_err(), "ambiguous option: --re could match --retries, --resume");
        assert_eq!(parsed(&["--resume", "out.txt"]).unwrap().resume, Some(PathBuf::from("out.txt")));
        assert_eq!(parsed(&["--concurrency", "2"]).unwrap_err(), "argument --concurrency: only with --api URL");
        assert_eq!(
            parsed(&["--api", "ftp://x"]).unwrap_err(),
            "argument --api: not an http:// or https:// URL: 'ftp://x'"
        );
        let refused = |args: &[&str]| parsed(&[&["--api", "http://h/"], args].concat()).unwrap_err();
        assert!(refused(&["-u", "u.txt"]).starts_with("argument -u/--user-dict: not with --api"));
        assert!(refused(&["--jobs", "2"]).starts_with("argument --jobs: not with --api"));
        assert!(refused(&["-D", "dict.txt"]).starts_with("argument -D/--dict: with --api, default or big"));
        assert_eq!(parsed(&["--api", "http://h/", "-D", "big"]).unwrap().dict, Some(PathBuf::from("big")));
        assert_eq!(refused(&["--batch", "1001"]), "argument --batch: at most 1000, not 1001");
        assert_eq!(refused(&["--retries", "-1"]), "argument --retries: must be at least 0, not -1");
        assert_eq!(parsed(&["--api", "http://h/", "--retries", "0"]).unwrap().api.unwrap().retries, 0);
    }

    #[test]
    fn usage_errors_say_what_argparse_says() {
        assert_eq!(parsed(&["--d"]).unwrap_err(), "ambiguous option: --d could match --delimiter, --dict");
        assert_eq!(parsed(&["--frobnicate"]).unwrap_err(), "unrecognized arguments: --frobnicate");
        assert_eq!(parsed(&["a", "b", "c"]).unwrap_err(), "unrecognized arguments: b c");
        assert_eq!(parsed(&["-D"]).unwrap_err(), "argument -D/--dict: expected one argument");
        assert_eq!(parsed(&["-u", "-a"]).unwrap_err(), "argument -u/--user-dict: expected one argument");
        assert_eq!(parsed(&["-ax"]).unwrap_err(), "argument -a/--cut-all: ignored explicit argument 'x'");
        assert_eq!(parsed(&["-x"]).unwrap_err(), "unrecognized arguments: -x");
        assert!(parsed(&["--cut-all=1"]).unwrap_err().contains("ignored explicit argument"));
        assert_eq!(parse(["-V", "--frobnicate"].map(OsString::from)), Ok(Command::Version));
        assert_eq!(parse(["-q", "-h"].map(OsString::from)), Ok(Command::Help));
    }
}
