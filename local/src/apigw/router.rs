//! Route matching as API Gateway does it: literal segments beat `{param}`
//! beat `{greedy+}`, `ANY` and `$default` last.

use crate::template::Route;

enum Segment {
    Literal(String),
    Param(String),
    Greedy(String),
}

struct Compiled {
    /// Its place in the routes given to [`Router::new`].
    index: usize,
    route: Route,
    segments: Vec<Segment>,
    default: bool,
}

pub struct Router {
    routes: Vec<Compiled>,
}

/// A matched route and its path parameters.
pub struct Match<'a> {
    pub route: &'a Route,
    /// The route's place in the routes given to [`Router::new`].
    pub index: usize,
    pub params: Vec<(String, String)>,
}

fn split_path(path: &str) -> Vec<&str> {
    let trimmed = path.trim_start_matches('/');
    let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
    if trimmed.is_empty() {
        Vec::new()
    } else {
        trimmed.split('/').collect()
    }
}

impl Router {
    pub fn new(routes: &[Route]) -> Router {
        let routes = routes
            .iter()
            .enumerate()
            .map(|(index, route)| {
                let default = route.path == "$default";
                let segments = if default {
                    Vec::new()
                } else {
                    split_path(&route.path)
                        .into_iter()
                        .map(|s| match s.strip_prefix('{').and_then(|s| s.strip_suffix('}')) {
                            Some(name) => match name.strip_suffix('+') {
                                Some(greedy) => Segment::Greedy(greedy.to_owned()),
                                None => Segment::Param(name.to_owned()),
                            },
                            None => Segment::Literal(s.to_owned()),
                        })
                        .collect()
                };
                Compiled { index, route: route.clone(), segments, default }
            })
            .collect();
        Router { routes }
    }

    /// The most specific route for `method` and `path`: literal segments beat
    /// parameters, parameters beat greedy `{proxy+}`, an exact method beats
    /// `ANY`, and `$default` comes last.
    pub fn find(&self, method: &str, path: &str) -> Option<Match<'_>> {
        let parts = split_path(path);
        let mut best: Option<((bool, bool, usize, bool), Match<'_>)> = None;
        for compiled in &self.routes {
            let method_ok = match &compiled.route.method {
                None => true,
                Some(m) => m == method,
            };
            if !method_ok {
                continue;
            }
            let Some((params, literals, greedy)) = match_segments(compiled, &parts) else { continue };
            let rank = (!compiled.default, !greedy, literals, compiled.route.method.is_some());
            if best.as_ref().is_none_or(|(r, _)| rank > *r) {
                best = Some((rank, Match { route: &compiled.route, index: compiled.index, params }));
            }
        }
        best.map(|(_, m)| m)
    }

    /// Routes whose path matches, whatever their method (for preflights).
    pub fn any_method(&self, path: &str) -> Option<&Route> {
        let parts = split_path(path);
        self.routes
            .iter()
            .filter(|c| !c.default)
            .find(|c| match_segments(c, &parts).is_some())
            .or_else(|| self.routes.iter().find(|c| c.default))
            .map(|c| &c.route)
    }
}

/// Path parameters, how many literal segments matched, and whether a greedy one did.
type Matched = (Vec<(String, String)>, usize, bool);

fn match_segments(compiled: &Compiled, parts: &[&str]) -> Option<Matched> {
    if compiled.default {
        return Some((Vec::new(), 0, true));
    }
    let mut params = Vec::new();
    let mut literals = 0;
    for (i, segment) in compiled.segments.iter().enumerate() {
        match segment {
            Segment::Greedy(name) => {
                if i >= parts.len() {
                    return None;
                }
                params.push((name.clone(), percent_decode(&parts[i..].join("/"))));
                return Some((params, literals, true));
            }
            Segment::Literal(lit) => {
                if parts.get(i) != Some(&lit.as_str()) {
                    return None;
                }
                literals += 1;
            }
            Segment::Param(name) => {
                let part = parts.get(i)?;
                if part.is_empty() {
                    return None;
                }
                params.push((name.clone(), percent_decode(part)));
            }
        }
    }
    (parts.len() == compiled.segments.len()).then_some((params, literals, false))
}

pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |b: u8| (b as char).to_digit(16);
            if let (Some(hi), Some(lo)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((hi * 16 + lo) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::apigw::test_util::route;
    use crate::template::Payload;

    #[test]
    fn most_specific_route_wins() {
        let router = Router::new(&[
            route(None, "$default", Payload::V2),
            route(None, "/{proxy+}", Payload::V2),
            route(Some("GET"), "/hello/{name}", Payload::V2),
            route(Some("GET"), "/hello/world", Payload::V2),
            route(None, "/hello/world", Payload::V2),
        ]);
        let m = router.find("GET", "/hello/world").unwrap();
        assert_eq!((m.route.method.as_deref(), m.route.path.as_str()), (Some("GET"), "/hello/world"));
        let m = router.find("POST", "/hello/world").unwrap();
        assert_eq!((m.route.method.as_deref(), m.route.path.as_str()), (None, "/hello/world"));
        let m = router.find("GET", "/hello/a%20b").unwrap();
        assert_eq!(m.route.path, "/hello/{name}");
        assert_eq!(m.params, vec![("name".to_string(), "a b".to_string())]);
        let m = router.find("GET", "/x/y/z").unwrap();
        assert_eq!(m.route.path, "/{proxy+}");
        assert_eq!(m.params, vec![("proxy".to_string(), "x/y/z".to_string())]);
        assert_eq!(router.find("GET", "/").unwrap().route.path, "$default");
    }

    #[test]
    fn unknown_routes_and_methods_do_not_match() {
        let router = Router::new(&[route(Some("GET"), "/hello", Payload::V2)]);
        assert!(router.find("GET", "/nope").is_none());
        assert!(router.find("POST", "/hello").is_none());
        assert!(router.find("GET", "/hello/extra").is_none());
        assert!(router.find("GET", "/hello/").is_some(), "a trailing slash is the same resource");
    }

    #[test]
    fn percent_decoding_is_lenient() {
        assert_eq!(percent_decode("a%20b%zz%4"), "a b%zz%4");
        assert_eq!(percent_decode("%你%"), "%你%");
        assert_eq!(percent_decode("%E4%BD%A0"), "你");
    }
}
