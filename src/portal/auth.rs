//! Who is asking: a unit token (`Authorization: Bearer` for the API, a
//! session cookie after signing in for the pages), what it may see, the
//! forms' CSRF token, and the per-address limit on sign-in attempts.

use axum::http::{HeaderMap, header};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::web::Refusal;
pub use crate::tokens::TokenCache;
use crate::tokens::{Role, TokenRecord};

pub const SESSION_COOKIE: &str = "tz_session";
const SESSION_TTL: Duration = Duration::from_secs(8 * 3600);

/// A signed-in token holder.
#[derive(Debug, Clone, PartialEq)]
pub struct Caller {
    pub token_id: String,
    /// The unit the token speaks for.
    pub region: String,
    pub role: Role,
    /// The session's CSRF token (pages only).
    pub csrf: Option<String>,
}

impl Caller {
    /// May this caller see or submit for `region`?
    pub fn may_act_for(&self, region: &str) -> bool {
        self.role == Role::Province || self.region == region
    }

    /// `Ok` when the caller may act for `region`, else a 403.
    pub fn check(&self, region: &str) -> Result<(), Refusal> {
        if self.may_act_for(region) {
            Ok(())
        } else {
            Err(Refusal::Forbidden(region.to_string()))
        }
    }

    /// The one unit whose rows a clerk sees; none for the province.
    pub fn only_unit(&self) -> Option<&str> {
        (self.role == Role::Clerk).then_some(self.region.as_str())
    }
}

struct Session {
    token_id: String,
    csrf: String,
    expires: Instant,
}

/// Sessions of signed-in browsers, in memory: a restart signs everyone out,
/// which loses nothing (uploads are committed before they are answered).
#[derive(Default)]
pub struct Sessions {
    by_id: Mutex<HashMap<String, Session>>,
}

impl Sessions {
    /// A new session for `token_id`: (session id, CSRF token).
    pub fn open(&self, token_id: &str) -> Result<(String, String), Refusal> {
        let id = random(32)?;
        let csrf = random(16)?;
        let mut map = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, s| s.expires > now);
        map.insert(
            id.clone(),
            Session {
                token_id: token_id.to_string(),
                csrf: csrf.clone(),
                expires: now + SESSION_TTL,
            },
        );
        Ok((id, csrf))
    }

    pub fn close(&self, id: &str) {
        self.by_id
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .remove(id);
    }

    fn get(&self, id: &str) -> Option<(String, String)> {
        let map = self.by_id.lock().unwrap_or_else(|e| e.into_inner());
        map.get(id)
            .filter(|s| s.expires > Instant::now())
            .map(|s| (s.token_id.clone(), s.csrf.clone()))
    }
}

fn random(bytes: usize) -> Result<String, Refusal> {
    crate::tokens::random_hex(bytes).map_err(|e| Refusal::Internal(e.to_string()))
}

/// Failed sign-ins per address in the last minute: past the budget, every
/// attempt from the address is refused until the minute is over. Only
/// failures count, so clerks behind one proxy who type their token right are
/// never held back by each other.
pub struct RateLimiter {
    per_minute: u32,
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl RateLimiter {
    pub fn new(per_minute: u32) -> RateLimiter {
        RateLimiter {
            per_minute,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Refused while `ip` has spent the minute's budget of failures.
    pub fn check(&self, ip: IpAddr) -> Result<(), Refusal> {
        let seen = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match seen.get(&ip) {
            Some((start, n)) if *n >= self.per_minute => {
                let elapsed = start.elapsed();
                if elapsed < Duration::from_secs(60) {
                    Err(Refusal::TooManyAttempts(60 - elapsed.as_secs().min(59)))
                } else {
                    Ok(())
                }
            }
            _ => Ok(()),
        }
    }

    /// Counts a failed attempt from `ip`.
    pub fn failed(&self, ip: IpAddr) {
        let mut seen = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if seen.len() > 10_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= Duration::from_secs(60) {
            *entry = (now, 0);
        }
        entry.1 += 1;
    }
}

fn caller_of(record: TokenRecord, csrf: Option<String>) -> Caller {
    Caller {
        token_id: record.id,
        region: record.region,
        role: record.role,
        csrf,
    }
}

/// The API's caller: `Authorization: Bearer <token>`. A wrong token counts
/// against the address's sign-in budget, as a wrong sign-in does.
pub fn bearer(
    tokens: &TokenCache,
    limiter: &RateLimiter,
    headers: &HeaderMap,
    ip: IpAddr,
) -> Result<Caller, Refusal> {
    let secret = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(Refusal::Unauthorized)?;
    limiter.check(ip)?;
    match tokens.verify(secret) {
        Some(record) => Ok(caller_of(record, None)),
        None => {
            limiter.failed(ip);
            Err(Refusal::Unauthorized)
        }
    }
}

/// The session cookie's value, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value.to_string())
}

/// The pages' caller: a live session of a live token.
pub fn session(
    tokens: &TokenCache,
    sessions: &Sessions,
    headers: &HeaderMap,
) -> Result<Caller, Refusal> {
    let id = session_id(headers).ok_or(Refusal::Unauthorized)?;
    let (token_id, csrf) = sessions.get(&id).ok_or(Refusal::Unauthorized)?;
    let record = tokens.live(&token_id).ok_or(Refusal::Unauthorized)?;
    Ok(caller_of(record, Some(csrf)))
}

/// Who sent a request, for the refusal log only: the unit of a valid bearer
/// token or live session, with no effect on the sign-in budget.
pub fn identify(tokens: &TokenCache, sessions: &Sessions, headers: &HeaderMap) -> Option<String> {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    match bearer {
        Some(secret) => tokens.verify(secret).map(|r| r.region),
        None => session(tokens, sessions, headers).ok().map(|c| c.region),
    }
}

/// A form's CSRF field must equal the session's token.
pub fn check_csrf(caller: &Caller, given: Option<&str>) -> Result<(), Refusal> {
    match (&caller.csrf, given) {
        (Some(expected), Some(given))
            if crate::tokens::constant_time_eq(expected.as_bytes(), given.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(Refusal::Forbidden(
            "表单已过期，请刷新页面 / the form is stale or forged (CSRF); reload the page".into(),
        )),
    }
}

/// The session cookie: never readable by scripts, never sent cross-site,
/// and only over TLS when the request came over TLS (directly or through a
/// proxy that says so).
pub fn session_cookie(id: &str, headers: &HeaderMap) -> String {
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        SESSION_TTL.as_secs(),
        if secure { "; Secure" } else { "" }
    )
}

pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_refuses_past_the_budget_of_failures_and_only_that_address() {
        let limiter = RateLimiter::new(3);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..3 {
            limiter.check(a).unwrap();
            limiter.failed(a);
        }
        assert!(matches!(limiter.check(a), Err(Refusal::TooManyAttempts(_))));
        limiter.check(b).unwrap();
    }

    #[test]
    fn a_clerk_acts_only_for_its_unit_and_the_province_for_all() {
        let clerk = Caller {
            token_id: "t".into(),
            region: "510603".into(),
            role: Role::Clerk,
            csrf: None,
        };
        assert!(clerk.check("510603").is_ok());
        assert_eq!(
            clerk.check("510604"),
            Err(Refusal::Forbidden("510604".into()))
        );
        let province = Caller {
            role: Role::Province,
            ..clerk
        };
        assert!(province.check("510604").is_ok());
    }

    #[test]
    fn the_session_cookie_is_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; tz_session=abc; b=2".parse().unwrap());
        assert_eq!(session_id(&headers).as_deref(), Some("abc"));
    }

    #[test]
    fn csrf_must_match_the_session() {
        let caller = Caller {
            token_id: "t".into(),
            region: "510603".into(),
            role: Role::Clerk,
            csrf: Some("good".into()),
        };
        assert!(check_csrf(&caller, Some("good")).is_ok());
        assert!(check_csrf(&caller, Some("bad")).is_err());
        assert!(check_csrf(&caller, None).is_err());
    }
}
