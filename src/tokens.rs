//! Unit tokens: who may use the upload portal, for which unit, as what role
//! (DESIGN §11). A token is 160 random bits shown once when it is issued;
//! the workspace keeps only its SHA-256 (`portal/tokens.json`), so a copy of the
//! workspace cannot sign in. Checking a token hashes it and compares it with
//! every stored hash in constant time: how long a refusal takes says
//! nothing about how close a guess came.

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::SystemTime;

use crate::error::{Error, Result};
use crate::workspace::Workspace;

/// What a token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Submits for its own unit and sees only that unit's data.
    Clerk,
    /// Province staff: submits for any unit and sees everything.
    Province,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Clerk => "clerk",
            Role::Province => "province",
        }
    }
}

impl std::str::FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Role> {
        match s.trim() {
            "clerk" => Ok(Role::Clerk),
            "province" => Ok(Role::Province),
            other => Err(Error::Usage(format!(
                "未知角色 {other} / unknown role {other}: clerk or province"
            ))),
        }
    }
}

/// One issued token, as stored: never the secret itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TokenRecord {
    /// A short public name for the token (listing, revoking, logs).
    pub id: String,
    /// SHA-256 of the secret, hex.
    pub sha256: String,
    /// The unit the token speaks for (a roster code).
    pub region: String,
    pub role: Role,
    pub created_at: String,
    /// Last day the token is accepted (UTC+8 calendar date); none: no end.
    #[serde(default)]
    pub expires: Option<NaiveDate>,
    #[serde(default)]
    pub revoked_at: Option<String>,
}

impl TokenRecord {
    /// Accepted on `today` (UTC+8): not revoked and not past its last day.
    pub fn is_live(&self, today: NaiveDate) -> bool {
        self.revoked_at.is_none() && self.expires.is_none_or(|last| today <= last)
    }

    /// Why the token is not live, for `token list`.
    pub fn state(&self, today: NaiveDate) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if !self.is_live(today) {
            "expired"
        } else {
            "active"
        }
    }
}

/// The tokens of a workspace (`portal/tokens.json`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Tokens {
    pub tokens: Vec<TokenRecord>,
}

const SECRET_PREFIX: &str = "tz_";

pub fn path(root: &Path) -> PathBuf {
    root.join("portal").join("tokens.json")
}

/// Token edits take their own lock, not the workspace's writer lock: an
/// operator revoking a leaked token must not wait for an hour's batch ingest.
/// The file lives in `portal/`, which the writer lock's sweep does not touch,
/// so a sweep never removes a token edit's temporary file mid-write.
fn lock(root: &Path) -> Result<std::fs::File> {
    let path = root.join("portal").join("tokens.lock");
    std::fs::create_dir_all(root.join("portal")).map_err(Error::io(root.join("portal")))?;
    let file = std::fs::File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&path)
        .map_err(Error::io(&path))?;
    file.lock().map_err(Error::io(&path))?;
    Ok(file)
}

impl Tokens {
    /// The workspace's tokens; none yet when the file does not exist.
    pub fn load(root: &Path) -> Result<Tokens> {
        let path = path(root);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| Error::Config {
                path: path.clone(),
                message: e.to_string(),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Tokens::default()),
            Err(e) => Err(Error::io(&path)(e)),
        }
    }

    fn save(&self, root: &Path) -> Result<()> {
        crate::fsutil::write_bytes_atomic(&path(root), &serde_json::to_vec_pretty(self)?)
    }

    /// The live token whose secret is `secret`, if any. Every stored hash is
    /// compared, each in constant time, whatever matched.
    pub fn verify(&self, secret: &str, today: NaiveDate) -> Option<&TokenRecord> {
        let digest = crate::digest::sha256_hex(secret.trim().as_bytes());
        let mut found = None;
        for record in &self.tokens {
            if constant_time_eq(record.sha256.as_bytes(), digest.as_bytes()) && found.is_none() {
                found = Some(record);
            }
        }
        found.filter(|r| r.is_live(today))
    }
}

/// Equal bytes, in time that depends only on the lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    let diff = a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y));
    std::hint::black_box(diff) == 0
}

/// Random bytes from the operating system, as lowercase hex.
pub fn random_hex(bytes: usize) -> Result<String> {
    let mut buf = vec![0u8; bytes];
    getrandom::fill(&mut buf).map_err(|e| Error::Io {
        path: PathBuf::from("getrandom"),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(crate::digest::hex(&buf))
}

/// A token issued by [`add`]: its record and the secret, shown once.
#[derive(Debug, Clone)]
pub struct Issued {
    pub record: TokenRecord,
    pub secret: String,
}

/// `token add`: a new token for `region` (a roster code or name), written
/// under the tokens' own lock.
pub fn add(ws: &Workspace, region: &str, role: Role, expires: Option<NaiveDate>) -> Result<Issued> {
    let unit = ws.roster.resolve(region)?;
    let _lock = lock(&ws.root)?;
    let mut tokens = Tokens::load(&ws.root)?;
    let secret = format!("{SECRET_PREFIX}{}", random_hex(20)?);
    let mut id = random_hex(4)?;
    while tokens.tokens.iter().any(|t| t.id == id) {
        id = random_hex(4)?;
    }
    let record = TokenRecord {
        id,
        sha256: crate::digest::sha256_hex(secret.as_bytes()),
        region: unit.code.clone(),
        role,
        created_at: now().to_rfc3339(),
        expires,
        revoked_at: None,
    };
    tokens.tokens.push(record.clone());
    tokens.save(&ws.root)?;
    Ok(Issued { record, secret })
}

/// `token revoke`: the token with `id` is refused from now on (kept, marked,
/// so the logs' ids still name something).
pub fn revoke(ws: &Workspace, id: &str) -> Result<TokenRecord> {
    let _lock = lock(&ws.root)?;
    let mut tokens = Tokens::load(&ws.root)?;
    let record = tokens
        .tokens
        .iter_mut()
        .find(|t| t.id == id)
        .ok_or_else(|| Error::Usage(format!("没有编号为 {id} 的令牌 / no token with id {id}")))?;
    if record.revoked_at.is_none() {
        record.revoked_at = Some(now().to_rfc3339());
    }
    let record = record.clone();
    tokens.save(&ws.root)?;
    Ok(record)
}

/// Now in UTC+8, the time zone of every receipt.
pub fn now() -> DateTime<FixedOffset> {
    Utc::now().with_timezone(&crate::normalize::time::china())
}

/// Today's date in UTC+8.
pub fn today() -> NaiveDate {
    now().date_naive()
}

/// `portal/tokens.json`, read again whenever it changes on disk, so `token add`
/// and `token revoke` take effect without a restart.
pub struct TokenCache {
    root: PathBuf,
    path: PathBuf,
    cached: Mutex<(Option<SystemTime>, Tokens)>,
}

impl TokenCache {
    pub fn new(root: &Path) -> TokenCache {
        TokenCache {
            root: root.to_path_buf(),
            path: crate::tokens::path(root),
            cached: Mutex::new((None, Tokens::default())),
        }
    }

    fn current(&self) -> Tokens {
        let modified = std::fs::metadata(&self.path)
            .and_then(|m| m.modified())
            .ok();
        let mut cached = self.cached.lock().unwrap_or_else(|e| e.into_inner());
        if cached.0 != modified || modified.is_none() {
            // Unreadable: no token is accepted rather than stale ones.
            cached.1 = Tokens::load(&self.root).unwrap_or_default();
            cached.0 = modified;
        }
        cached.1.clone()
    }

    /// The live token with this secret.
    pub fn verify(&self, secret: &str) -> Option<TokenRecord> {
        self.current()
            .verify(secret, crate::tokens::today())
            .cloned()
    }

    /// The token with this id, if it is still live (a session ends when its
    /// token is revoked or expires).
    pub fn live(&self, id: &str) -> Option<TokenRecord> {
        let today = crate::tokens::today();
        self.current()
            .tokens
            .into_iter()
            .find(|t| t.id == id && t.is_live(today))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn record(secret: &str, expires: Option<NaiveDate>, revoked: bool) -> TokenRecord {
        TokenRecord {
            id: "abcd0123".into(),
            sha256: crate::digest::sha256_hex(secret.as_bytes()),
            region: "510603".into(),
            role: Role::Clerk,
            created_at: "2024-07-01T09:00:00+08:00".into(),
            expires,
            revoked_at: revoked.then(|| "2024-07-02T09:00:00+08:00".into()),
        }
    }

    fn day(s: &str) -> NaiveDate {
        s.parse().unwrap()
    }

    #[test]
    fn a_token_is_found_by_its_secret_and_not_by_a_near_miss() {
        let tokens = Tokens {
            tokens: vec![record("tz_secret", None, false)],
        };
        assert_eq!(
            tokens
                .verify("tz_secret", day("2024-07-01"))
                .unwrap()
                .region,
            "510603"
        );
        assert!(tokens.verify("tz_secreT", day("2024-07-01")).is_none());
        assert!(tokens.verify("", day("2024-07-01")).is_none());
    }

    #[test]
    fn expired_and_revoked_tokens_are_refused() {
        let expiring = Tokens {
            tokens: vec![record("tz_a", Some(day("2024-06-30")), false)],
        };
        assert!(expiring.verify("tz_a", day("2024-06-30")).is_some());
        assert!(expiring.verify("tz_a", day("2024-07-01")).is_none());
        assert_eq!(expiring.tokens[0].state(day("2024-07-01")), "expired");
        let revoked = Tokens {
            tokens: vec![record("tz_a", None, true)],
        };
        assert!(revoked.verify("tz_a", day("2024-07-01")).is_none());
        assert_eq!(revoked.tokens[0].state(day("2024-07-01")), "revoked");
    }

    #[test]
    fn constant_time_eq_compares_whole_slices() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
    }

    #[test]
    fn random_hex_has_the_asked_length_and_differs_each_time() {
        let a = random_hex(20).unwrap();
        assert_eq!(a.len(), 40);
        assert_ne!(a, random_hex(20).unwrap());
    }
}
