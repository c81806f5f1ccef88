//! `toolbox-local`: runs the toolbox's Lambda functions on one machine, the
//! way AWS runs them. See local/README.md and docs/local.md.
//!
//! By concern: [`template`] reads a SAM template (and evaluates its
//! CloudFormation intrinsics); [`apigw`] is API Gateway (routing, proxy
//! events and responses, CORS); [`lambda`] is Lambda (instance pools, an
//! instance's lifecycle, the Runtime API, REPORT lines); [`function_url`]
//! serves function URLs under `/lambda-url/<function>/`; [`metrics`] keeps
//! what CloudWatch would show (requests, the functions' EMF records);
//! [`process`] is process control; [`http`] is the HTTP front tying them together;
//! [`cli`] the command line ([`files`] the files it names); [`watch`] rebuilds and swaps on changes.

pub mod apigw;
pub mod arch;
pub mod cli;
mod commands;
pub mod files;
pub mod function_url;
pub mod http;
pub mod lambda;
pub mod log;
pub mod metrics;
pub mod process;
pub mod template;
pub mod util;
pub mod watch;
