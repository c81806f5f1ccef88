//! The HTTP front: API Gateway on 127.0.0.1, with bounded time and memory
//! per client, handing events to the pools.

pub mod body;
pub mod fds;
mod server;

pub use server::{serve, App, Limits};
