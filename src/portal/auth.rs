//! Who is asking: a unit token (`Authorization: Bearer` for the API, a
//! session cookie after signing in for the pages), what it may see, the
//! forms' CSRF tokens (the sign-in form's too), and the per-address
//! throttle on failed sign-ins.

use axum::http::{HeaderMap, header};
use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::refusal::Refusal;
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

    /// `Ok` when the caller may act for `region`, else a 403 that does not
    /// name it (the region can be the owner of a record the caller only
    /// knew the id of).
    pub fn check(&self, region: &str) -> Result<(), Refusal> {
        if self.may_act_for(region) {
            Ok(())
        } else {
            Err(Refusal::Forbidden(String::new()))
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

/// Failed sign-ins (and wrong API tokens) per address in the last minute.
/// Past the budget, every token check from the address waits a while
/// before it is made, and a wrong token then gets 429: guessing is slowed
/// to the server's connections over that wait. A correct token is always
/// accepted (after the same wait, so the wait says nothing about a guess):
/// behind a proxy every clerk shares one address, and one clerk's typos
/// (or an attacker's guesses) must not lock the others out.
pub struct RateLimiter {
    per_minute: u32,
    throttle: Duration,
    failures: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

const WINDOW: Duration = Duration::from_secs(60);

impl RateLimiter {
    pub fn new(per_minute: u32, throttle: Duration) -> RateLimiter {
        RateLimiter {
            per_minute,
            throttle,
            failures: Mutex::new(HashMap::new()),
        }
    }

    /// Seconds until `ip`'s budget is renewed, while it is spent.
    fn spent(&self, ip: IpAddr) -> Option<u64> {
        let seen = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        match seen.get(&ip) {
            Some((start, n)) if *n >= self.per_minute => {
                let elapsed = start.elapsed();
                (elapsed < WINDOW).then(|| 60 - elapsed.as_secs().min(59))
            }
            _ => None,
        }
    }

    /// Counts a failed attempt from `ip`.
    fn failed(&self, ip: IpAddr) {
        let mut seen = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        if seen.len() > 10_000 {
            seen.retain(|_, (start, _)| now.duration_since(*start) < WINDOW);
        }
        let entry = seen.entry(ip).or_insert((now, 0));
        if now.duration_since(entry.0) >= WINDOW {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
    }

    /// The live token whose secret `ip` sent: 401 when there is none, 429
    /// once the address has spent its budget of failures.
    pub async fn check(
        &self,
        tokens: &TokenCache,
        secret: &str,
        ip: IpAddr,
    ) -> Result<TokenRecord, Refusal> {
        let spent = self.spent(ip);
        if spent.is_some() {
            tokio::time::sleep(self.throttle).await;
        }
        match tokens.verify(secret) {
            Some(record) => Ok(record),
            None => {
                self.failed(ip);
                Err(spent.map_or(Refusal::Unauthorized, Refusal::TooManyAttempts))
            }
        }
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
pub async fn bearer(
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
    let record = limiter.check(tokens, secret, ip).await?;
    Ok(caller_of(record, None))
}

/// The session cookie's value, if any.
pub fn session_id(headers: &HeaderMap) -> Option<String> {
    cookie(headers, SESSION_COOKIE)
}

fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(n, _)| *n == name)
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

/// The sign-in form's CSRF cookie. The form carries the same random value
/// as a field; the cookie is `SameSite=Strict`, so a page of another site
/// that posts a token to `/login` (signing a clerk's browser in as someone
/// else) sends no cookie and is refused. Checked before the token, so a
/// forged sign-in tries no token at all.
pub const LOGIN_COOKIE: &str = "tz_login";
const LOGIN_TTL: Duration = Duration::from_secs(3600);

/// The sign-in form's token and the cookie that carries it: the browser's
/// own when it has one (a form shown again after a wrong token, or in a
/// second tab, stays valid), else a fresh one.
pub fn login_csrf(headers: &HeaderMap) -> Result<(String, String), Refusal> {
    let value = match cookie(headers, LOGIN_COOKIE) {
        Some(v) if v.len() == 32 && v.bytes().all(|b| b.is_ascii_hexdigit()) => v,
        _ => random(16)?,
    };
    let secure = headers
        .get("x-forwarded-proto")
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("https"));
    let cookie = format!(
        "{LOGIN_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        LOGIN_TTL.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    Ok((value, cookie))
}

/// The sign-in form's field must equal its cookie.
pub fn check_login_csrf(headers: &HeaderMap, given: Option<&str>) -> Result<(), Refusal> {
    let cookie = cookie(headers, LOGIN_COOKIE);
    match (cookie, given) {
        (Some(expected), Some(given))
            if !expected.is_empty()
                && crate::tokens::constant_time_eq(expected.as_bytes(), given.as_bytes()) =>
        {
            Ok(())
        }
        _ => Err(Refusal::Forbidden(
            "登录表单已过期或来自其他网站，请刷新登录页 / the sign-in form is stale or came from another site (CSRF); reload the sign-in page".into(),
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limiter_counts_failures_per_address_and_only_that_address_is_slowed() {
        let limiter = RateLimiter::new(3, Duration::ZERO);
        let a: IpAddr = "127.0.0.1".parse().unwrap();
        let b: IpAddr = "127.0.0.2".parse().unwrap();
        for _ in 0..3 {
            assert_eq!(limiter.spent(a), None);
            limiter.failed(a);
        }
        assert!(limiter.spent(a).is_some_and(|s| s <= 60));
        assert_eq!(limiter.spent(b), None);
    }

    #[test]
    fn a_correct_token_is_accepted_from_an_address_past_its_budget() {
        let dir = tempfile::tempdir().unwrap();
        crate::workspace::Workspace::init(dir.path()).unwrap();
        let ws = crate::workspace::Workspace::open(dir.path()).unwrap();
        let issued = crate::tokens::add(&ws, "510603", Role::Clerk, None).unwrap();
        let tokens = TokenCache::new(dir.path());
        let limiter = RateLimiter::new(2, Duration::ZERO);
        let ip: IpAddr = "10.0.0.1".parse().unwrap();
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .unwrap();
        runtime.block_on(async {
            for expected in [
                Refusal::Unauthorized,
                Refusal::Unauthorized,
                Refusal::TooManyAttempts(60),
            ] {
                let refused = limiter.check(&tokens, "tz_wrong", ip).await.unwrap_err();
                assert_eq!(
                    std::mem::discriminant(&refused),
                    std::mem::discriminant(&expected)
                );
            }
            let record = limiter.check(&tokens, &issued.secret, ip).await.unwrap();
            assert_eq!(record.region, "510603");
        });
    }

    #[test]
    fn the_sign_in_form_token_must_match_its_cookie() {
        let (value, cookie) = login_csrf(&HeaderMap::new()).unwrap();
        assert!(cookie.contains("SameSite=Strict") && cookie.contains("HttpOnly"));
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            format!("{LOGIN_COOKIE}={value}").parse().unwrap(),
        );
        assert_eq!(
            login_csrf(&headers).unwrap().0,
            value,
            "the form shown again keeps the browser's token"
        );
        assert!(check_login_csrf(&headers, Some(&value)).is_ok());
        assert!(check_login_csrf(&headers, Some("forged")).is_err());
        assert!(check_login_csrf(&headers, None).is_err());
        assert!(check_login_csrf(&HeaderMap::new(), Some(&value)).is_err());
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
        let refused = clerk.check("510604").unwrap_err();
        assert_eq!(refused, Refusal::Forbidden(String::new()));
        assert!(
            !format!("{:?}", refused.messages()).contains("510604"),
            "a refusal never names the unit that owns what was asked for"
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
