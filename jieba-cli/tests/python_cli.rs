//! `toolbox-jieba` against `python -m jieba` (jieba 0.42.1, pinned in
//! `.venv/jieba`), byte for byte: stdout and exit status for the same
//! arguments and input, on the review and news corpora (3,000 lines each,
//! plain and tagged; every other option combination on the reviews' first
//! 1,000), on edge-case files, from stdin and from a file, with a user
//! dictionary and with the big dictionary.
//! Needs `scripts/build-layer` (both dictionaries) and `scripts/news-corpus`;
//! `scripts/test` runs them first.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{big_layer, existing, first_difference, layer, news, repo, reviews, scratch};

/// Runs `cmd` with `stdin` fed from a thread (so a large input cannot
/// deadlock against a full stdout pipe).
fn output(mut cmd: Command, stdin: Option<Vec<u8>>) -> Output {
    cmd.stdin(if stdin.is_some() { Stdio::piped() } else { Stdio::null() });
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    let feeder = stdin.map(|bytes| {
        let mut pipe = child.stdin.take().unwrap();
        std::thread::spawn(move || {
            let _ = pipe.write_all(&bytes);
        })
    });
    let out = child.wait_with_output().unwrap();
    if let Some(feeder) = feeder {
        feeder.join().unwrap();
    }
    out
}

fn ours(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toolbox-jieba"));
    cmd.args(args).env("TOOLBOX_LAYER_DIR", layer());
    output(cmd, stdin)
}

/// Python in a UTF-8 locale (stdin and stdout then use surrogateescape), with
/// a jieba cache dir of this test run's own, shared by its runs: jieba then
/// builds each dictionary's prefix cache once, not at every run.
fn python(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    static CACHE: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    let python = existing(repo().join(".venv/jieba/bin/python"), "scripts/setup jieba");
    let mut cmd = Command::new(python);
    let cache = CACHE.get_or_init(|| scratch("python-cache"));
    cmd.args(args).env("LC_ALL", "C.UTF-8").env("TMPDIR", cache).env_remove("PYTHONIOENCODING");
    output(cmd, stdin)
}

fn jieba(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    python(&[["-m", "jieba"].as_slice(), args].concat(), stdin)
}

fn assert_same(what: &str, ours: &Output, theirs: &Output) {
    assert_eq!(
        ours.status.code(),
        theirs.status.code(),
        "{what}: exit status\nours: {}\npython: {}",
        String::from_utf8_lossy(&ours.stderr),
        String::from_utf8_lossy(&theirs.stderr)
    );
    assert!(
        ours.stdout == theirs.stdout,
        "{what}: {}",
        first_difference(["ours", "python"], &ours.stdout, &theirs.stdout)
    );
}

/// The same arguments (plus `-q`) to both, on `file`; returns the line count.
fn same_on_file(args: &[&str], file: &Path) -> usize {
    let file = file.to_str().unwrap();
    let args = [args, &["-q", file]].concat();
    let theirs = jieba(&args, None);
    assert_same(&format!("{args:?}"), &ours(&args, None), &theirs);
    theirs.stdout.iter().filter(|&&b| b == b'\n').count()
}

#[test]
fn the_review_corpus_in_every_option_combination() {
    // The whole corpus in the default mode and with tags; the other
    // combinations on its first 1,000 lines: the library's equality tests
    // (layer/tests/python_equality.rs) already compare every line in every
    // mode, and what these add (options, delimiters, output) shows on any line.
    for args in [&[][..], &["-p"]] {
        assert_eq!(same_on_file(args, &reviews()), 3000, "{args:?}");
    }
    let text = std::fs::read_to_string(reviews()).unwrap();
    let head = scratch("review-head").join("reviews-head.txt");
    std::fs::write(&head, text.split_inclusive('\n').take(1000).collect::<String>()).unwrap();
    let options: [&[&str]; 7] =
        [&["-a"], &["-n"], &["-a", "-n"], &["-p", "-n"], &["-p", "-a"], &["-d"], &["-d", "|", "-p", "/"]];
    for args in options {
        assert_eq!(same_on_file(args, &head), 1000, "{args:?}");
    }
}

#[test]
fn the_news_corpus_as_python_segments_it() {
    for args in [&[][..], &["-p"]] {
        assert!(same_on_file(args, &news()) >= 3000, "{args:?}");
    }
}

#[test]
fn stdin_as_python_reads_it() {
    // The first 1,000 lines: the whole corpus goes through a file above.
    let news = std::fs::read(news()).unwrap();
    let text: Vec<u8> = news.split_inclusive(|&b| b == b'\n').take(1000).flatten().copied().collect();
    for args in [&["-q"][..], &["-q", "-p"]] {
        assert_same(&format!("stdin {args:?}"), &ours(args, Some(text.clone())), &jieba(args, Some(text.clone())));
    }
}

/// Inputs where Python's line handling shows: its universal newlines for a
/// file, `\n` only for stdin, `rstrip('\r\n')`, a BOM, NUL, long lines.
fn edge_cases() -> Vec<(&'static str, Vec<u8>)> {
    let long: Vec<u8> = "我来到北京清华大学，".repeat(20_000).into_bytes();
    vec![
        ("crlf", b"\xe6\x88\x91\xe6\x9d\xa5\xe5\x88\xb0\r\nabc def\r\n\r\n".to_vec()),
        ("lone cr", "我来到\r北京\r\r清华大学\r".as_bytes().to_vec()),
        ("mixed", "a\rb\r\nc\n\nd\r\r\ne".as_bytes().to_vec()),
        ("no final newline", "他来到了网易杭研大厦".as_bytes().to_vec()),
        ("only newlines", b"\n\n\n".to_vec()),
        ("empty", Vec::new()),
        ("bom", "\u{feff}我来到北京清华大学\n\u{feff}\n".as_bytes().to_vec()),
        ("nul", "我来到\0北京\0\0清华大学 \t x\0y\n".as_bytes().to_vec()),
        ("spaces and tabs", " \t 我 来到 \u{3000}北京\u{a0}清华大学\t\n".as_bytes().to_vec()),
        ("long line", [long.clone(), b"\n".to_vec(), long].concat()),
        ("symbols", "C++和C#，.NET、1.5%的A-B_c&d+e 2024年12月2日！？".as_bytes().to_vec()),
    ]
}

#[test]
fn edge_case_files_and_stdin_as_python_reads_them() {
    let dir = scratch("edge");
    for (name, bytes) in edge_cases() {
        let file = dir.join(name.replace(' ', "-"));
        std::fs::write(&file, &bytes).unwrap();
        for args in [&[][..], &["-p"], &["-a"]] {
            same_on_file(args, &file);
            let args = [args, &["-q"]].concat();
            assert_same(
                &format!("{name} on stdin {args:?}"),
                &ours(&args, Some(bytes.clone())),
                &jieba(&args, Some(bytes.clone())),
            );
        }
    }
}

#[test]
fn bytes_that_are_not_utf8_pass_through_stdin_and_stop_a_file() {
    // Python's stdin uses surrogateescape: each such byte is cut like a symbol and written back.
    let input = b"ab\xffc d\n\xe6\x88\x91\xe6\x88 \xe6\x9d\xa5\xed\xa0\x80\xc0\xaf\n\xf4\x90\x80\x80\xfe".to_vec();
    for args in [&["-q"][..], &["-q", "-a"], &["-q", "-p"], &["-q", "-n"]] {
        assert_same(&format!("stdin {args:?}"), &ours(args, Some(input.clone())), &jieba(args, Some(input.clone())));
    }
    // A file is strict UTF-8: Python stops with UnicodeDecodeError (exit 1); so do we, naming the line.
    let dir = scratch("invalid");
    let file = dir.join("bad.txt");
    std::fs::write(&file, b"ok\nfine\nab\xffc\nlater\n").unwrap();
    let file = file.to_str().unwrap();
    let (mine, theirs) = (ours(&["-q", file], None), jieba(&["-q", file], None));
    assert_eq!((mine.status.code(), theirs.status.code()), (Some(1), Some(1)));
    let stderr = String::from_utf8_lossy(&mine.stderr);
    assert!(stderr.contains("bad.txt:3: byte 0xff at offset 2"), "{stderr}");
    assert_eq!(mine.stdout, b"ok\nfine\n", "the lines before it, and nothing after");
}

#[test]
fn a_user_dictionary_as_load_userdict_adds_it() {
    let userdict = news().with_file_name("userdict.txt");
    let userdict = userdict.to_str().unwrap();
    let news = std::fs::read_to_string(news()).unwrap();
    let lines: Vec<&str> = news.lines().take(1500).collect();
    let dir = scratch("userdict");
    let file = dir.join("news-head.txt");
    std::fs::write(&file, lines.join("\n")).unwrap();
    for args in [&["-u", userdict][..], &["-u", userdict, "-p"], &["-u", userdict, "-n"]] {
        assert_eq!(same_on_file(args, &file), 1500, "{args:?}");
    }
}

/// jieba's big dictionary: `-D dict/big/dict.txt.big` with both layers attached.
fn ours_big(args: &[&str], stdin: Option<Vec<u8>>) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toolbox-jieba"));
    cmd.args(["--layer-dir", layer().to_str().unwrap(), "--layer-dir", big_layer().to_str().unwrap()]).args(args);
    output(cmd, stdin)
}

#[test]
fn the_big_dictionary_as_python_with_that_dict() {
    let big = repo().join("dict/big/dict.txt.big");
    let big = big.to_str().unwrap();
    let mut text = "我們在臺灣學習中文，這個軟體很好用\n".repeat(3).into_bytes();
    let reviews = std::fs::read(reviews()).unwrap();
    text.extend(reviews.split(|&b| b == b'\n').take(1000).flat_map(|l| [l, b"\n"].concat()));
    for args in [&["-q", "-D", big][..], &["-q", "-D", big, "-a"], &["-q", "-D", big, "-n"]] {
        let mine = ours_big(args, Some(text.clone()));
        assert_same(&format!("{args:?}"), &mine, &jieba(args, Some(text.clone())));
        assert!(String::from_utf8_lossy(&mine.stdout).starts_with("我們 / 在 / 臺灣 / 學習 / 中文"), "{args:?}");
    }
    // The name works as well as the file; jieba's text file is compared with the layer's.
    assert_eq!(
        ours_big(&["-q", "-D", "big"], Some(text.clone())).stdout,
        ours_big(&["-q", "-D", big], Some(text.clone())).stdout
    );
}

/// `python -m jieba -D BIG -p` imports jieba.posseg before it loads BIG, so
/// its tags come from the default dictionary's table (traditional words are
/// mostly `x`). Ours tag with the named dictionary, as a `POSTokenizer` over a
/// `Tokenizer(dictionary=BIG)` does: that is the oracle here.
#[test]
fn tags_with_the_big_dictionary_are_its_own() {
    let big = repo().join("dict/big/dict.txt.big");
    let text = "我們在臺灣學習中文，這個軟體很好用\n小明碩士畢業於中國科學院計算所\n".repeat(2);
    let oracle = "import sys, logging, jieba, jieba.posseg\n\
                  jieba.setLogLevel(logging.WARNING)\n\
                  t = jieba.posseg.POSTokenizer(jieba.Tokenizer(dictionary=sys.argv[1]))\n\
                  for line in sys.stdin.read().split('\\n')[:-1]:\n    \
                  print(' / '.join(w + '_' + f for w, f in t.cut(line)))\n";
    let theirs = python(&["-c", oracle, big.to_str().unwrap()], Some(text.clone().into_bytes()));
    assert!(theirs.status.success(), "{}", String::from_utf8_lossy(&theirs.stderr));
    let mine = ours_big(&["-q", "-D", "big", "-p"], Some(text.into_bytes()));
    assert_same("-D big -p", &mine, &theirs);
}

#[test]
fn usage_errors_exit_2_with_one_line_and_the_usage() {
    for (args, message) in [
        (&["--d"][..], "ambiguous option: --d could match --delimiter, --dict"),
        (&["a", "b"], "unrecognized arguments: b"),
        (&["-D"], "argument -D/--dict: expected one argument"),
        (&["--frobnicate"], "unrecognized arguments: --frobnicate"),
    ] {
        let mine = ours(args, None);
        let theirs = jieba(args, None);
        assert_eq!((mine.status.code(), theirs.status.code()), (Some(2), Some(2)), "{args:?}");
        let stderr = String::from_utf8_lossy(&mine.stderr);
        assert_eq!(stderr, format!("usage: toolbox-jieba [options] [filename]\ntoolbox-jieba: error: {message}\n"));
        assert!(String::from_utf8_lossy(&theirs.stderr).contains(message), "python says it too: {args:?}");
    }
}

#[test]
fn help_version_and_runtime_errors() {
    let help = ours(&["--help"], None);
    assert!(help.status.success());
    let help = String::from_utf8(help.stdout).unwrap();
    for option in [
        "--delimiter [DELIM]",
        "--pos [DELIM]",
        "--dict DICT",
        "--user-dict USER_DICT",
        "--cut-all",
        "--no-hmm",
        "--quiet",
        "--version",
        "--layer-dir DIR",
    ] {
        assert!(help.contains(option), "--help lacks {option}");
    }
    let version = ours(&["-V"], None);
    assert_eq!(
        String::from_utf8(version.stdout).unwrap(),
        format!("toolbox-jieba {} (Jieba 0.42.1)\n", env!("CARGO_PKG_VERSION"))
    );
    // Python opens the input before loading: a missing file fails first, exit 1.
    let missing = ours(&["/nonexistent/input.txt"], None);
    assert_eq!(missing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("cannot open /nonexistent/input.txt"));
    assert_eq!(jieba(&["/nonexistent/input.txt"], None).status.code(), Some(1));
    // A dictionary the layer does not hold, and no layer at all, are one clear line each.
    let dir = scratch("errors");
    let other = dir.join("other-dict.txt");
    std::fs::write(&other, "我 3 r\n").unwrap();
    let refused = ours(&["-D", other.to_str().unwrap()], Some(Vec::new()));
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("not a dictionary the layer in"), "{refused:?}");
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_toolbox-jieba"));
    cmd.args(["--layer-dir", dir.to_str().unwrap()]);
    let no_layer = output(cmd, Some(b"x\n".to_vec()));
    assert_eq!(no_layer.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&no_layer.stderr).contains("Layer.Missing")
            || String::from_utf8_lossy(&no_layer.stderr).contains("manifest"),
        "{no_layer:?}"
    );
    // Without -q, one loading line names the layer; with -q, nothing.
    let loud = ours(&[], Some("我来到北京\n".as_bytes().to_vec()));
    assert!(String::from_utf8_lossy(&loud.stderr).contains("toolbox-jieba 0.1.0"), "{loud:?}");
    assert!(ours(&["-q"], Some(b"x\n".to_vec())).stderr.is_empty());
}

/// `--jobs`: the same bytes, errors and exit status whatever the number of
/// threads, on an input of many chunks (the corpora four times over, about
/// 9 MB: 36 chunks of toolbox_jieba::parallel::CHUNK_BYTES), with a byte that
/// is not UTF-8 near its end, from a file and from stdin. (Every other test
/// here runs with the default, all cores, against Python.)
#[test]
fn every_number_of_jobs_writes_the_same_bytes_in_input_order() {
    let mut input = Vec::new();
    for _ in 0..4 {
        input.extend(std::fs::read(news()).unwrap());
        input.extend(std::fs::read(reviews()).unwrap());
    }
    assert!(input.len() > 30 * toolbox_jieba::parallel::CHUNK_BYTES, "{} bytes", input.len());
    let dir = scratch("jobs");
    let whole = dir.join("whole.txt");
    std::fs::write(&whole, &input).unwrap();
    let at = input.len() - 1000;
    let at = at + input[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
    let mut broken = input[..at].to_vec();
    broken.extend_from_slice(b"ab\xffc\n");
    broken.extend_from_slice(&input[at..]);
    let bad = dir.join("bad.txt");
    std::fs::write(&bad, &broken).unwrap();
    let (whole, bad) = (whole.to_str().unwrap(), bad.to_str().unwrap());

    for args in [&["-q"][..], &["-q", "-p"]] {
        let one = ours(&[args, &["--jobs", "1", whole]].concat(), None);
        assert!(one.status.success(), "{}", String::from_utf8_lossy(&one.stderr));
        let lines = one.stdout.iter().filter(|&&b| b == b'\n').count();
        assert_eq!(lines, input.iter().filter(|&&b| b == b'\n').count());
        let one_bad = ours(&[args, &["--jobs", "1", bad]].concat(), None);
        assert_eq!(one_bad.status.code(), Some(1));
        let one_stdin = ours(&[args, &["--jobs", "1"]].concat(), Some(broken.clone()));
        assert!(one_stdin.status.success());
        for jobs in ["2", "3", "8"] {
            let what = format!("{args:?} --jobs {jobs}");
            let many = ours(&[args, &["--jobs", jobs, whole]].concat(), None);
            assert_same(&what, &many, &one);
            let many_bad = ours(&[args, &["--jobs", jobs, bad]].concat(), None);
            assert_same(&format!("{what} with a bad byte"), &many_bad, &one_bad);
            assert_eq!(many_bad.stderr, one_bad.stderr, "{what}: the same error, naming the same line");
            assert_same(
                &format!("{what} from stdin"),
                &ours(&[args, &["--jobs", jobs]].concat(), Some(broken.clone())),
                &one_stdin,
            );
        }
    }
    // The file's error names its line, after every line before it.
    let stderr = String::from_utf8_lossy(&ours(&["-q", "--jobs", "3", bad], None).stderr).into_owned();
    let line = broken[..at].iter().filter(|&&b| b == b'\n').count() + 1;
    assert!(stderr.contains(&format!("bad.txt:{line}: byte 0xff at offset 2")), "{stderr}");
    // Usage errors, as argparse words them.
    for (value, message) in [("0", "must be at least 1, not 0"), ("two", "invalid int value: 'two'")] {
        let mine = ours(&["--jobs", value], None);
        assert_eq!(mine.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&mine.stderr).ends_with(&format!("error: argument --jobs: {message}\n")));
    }
}

/// The progress bar is drawn only on a terminal (here a pseudo-terminal from
/// util-linux's `script`), never with `-q`, and never into a pipe.
#[test]
fn a_progress_bar_on_a_terminal_only() {
    let mut input = Vec::new();
    for _ in 0..4 {
        input.extend(std::fs::read(news()).unwrap());
    }
    let dir = scratch("progress");
    let file = dir.join("news4.txt");
    std::fs::write(&file, &input).unwrap();
    let on_terminal = |extra: &str| {
        let command = format!(
            "TOOLBOX_LAYER_DIR='{}' '{}' {extra} --jobs 2 '{}' > /dev/null",
            layer().display(),
            env!("CARGO_BIN_EXE_toolbox-jieba"),
            file.display()
        );
        let out = Command::new("script").args(["-qec", &command, "/dev/null"]).stdin(Stdio::null()).output();
        let out = out.expect("util-linux's script");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let drawn = on_terminal("");
    assert!(drawn.contains("ETA") && drawn.contains("MiB"), "{drawn:?}");
    let quiet = on_terminal("-q");
    assert!(!quiet.contains("ETA") && !quiet.contains("MiB"), "{quiet:?}");
    let piped = ours(&["--jobs", "2", file.to_str().unwrap()], None);
    let stderr = String::from_utf8_lossy(&piped.stderr);
    assert_eq!(stderr.lines().count(), 1, "only the loading line: {stderr:?}");
}
