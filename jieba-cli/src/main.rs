//! `toolbox-jieba [options] [filename]`: see `toolbox-jieba --help`.

use std::io::Write;
use std::process::ExitCode;

use toolbox_jieba::args::{self, Command};

const USAGE: &str = "usage: toolbox-jieba [options] [filename]";

const HELP: &str = "\
usage: toolbox-jieba [options] [filename]

Jieba command line interface (python -m jieba, byte for byte), on the
lambda-toolbox tokenizer and the dictionary of the jieba layer.

positional arguments:
  filename              input file

options:
  -h, --help            show this help message and exit
  -d [DELIM], --delimiter [DELIM]
                        use DELIM instead of ' / ' for word delimiter; or a
                        space if it is used without DELIM
  -p [DELIM], --pos [DELIM]
                        enable POS tagging; if DELIM is specified, use DELIM
                        instead of '_' for POS delimiter
  -D DICT, --dict DICT  use DICT as dictionary: jieba's dict.txt or
                        dict.txt.big (compared with the layer's copies), or
                        the names default and big
  -u USER_DICT, --user-dict USER_DICT
                        use USER_DICT together with the default dictionary or
                        DICT (if specified), as jieba.load_userdict
  -a, --cut-all         full pattern cutting (ignored with POS tagging)
  -n, --no-hmm          don't use the Hidden Markov Model
  -q, --quiet           don't print loading messages to stderr
  -V, --version         show program's version number and exit
  --layer-dir DIR       a layer tree (what Lambda unpacks under /opt);
                        repeatable, merged in order (a user layer after the
                        jieba layer). Default: $TOOLBOX_LAYER_DIR, else this
                        checkout's target/layer/opt, else /opt
  --jobs N              segment on N threads (default: every core); the
                        output is the same, in input order, streamed
  --resume OUTPUT       continue a stopped run: append to OUTPUT (not
                        stdout) after as many input lines as it holds whole
                        lines (an unfinished last line is cut off)

over the deployed API (the same output, in input order):
  --api URL             send the lines to this segment endpoint (a URL
                        ending in / gets segment appended), in batches of at
                        most 1,000 texts and 131,072 bytes; -u and --jobs
                        are refused, -D takes default or big
  --concurrency N       requests in flight at most (default: 4)
  --token TOKEN         the JWT authorizer's bearer token (default:
                        $TOOLBOX_TOKEN)
  --retries N           retries of a 429, a 5xx or a connection error, with
                        exponential backoff and jitter, Retry-After honoured
                        (default: 8); then the run stops, naming the lines
  --batch N             texts a request at most, 1 to 1000 (default: 1000)

On a terminal, stderr shows a progress bar (bytes, rate, time left; with
--api the requests in flight, retries and 429s) unless -q is given; a pipe
or a file gets none.

If no filename specified, use STDIN instead. A file is read with universal
newlines and must be UTF-8; stdin splits at \\n only and passes bytes that
are not UTF-8 through, as Python does.
";

fn main() -> ExitCode {
    match args::parse(std::env::args_os().skip(1)) {
        Ok(Command::Help) => {
            print!("{HELP}");
            ExitCode::SUCCESS
        }
        Ok(Command::Version) => {
            println!("toolbox-jieba {} (Jieba {})", env!("CARGO_PKG_VERSION"), toolbox_jieba::JIEBA_VERSION);
            ExitCode::SUCCESS
        }
        Ok(Command::Segment(options)) => {
            let mut out = toolbox_jieba::stdout();
            match toolbox_jieba::run(&options, &mut out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(failure) => {
                    let _ = out.flush();
                    eprintln!("toolbox-jieba: {}", failure.0);
                    ExitCode::from(1)
                }
            }
        }
        Err(usage) => {
            eprintln!("{USAGE}\ntoolbox-jieba: error: {}", usage.0);
            ExitCode::from(2)
        }
    }
}
