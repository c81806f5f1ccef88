//! `calculator` (seed 000, section 4.5): `num1 <operator> num2` for `add`,
//! `subtract`, `multiply` and `divide`, answering as the seed's Python does,
//! input for input: `{"result": <float>}`, or a 400 with its error texts.
//! The one addition: where Python would send `Infinity`/`NaN` (not JSON),
//! this answers a 400 (see docs/calculator.md).

mod pyfloat;
mod unicode;

use std::process::ExitCode;

use serde_json::{json, Value};
use toolbox_gateway::{Params, Request, Response};

const INVALID_INPUT: &str = "Invalid input";
const INVALID_OPERATOR: &str = "Invalid operator";
const DIVIDE_BY_ZERO: &str = "Cannot divide by zero";
const NOT_FINITE: &str = "Result is not a finite number";

fn calculator(_: &(), request: &Request) -> Response {
    match calculate(&request.params) {
        Ok(result) => Response::ok(&json!({ "result": result })),
        Err(message) => Response::error(400, message),
    }
}

/// The seed's steps in the seed's order: `float(num1)`, `float(num2)`, then
/// the operator (absent: `KeyError`, so "Invalid input"; unknown: "Invalid operator").
fn calculate(params: &Params) -> Result<f64, &'static str> {
    let num1 = python_float(params.get("num1"))?;
    let num2 = python_float(params.get("num2"))?;
    let result = match params.get("operator").ok_or(INVALID_INPUT)?.as_str() {
        Some("add") => num1 + num2,
        Some("subtract") => num1 - num2,
        Some("multiply") => num1 * num2,
        Some("divide") if num2 == 0.0 => return Err(DIVIDE_BY_ZERO),
        Some("divide") => num1 / num2,
        _ => return Err(INVALID_OPERATOR),
    };
    if result.is_finite() {
        Ok(result)
    } else {
        Err(NOT_FINITE)
    }
}

/// Python's `float(value)` for what `json.loads` would have made of `value`:
/// strings by Python's grammar, numbers rounded to nearest, `true`/`false` as
/// 1.0/0.0; absent, `null`, lists and objects are "Invalid input".
fn python_float(value: Option<&Value>) -> Result<f64, &'static str> {
    match value {
        Some(Value::String(text)) => pyfloat::parse(text).ok_or(INVALID_INPUT),
        Some(Value::Number(number)) => number.as_f64().ok_or(INVALID_INPUT),
        Some(Value::Bool(flag)) => Ok(f64::from(u8::from(*flag))),
        _ => Err(INVALID_INPUT),
    }
}

fn main() -> ExitCode {
    toolbox_gateway::run(|| Ok::<(), String>(()), calculator)
}

#[cfg(test)]
mod tests;
