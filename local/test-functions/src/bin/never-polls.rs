//! Starts and never asks the Runtime API for an event: the runner must give
//! up after the init timeout instead of hanging.

fn main() {
    eprintln!("started; never polling");
    loop {
        std::thread::sleep(std::time::Duration::from_secs(3600));
    }
}
