//! `taizhang serve`: the upload portal (DESIGN §11). Clerks sign in with
//! their unit's token, upload ledgers and see at once which cells to fix;
//! province staff watch coverage as the deadline nears. Every upload goes
//! through the service layer's single entry point for received files, the
//! very path of `taizhang ingest`.
//!
//! The pieces: [`auth`] (tokens, sessions, CSRF, the sign-in throttle),
//! [`upload`] (a multipart body streamed to disk with its size checked as it
//! streams), [`intake`] (each file read outside the writer lock, one per unit
//! at a time on a bounded set of readers), [`quota`] (each unit's archived
//! uploads per day), [`commit`] (read files written to the lake in groups,
//! under the workspace's writer lock, and the debounced rebuild that brings
//! coverage up to date), [`records`] (each upload's kept result and who may
//! open it), [`web`] (security headers, the request log; its file of
//! refusals in [`log`]) and [`refusal`]
//! (every refusal, told as a page or as JSON).
//!
//! What is served: [`startup`] builds the [`state::App`] every handler
//! shares ([`state`], with how the portal runs in [`settings`]) and
//! the router, and serves it (on `:0`, a port the system chooses, in the
//! tests). [`routes`] holds one file per page or resource: the pages (HTML,
//! escaped by maud) and the JSON API. A route reads through [`read`] (the
//! warehouse's models, the lake's submissions, the kept records — never a
//! figure counted in Rust) and draws with [`views`], [`html`] and [`layout`];
//! no route imports another. Connections (how many, how long a request's
//! head may take) are bounded in [`crate::serving`]; every limit is
//! `[portal]` in `taizhang.toml`.

mod auth;
mod commit;
mod html;
mod intake;
mod layout;
mod log;
mod quota;
mod read;
mod records;
mod refusal;
mod routes;
mod settings;
mod startup;
mod state;
mod upload;
mod views;
mod web;

pub use auth::Caller;
pub use settings::Settings;
pub use startup::serve;
