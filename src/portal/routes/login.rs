//! `/`, `/login` and `/logout`: where a signed-in user starts, a session
//! from a unit's token, and its end.

use axum::Form;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect};
use maud::html;
use serde::Deserialize;
use std::net::SocketAddr;

use crate::portal::auth;
use crate::portal::html::{PageResult, session};
use crate::portal::layout::layout;
use crate::portal::refusal::Refusal;
use crate::portal::state::Shared;
use crate::portal::web::LoggedUnit;
use crate::tokens::Role;

/// `/`: the signed-in home (upload for clerks, coverage for the province),
/// else the sign-in form.
pub async fn home(State(app): State<Shared>, headers: HeaderMap) -> PageResult {
    match session(&app, &headers) {
        Ok(c) if c.role == Role::Province => Ok(Redirect::to("/coverage").into_response()),
        Ok(_) => Ok(Redirect::to("/upload").into_response()),
        Err(_) => login_page(&headers, None, StatusCode::OK),
    }
}

/// The sign-in form, with a fresh form token in a field and in its cookie.
fn login_page(headers: &HeaderMap, error: Option<&Refusal>, status: StatusCode) -> PageResult {
    let (csrf, cookie) = auth::login_csrf(headers)?;
    let body = html! {
        @if let Some(e) = error {
            @let (zh, en) = e.messages();
            p.refusal { (zh) }
            p.en { (en) }
        }
        form.card method="post" action="/login" {
            input type="hidden" name="login_csrf" value=(csrf);
            label for="token" { "单位令牌 / unit token" }
            input #token type="password" name="token" autocomplete="off" required;
            button type="submit" { "登录 / sign in" }
        }
        p.hint { "令牌由省改革办通过 taizhang token add 发放。/ Tokens are issued by the reform office." }
    };
    let mut response = (status, Html(layout(None, "登录", body).into_string())).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&cookie).map_err(|e| Refusal::Internal(e.to_string()))?,
    );
    Ok(response)
}

pub async fn login_form(headers: HeaderMap) -> PageResult {
    login_page(&headers, None, StatusCode::OK)
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    login_csrf: Option<String>,
}

/// `POST /login`: a session for a live token, from the portal's own
/// sign-in form; failures are counted per address (see
/// [`auth::RateLimiter`]).
pub async fn login(
    State(app): State<Shared>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> PageResult {
    auth::check_login_csrf(&headers, form.login_csrf.as_deref())?;
    let record = match app.limiter.check(&app.tokens, &form.token, peer.ip()).await {
        Ok(record) => record,
        Err(refusal) => {
            let mut response = login_page(&headers, Some(&refusal), refusal.status())?;
            if let Refusal::TooManyAttempts(s) = refusal {
                response
                    .headers_mut()
                    .insert(header::RETRY_AFTER, HeaderValue::from(s));
            }
            response.extensions_mut().insert(refusal);
            return Ok(response);
        }
    };
    let (id, _csrf) = app.sessions.open(&record.id)?;
    let mut response = Redirect::to("/").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&auth::session_cookie(&id, &headers))
            .map_err(|e| Refusal::Internal(e.to_string()))?,
    );
    response
        .extensions_mut()
        .insert(LoggedUnit(record.region.clone()));
    Ok(response)
}

#[derive(Debug, Deserialize)]
pub struct CsrfForm {
    csrf: Option<String>,
}

pub async fn logout(
    State(app): State<Shared>,
    headers: HeaderMap,
    Form(form): Form<CsrfForm>,
) -> PageResult {
    let caller = session(&app, &headers)?;
    auth::check_csrf(&caller, form.csrf.as_deref())?;
    if let Some(id) = auth::session_id(&headers) {
        app.sessions.close(&id);
    }
    let mut response = Redirect::to("/login").into_response();
    *response.status_mut() = StatusCode::SEE_OTHER;
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&auth::clear_cookie())
            .map_err(|e| Refusal::Internal(e.to_string()))?,
    );
    Ok(response)
}
