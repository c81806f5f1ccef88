//! CloudFormation's intrinsic functions, evaluated the way a deploy would as
//! far as one machine can: `Ref` to parameters and pseudo parameters,
//! `Fn::Sub`, `Fn::Join`, `Fn::If` with the template's `Conditions`,
//! `Fn::Select`, `Fn::Split`, `Fn::FindInMap`, `Fn::Base64`, `Fn::GetAtt`.

use base64::Engine;
use serde_json::{Map, Value};

use super::{number, scalar_string, Context, ACCOUNT_ID};

/// Evaluates intrinsic functions against the template's Parameters,
/// Conditions and Mappings.
pub(super) struct Resolver<'a> {
    doc: &'a Value,
    context: &'a Context,
}

impl<'a> Resolver<'a> {
    pub(super) fn new(doc: &'a Value, context: &'a Context) -> Self {
        Resolver { doc, context }
    }

    /// `Ok(None)` is `AWS::NoValue`: the key disappears.
    pub(super) fn resolve(&self, value: &Value) -> Result<Option<Value>, String> {
        self.resolve_depth(value, 0)
    }

    fn resolve_depth(&self, value: &Value, depth: usize) -> Result<Option<Value>, String> {
        if depth > 64 {
            return Err("intrinsic functions nested too deeply".into());
        }
        let d = depth + 1;
        match value {
            Value::Array(items) => {
                let mut out = Vec::new();
                for item in items {
                    if let Some(v) = self.resolve_depth(item, d)? {
                        out.push(v);
                    }
                }
                Ok(Some(Value::Array(out)))
            }
            Value::Object(map) if map.len() == 1 => {
                let (key, arg) = map.iter().next().expect("one entry");
                match key.as_str() {
                    "Ref" => self.reference(arg.as_str().ok_or("Ref takes a name")?),
                    "Fn::GetAtt" => {
                        let parts = match arg {
                            Value::Array(p) => p.iter().map(scalar_string).collect::<Vec<_>>(),
                            Value::String(s) => s.splitn(2, '.').map(str::to_owned).collect(),
                            _ => return Err("Fn::GetAtt takes [resource, attribute]".into()),
                        };
                        Ok(Some(Value::String(self.get_att(&parts.join(".")))))
                    }
                    "Fn::Sub" => self.sub(arg, d).map(|s| Some(Value::String(s))),
                    "Fn::Join" => {
                        let args = self.resolve_list(arg, d)?;
                        let [sep, items] = args.as_slice() else {
                            return Err("Fn::Join takes [separator, list]".into());
                        };
                        let items = items.as_array().ok_or("Fn::Join needs a list")?;
                        Ok(Some(Value::String(
                            items.iter().map(scalar_string).collect::<Vec<_>>().join(&scalar_string(sep)),
                        )))
                    }
                    "Fn::If" => {
                        let args = arg.as_array().ok_or("Fn::If takes [condition, then, else]")?;
                        let [cond, then, other] = args.as_slice() else {
                            return Err("Fn::If takes [condition, then, else]".into());
                        };
                        let cond = cond.as_str().ok_or("Fn::If needs a condition name")?;
                        self.resolve_depth(if self.condition(cond)? { then } else { other }, d)
                    }
                    "Fn::Select" => {
                        let args = self.resolve_list(arg, d)?;
                        let [index, items] = args.as_slice() else {
                            return Err("Fn::Select takes [index, list]".into());
                        };
                        let index = number(index).ok_or("Fn::Select index is not a number")? as usize;
                        Ok(items.as_array().and_then(|a| a.get(index)).cloned())
                    }
                    "Fn::Split" => {
                        let args = self.resolve_list(arg, d)?;
                        let [sep, text] = args.as_slice() else {
                            return Err("Fn::Split takes [separator, text]".into());
                        };
                        let sep = scalar_string(sep);
                        let text = scalar_string(text);
                        Ok(Some(Value::Array(text.split(sep.as_str()).map(|p| Value::String(p.into())).collect())))
                    }
                    "Fn::FindInMap" => {
                        let args = self.resolve_list(arg, d)?;
                        let keys: Vec<String> = args.iter().map(scalar_string).collect();
                        let [map, top, second] = keys.as_slice() else {
                            return Err("Fn::FindInMap takes [map, key, key]".into());
                        };
                        let found = self
                            .doc
                            .get("Mappings")
                            .and_then(|m| m.get(map))
                            .and_then(|m| m.get(top))
                            .and_then(|m| m.get(second));
                        found.cloned().map(Some).ok_or_else(|| format!("Fn::FindInMap: {map}.{top}.{second} not found"))
                    }
                    "Fn::Base64" => {
                        let text = self.resolve_depth(arg, d)?.map(|v| scalar_string(&v)).unwrap_or_default();
                        Ok(Some(Value::String(base64::engine::general_purpose::STANDARD.encode(text))))
                    }
                    "Fn::Equals" | "Fn::And" | "Fn::Or" | "Fn::Not" | "Condition" => {
                        Ok(Some(Value::Bool(self.evaluate(value, d)?)))
                    }
                    _ => {
                        let mut out = Map::new();
                        if let Some(v) = self.resolve_depth(arg, d)? {
                            out.insert(key.clone(), v);
                        }
                        Ok(Some(Value::Object(out)))
                    }
                }
            }
            Value::Object(map) => {
                let mut out = Map::new();
                for (k, v) in map {
                    if let Some(v) = self.resolve_depth(v, d)? {
                        out.insert(k.clone(), v);
                    }
                }
                Ok(Some(Value::Object(out)))
            }
            other => Ok(Some(other.clone())),
        }
    }

    fn resolve_list(&self, arg: &Value, depth: usize) -> Result<Vec<Value>, String> {
        match self.resolve_depth(arg, depth)? {
            Some(Value::Array(items)) => Ok(items),
            _ => Err("expected a list".into()),
        }
    }

    fn reference(&self, name: &str) -> Result<Option<Value>, String> {
        let pseudo = match name {
            "AWS::Region" => Some(self.context.region.clone()),
            "AWS::AccountId" => Some(ACCOUNT_ID.into()),
            "AWS::StackName" => Some("toolbox-local".into()),
            "AWS::StackId" => Some(format!(
                "arn:aws:cloudformation:{}:{ACCOUNT_ID}:stack/toolbox-local/00000000-0000-0000-0000-000000000000",
                self.context.region
            )),
            "AWS::Partition" => Some("aws".into()),
            "AWS::URLSuffix" => Some("amazonaws.com".into()),
            "AWS::NoValue" => return Ok(None),
            _ => None,
        };
        if let Some(value) = pseudo {
            return Ok(Some(Value::String(value)));
        }
        if let Some(param) = self.doc.get("Parameters").and_then(|p| p.get(name)) {
            let is_list = param
                .get("Type")
                .and_then(Value::as_str)
                .is_some_and(|t| t == "CommaDelimitedList" || t.starts_with("List<"));
            let value = |text: String| {
                if is_list {
                    let items = if text.is_empty() {
                        Vec::new()
                    } else {
                        text.split(',').map(|p| Value::String(p.trim().into())).collect()
                    };
                    Value::Array(items)
                } else {
                    Value::String(text)
                }
            };
            if let Some(v) = self.context.parameters.get(name) {
                return Ok(Some(value(v.clone())));
            }
            return match param.get("Default") {
                Some(default) => Ok(Some(value(scalar_string(default)))),
                None => Err(format!("parameter {name} has no Default: pass --parameter {name}=VALUE")),
            };
        }
        if self.doc.get("Resources").and_then(|r| r.get(name)).is_some() {
            return Ok(Some(Value::String(name.to_owned())));
        }
        Err(format!("Ref to unknown name {name}"))
    }

    fn get_att(&self, path: &str) -> String {
        match path.split_once('.') {
            Some((resource, "Arn")) => {
                format!("arn:aws:lambda:{}:{ACCOUNT_ID}:function:{resource}", self.context.region)
            }
            _ => path.to_owned(),
        }
    }

    fn sub(&self, arg: &Value, depth: usize) -> Result<String, String> {
        let (text, vars) = match arg {
            Value::String(s) => (s.clone(), Map::new()),
            Value::Array(items) if !items.is_empty() => {
                let text = items[0].as_str().ok_or("Fn::Sub takes a string")?.to_owned();
                let vars = match items.get(1) {
                    Some(v) => match self.resolve_depth(v, depth)? {
                        Some(Value::Object(m)) => m,
                        _ => Map::new(),
                    },
                    None => Map::new(),
                };
                (text, vars)
            }
            _ => return Err("Fn::Sub takes a string or [string, variables]".into()),
        };
        let mut out = String::new();
        let mut rest = text.as_str();
        while let Some(start) = rest.find("${") {
            out.push_str(&rest[..start]);
            let after = &rest[start + 2..];
            let Some(end) = after.find('}') else {
                out.push_str(&rest[start..]);
                rest = "";
                break;
            };
            let name = &after[..end];
            if let Some(literal) = name.strip_prefix('!') {
                out.push_str("${");
                out.push_str(literal);
                out.push('}');
            } else if let Some(v) = vars.get(name) {
                out.push_str(&scalar_string(v));
            } else if name.contains('.') && !name.starts_with("AWS::") {
                out.push_str(&self.get_att(name));
            } else {
                out.push_str(&self.reference(name)?.map(|v| scalar_string(&v)).unwrap_or_default());
            }
            rest = &after[end + 1..];
        }
        out.push_str(rest);
        Ok(out)
    }

    pub(super) fn condition(&self, name: &str) -> Result<bool, String> {
        let body =
            self.doc.get("Conditions").and_then(|c| c.get(name)).ok_or_else(|| format!("unknown condition {name}"))?;
        self.evaluate(body, 1)
    }

    pub(super) fn evaluate(&self, value: &Value, depth: usize) -> Result<bool, String> {
        if depth > 64 {
            return Err("conditions nested too deeply".into());
        }
        let map = value.as_object().filter(|m| m.len() == 1).ok_or("a condition must be one function")?;
        let (key, arg) = map.iter().next().expect("one entry");
        let items = || arg.as_array().ok_or_else(|| format!("{key} takes a list"));
        match key.as_str() {
            "Condition" => self.condition(arg.as_str().ok_or("Condition takes a name")?),
            "Fn::Equals" => {
                let items = items()?;
                let [a, b] = items.as_slice() else { return Err("Fn::Equals takes two values".into()) };
                let a = self.resolve_depth(a, depth + 1)?.map(|v| scalar_string(&v));
                let b = self.resolve_depth(b, depth + 1)?.map(|v| scalar_string(&v));
                Ok(a == b)
            }
            "Fn::And" => {
                for item in items()? {
                    if !self.evaluate(item, depth + 1)? {
                        return Ok(false);
                    }
                }
                Ok(true)
            }
            "Fn::Or" => {
                for item in items()? {
                    if self.evaluate(item, depth + 1)? {
                        return Ok(true);
                    }
                }
                Ok(false)
            }
            "Fn::Not" => {
                let items = items()?;
                let [inner] = items.as_slice() else { return Err("Fn::Not takes one condition".into()) };
                Ok(!self.evaluate(inner, depth + 1)?)
            }
            other => Err(format!("{other} is not a condition function")),
        }
    }
}
