use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::{json, Value};
use toolbox_gateway::{parse_event, Request};
use toolbox_test_support::{fixture, invoke, Answer};

use super::urls::{ImageUrls, SEED_URLS};
use super::{answer, random_image};

fn seed_list() -> ImageUrls {
    ImageUrls::from_settings(None, None).unwrap()
}

fn write_list(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("random-image-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

fn ask(event: Value) -> Answer {
    invoke(&seed_list(), event, random_image)
}

fn request(event: Value) -> Request {
    parse_event(event).unwrap()
}

#[test]
fn every_fixture_shape_answers_an_image_from_the_list() {
    for event in ["random-image/rest-v1.json", "random-image/direct.json"] {
        let answer = ask(fixture(event));
        assert_eq!(answer.status, 200, "{event}");
        assert!(SEED_URLS.contains(&answer.body["imageUrl"].as_str().unwrap()), "{event}: {:?}", answer.body);
    }
    let answer = ask(fixture("random-image/http-v2.json")); // asks for count=3
    let urls = answer.body["imageUrls"].as_array().unwrap();
    assert_eq!(urls.len(), 3);
    assert!(urls.iter().all(|u| SEED_URLS.contains(&u.as_str().unwrap())));
}

#[test]
fn picks_are_uniform() {
    // 10,000 seeded picks: each of 5 URLs expected 2,000 times. A chi-square
    // above 18.47 (4 degrees of freedom, p = 0.001) would mean a biased pick.
    let urls = seed_list();
    let mut rng = StdRng::seed_from_u64(7);
    let response = answer(&urls, &request(json!({ "count": 100 })), &mut rng);
    assert_eq!(response.status, 200);
    let mut counts = [0u32; 5];
    for _ in 0..100 {
        let response = answer(&urls, &request(json!({ "count": 100 })), &mut rng);
        let body: Value = serde_json::from_str(&response.body()).unwrap();
        for url in body["imageUrls"].as_array().unwrap() {
            counts[SEED_URLS.iter().position(|u| u == url).unwrap()] += 1;
        }
    }
    let chi_square: f64 = counts.iter().map(|&c| (c as f64 - 2000.0).powi(2) / 2000.0).sum();
    assert!(chi_square < 18.47, "counts {counts:?}, chi-square {chi_square}");
}

#[test]
fn redirect_answers_302_to_the_picked_url() {
    let answer = ask(json!({ "redirect": "true" }));
    assert_eq!(answer.status, 302);
    let location = answer.headers["location"].as_str().unwrap();
    assert!(SEED_URLS.contains(&location));
    assert_eq!(answer.body["imageUrl"], location);
}

#[test]
fn bad_parameters_get_a_400() {
    for (event, error) in [
        (json!({ "count": 0 }), "'count' must be a whole number from 1 to 100"),
        (json!({ "count": "101" }), "'count' must be a whole number from 1 to 100"),
        (json!({ "count": "three" }), "'count' must be a whole number from 1 to 100"),
        (json!({ "count": -1 }), "'count' must be a whole number from 1 to 100"),
        (json!({ "count": 2.5 }), "'count' must be a whole number from 1 to 100"),
        (json!({ "redirect": "sure" }), "'redirect' must be true or false"),
        (json!({ "count": 2, "redirect": true }), "'redirect' needs a single image: leave out 'count'"),
    ] {
        let answer = ask(event.clone());
        assert_eq!((answer.status, answer.body["error"].as_str()), (400, Some(error)), "{event}");
    }
}

#[test]
fn the_list_file_skips_comments_and_rejects_what_is_not_a_url() {
    let list = write_list("ok", "# our images\nhttps://example.com/a.png\n\n  http://example.com/b.png  # second\n");
    let urls = ImageUrls::from_file(&list).unwrap();
    assert_eq!(urls.as_slice(), ["https://example.com/a.png", "http://example.com/b.png"]);

    let bad = write_list("bad", "https://example.com/a.png\nftp://example.com/b.png\n");
    let error = ImageUrls::from_file(&bad).unwrap_err();
    assert!(error.contains("'ftp://example.com/b.png' is not an http(s) URL"), "{error}");
    let empty = write_list("empty", "# nothing yet\n");
    assert!(ImageUrls::from_file(&empty).unwrap_err().ends_with("no image URLs"));
    let missing = ImageUrls::from_file(std::path::Path::new("/nonexistent/list")).unwrap_err();
    assert!(missing.starts_with("IMAGE_URLS_FILE=/nonexistent/list: "), "{missing}");
}

#[test]
fn settings_choose_the_list() {
    let own = |list: &str| ImageUrls::from_settings(None, Some(list.into()));
    assert_eq!(ImageUrls::from_settings(None, None).unwrap().as_slice(), SEED_URLS);
    assert_eq!(ImageUrls::from_settings(Some(" ".into()), Some(String::new())).unwrap().as_slice(), SEED_URLS);
    assert_eq!(
        own("https://a.example/1.jpg, https://a.example/2.jpg\nhttps://a.example/3.jpg").unwrap().as_slice(),
        ["https://a.example/1.jpg", "https://a.example/2.jpg", "https://a.example/3.jpg"]
    );
    assert!(own("not-a-url").unwrap_err().starts_with("IMAGE_URLS: 'not-a-url'"));
    let both = ImageUrls::from_settings(Some("/x".into()), Some("https://a.example/1.jpg".into()));
    assert_eq!(both.unwrap_err(), "set IMAGE_URLS_FILE or IMAGE_URLS, not both");
}

#[test]
fn null_is_absent_as_for_every_tool() {
    // openapi.yaml's Absent: `"redirect": null` is no redirect, `"count": null` one image.
    for event in [json!({ "redirect": null }), json!({ "count": null }), json!({ "count": null, "redirect": null })] {
        let answer = ask(event.clone());
        assert_eq!(answer.status, 200, "{event}");
        assert!(answer.body["imageUrl"].is_string(), "{event}: {:?}", answer.body);
    }
    assert_eq!(ask(json!({ "count": null, "redirect": true })).status, 302);
    assert_eq!(ask(json!({ "count": 2, "redirect": null })).body["imageUrls"].as_array().unwrap().len(), 2);
}
