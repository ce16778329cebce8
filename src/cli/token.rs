//! `taizhang token add|list|revoke`: the unit tokens of the upload portal.
//! A token's secret is printed once, when it is added; the workspace keeps
//! only its hash.

use chrono::NaiveDate;
use std::io::Write;

use super::Globals;
use crate::service::Verdict;
use crate::tokens::{self, Role, Tokens};
use crate::workspace::Workspace;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    pub action: Action,
}

#[derive(Debug, clap::Subcommand)]
pub enum Action {
    /// 发放令牌 / issue a token for a unit (the secret is shown once).
    Add {
        /// 单位代码或名称 / the unit's roster code or name.
        #[arg(long)]
        region: String,
        /// 角色 / clerk (its own unit only) or province (every unit).
        #[arg(long, default_value = "clerk")]
        role: String,
        /// 最后有效日（含）/ last day the token is accepted, YYYY-MM-DD.
        #[arg(long)]
        expires: Option<NaiveDate>,
    },
    /// 列出令牌（不含密钥）/ list tokens, without secrets.
    List,
    /// 吊销令牌 / refuse a token from now on.
    Revoke {
        /// 令牌编号（见 token list）/ the token's id (see `token list`).
        id: String,
    },
}

pub fn run(globals: &Globals, args: Args) -> anyhow::Result<Verdict> {
    let ws = Workspace::open(&globals.root())?;
    let mut out = std::io::stdout().lock();
    match args.action {
        Action::Add {
            region,
            role,
            expires,
        } => {
            let role: Role = role.parse()?;
            let issued = tokens::add(&ws, &region, role, expires)?;
            let r = &issued.record;
            if globals.json {
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({ "id": r.id, "region": r.region, "role": r.role.as_str(), "expires": r.expires, "token": issued.secret })
                )?;
            } else {
                let unit = ws.roster.get(&r.region).map_or("", |u| u.name.as_str());
                writeln!(
                    out,
                    "已发放令牌 {} / token {} issued for {} {unit} ({}):",
                    r.id,
                    r.id,
                    r.region,
                    r.role.as_str()
                )?;
                writeln!(out, "{}", issued.secret)?;
                writeln!(
                    out,
                    "此密钥只显示这一次，请安全转交 / this secret is shown only now; hand it over safely"
                )?;
            }
        }
        Action::List => {
            let today = tokens::today();
            let all = Tokens::load(&ws.root)?;
            if globals.json {
                let rows: Vec<_> = all
                    .tokens
                    .iter()
                    .map(|t| serde_json::json!({ "id": t.id, "region": t.region, "role": t.role.as_str(), "created_at": t.created_at, "expires": t.expires, "state": t.state(today) }))
                    .collect();
                writeln!(out, "{}", serde_json::Value::Array(rows))?;
            } else if all.tokens.is_empty() {
                writeln!(
                    out,
                    "尚无令牌 / no tokens yet (taizhang token add --region CODE)"
                )?;
            } else {
                writeln!(
                    out,
                    "id        region  role      state    expires     created_at"
                )?;
                for t in &all.tokens {
                    writeln!(
                        out,
                        "{:<9} {:<7} {:<9} {:<8} {:<11} {}",
                        t.id,
                        t.region,
                        t.role.as_str(),
                        t.state(today),
                        t.expires.map_or("-".to_string(), |d| d.to_string()),
                        t.created_at
                    )?;
                }
            }
        }
        Action::Revoke { id } => {
            let r = tokens::revoke(&ws, &id)?;
            if globals.json {
                writeln!(
                    out,
                    "{}",
                    serde_json::json!({ "id": r.id, "revoked_at": r.revoked_at })
                )?;
            } else {
                writeln!(out, "已吊销令牌 {} / token {} revoked", r.id, r.id)?;
            }
        }
    }
    Ok(Verdict::Done)
}
