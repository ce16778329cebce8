//! One file per page or resource. A route reads through [`super::read`],
//! draws with [`super::views`] and [`super::html`], and is refused with
//! [`super::refusal`]; no route imports another.

pub mod alerts;
pub mod annual;
pub mod api;
pub mod changes;
pub mod coverage;
pub mod login;
pub mod report;
pub mod scorecard;
pub mod style;
pub mod submissions;
pub mod templates;
pub mod trace;
pub mod upload;
