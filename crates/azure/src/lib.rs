//! rolegate's live tenant reader: what already exists where a deployment grants.
//!
//! - [`auth`]: the azure_identity credential `--auth` names (managed identity, workload identity
//!   federation, GitHub Actions OIDC, client secret, Azure CLI), built from the environment.
//! - [`client`]: ARM and Microsoft Graph over reqwest against configurable base URLs: paging,
//!   429/5xx retries with bounded backoff, timeouts, bounded concurrency. Tokens are never
//!   printed or logged.
//! - [`collect()`]: given access models, reads the facts the LV rules judge ([`access::live::LiveFacts`]).
//! - [`error`]: what can go wrong.

pub mod auth;
pub mod client;
mod collect;
pub mod error;

pub use auth::{credential, AuthConfig, AuthMethod, Credential, UnknownAuthMethod};
pub use client::{Api, Client, Limits, PUBLIC_ARM, PUBLIC_GRAPH};
pub use collect::collect;
pub use error::Error;
