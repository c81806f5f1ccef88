//! `random-image` (seed 000, section 4.6): `{"imageUrl": ...}` picked uniformly
//! from a list, `count=N` for several (`{"imageUrls": [...]}`), and
//! `redirect=true` for a 302 so that `<img src=".../random-image?redirect=true">` works.

mod urls;

use std::process::ExitCode;

use rand::seq::IndexedRandom;
use rand::Rng;
use serde_json::json;
use toolbox_gateway::{Request, Response};

use urls::ImageUrls;

/// Most URLs one request may ask for.
const MAX_COUNT: u64 = 100;

fn random_image(urls: &ImageUrls, request: &Request) -> Response {
    answer(urls, request, &mut rand::rng())
}

fn answer(urls: &ImageUrls, request: &Request, rng: &mut impl Rng) -> Response {
    let params = &request.params;
    let (count, redirect) = match (params.bounded("count", 1..=MAX_COUNT, 1), params.flag("redirect", false)) {
        (Ok(count), Ok(redirect)) => (count, redirect),
        (Err(rejection), _) | (_, Err(rejection)) => return rejection,
    };
    // Each pick is independent and uniform, as `random.choice` is in the seed.
    let mut pick = || urls.as_slice().choose(rng).expect("the list is never empty").as_str();
    if params.contains("count") {
        if redirect {
            return Response::error(400, "'redirect' needs a single image: leave out 'count'");
        }
        let picked: Vec<&str> = (0..count).map(|_| pick()).collect();
        return Response::ok(&json!({ "imageUrls": picked }));
    }
    let url = pick();
    if redirect {
        Response::redirect(url, &json!({ "imageUrl": url }))
    } else {
        Response::ok(&json!({ "imageUrl": url }))
    }
}

fn main() -> ExitCode {
    toolbox_gateway::run(ImageUrls::from_env, random_image)
}

#[cfg(test)]
mod tests;
