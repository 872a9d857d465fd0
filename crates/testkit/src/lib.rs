//! Shared helpers of this workspace's tests, so that no test file carries its own copy: request
//! bodies ([`bodies`]), the test keys and JWS signers ([`keys`]), token-endpoint mocks ([`mock`]), a real `redis-server` ([`redis`]), the sandbox started
//! in-process with facade clients pointed at it ([`sandbox`]), and temporary folders
//! ([`tempdir`]). Dev-only: nothing here is published or used by a service.

#![warn(missing_docs)]

pub mod bodies;
pub mod keys;
pub mod mock;
pub mod redis;
pub mod sandbox;

pub use tempfile::{TempDir, tempdir};
