//! What the PostgreSQL endpoint does with a statement before DuckDB sees it:
//! split a query string into statements, answer the session commands that
//! PostgreSQL clients send (SET, SHOW, BEGIN…) without touching DuckDB,
//! refuse what the read-only endpoint never runs, and rewrite the few
//! PostgreSQL spellings in psql's catalog queries that DuckDB's parser does
//! not take. Pure functions that read words, and so can be fooled by quoting
//! they do not know (`E'\''`, a `$b$` inside a name): they only give clear
//! early refusals. What may run is decided by DuckDB's own parser, statement
//! by statement (`session::vet`), inside DuckDB's sandbox.

use super::failure::Failure;

/// What to do with one statement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Plan {
    /// Nothing but whitespace and comments.
    Empty,
    /// `BEGIN` / `START TRANSACTION`: later statements read one snapshot.
    Begin,
    /// `COMMIT` / `END`, with the tag to answer.
    Commit,
    Rollback,
    /// `SAVEPOINT`, `RELEASE [SAVEPOINT]`, `ROLLBACK [WORK] TO [SAVEPOINT]`
    /// with the savepoint's name: the endpoint changes nothing, so a
    /// savepoint has nothing to keep; it is only remembered by name.
    Savepoint(Savepoint),
    /// A client's session setting, accepted and ignored (the tag `SET`).
    Set,
    /// `SHOW name`: answered from the endpoint's fixed settings.
    Show(String),
    /// Run on DuckDB (rewritten where needed).
    Run(String),
    /// A `COPY` statement, as sent: `copy::parse` reads it where it is served
    /// (only `COPY (query) TO STDOUT` runs: its rows go to the client as
    /// COPY's data; every other COPY is refused there).
    Copy(String),
    /// Refused before it reaches DuckDB, with the SQLSTATE and reason.
    Refuse(Failure),
}

/// What a savepoint command does, with the savepoint's name as PostgreSQL
/// reads it (lower-cased unless quoted).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Savepoint {
    Set(String),
    Release(String),
    RollbackTo(String),
}

/// Settings PostgreSQL clients set at connect time (psql, psycopg, JDBC,
/// DBeaver, BI tools). Accepting them changes nothing: the endpoint always
/// speaks UTF-8, ISO dates and Asia/Shanghai instants.
const HARMLESS_SETTINGS: &[&str] = &[
    "application_name",
    "bytea_output",
    "client_encoding",
    "client_min_messages",
    "datestyle",
    "default_transaction_isolation",
    "default_transaction_read_only",
    "extra_float_digits",
    "intervalstyle",
    "idle_in_transaction_session_timeout",
    "jit",
    "lc_messages",
    "lc_monetary",
    "lc_numeric",
    "lc_time",
    "lock_timeout",
    "search_path",
    "session",
    "standard_conforming_strings",
    "statement_timeout",
    "time",
    "timezone",
    "transaction",
];

/// Statements that would reach outside the warehouse or change anything,
/// by their first keyword. DuckDB's own sandbox refuses them too; naming
/// them here gives the analyst a reason in both languages.
const REFUSED: &[(&str, &str)] = &[
    ("attach", "不能挂载其他数据库 / ATTACH is not allowed"),
    ("detach", "不能卸载数据库 / DETACH is not allowed"),
    ("export", "不能导出数据库 / EXPORT DATABASE is not allowed"),
    ("import", "不能导入数据库 / IMPORT DATABASE is not allowed"),
    ("install", "不能安装扩展 / INSTALL is not allowed"),
    ("load", "不能加载扩展 / LOAD is not allowed"),
    ("force", "不能安装扩展 / FORCE INSTALL is not allowed"),
    ("pragma", "不能执行 PRAGMA / PRAGMA is not allowed"),
    ("call", "不能执行 CALL / CALL is not allowed"),
    ("checkpoint", "只读仓库 / the warehouse is read-only"),
    ("vacuum", "只读仓库 / the warehouse is read-only"),
    ("insert", "只读仓库 / the warehouse is read-only"),
    ("update", "只读仓库 / the warehouse is read-only"),
    ("delete", "只读仓库 / the warehouse is read-only"),
    ("truncate", "只读仓库 / the warehouse is read-only"),
    ("merge", "只读仓库 / the warehouse is read-only"),
    ("create", "只读仓库 / the warehouse is read-only"),
    ("drop", "只读仓库 / the warehouse is read-only"),
    ("alter", "只读仓库 / the warehouse is read-only"),
    ("comment", "只读仓库 / the warehouse is read-only"),
    ("use", "不能切换数据库 / USE is not allowed"),
    ("grant", "只读仓库 / the warehouse is read-only"),
    ("revoke", "只读仓库 / the warehouse is read-only"),
];

/// Splits `sql` into statements at semicolons outside quotes, quoted
/// identifiers, dollar quotes and comments. Empty pieces are dropped.
pub fn split(sql: &str) -> Vec<String> {
    let b = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        // A doubled quote is an escaped one.
                        if i + 1 < b.len() && b[i + 1] == q {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
                i += 1;
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
            }
            b'$' => {
                // $tag$ … $tag$ (a parameter such as $1 is not a tag).
                let tag_end = b[i + 1..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(e)
                        if b[e] == b'$' && !b[i + 1..e].first().is_some_and(u8::is_ascii_digit) =>
                    {
                        let tag = &b[i..=e];
                        let body = e + 1;
                        i = b[body..]
                            .windows(tag.len())
                            .position(|w| w == tag)
                            .map_or(b.len(), |p| body + p + tag.len());
                    }
                    _ => i += 1,
                }
            }
            b';' => {
                push_statement(&mut out, &sql[start..i]);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push_statement(&mut out, &sql[start.min(sql.len())..]);
    out
}

fn push_statement(out: &mut Vec<String>, piece: &str) {
    if !strip_comments(piece).trim().is_empty() {
        out.push(piece.trim().to_string());
    }
}

/// The statement without its leading comments and whitespace.
pub(super) fn strip_comments(sql: &str) -> &str {
    let mut s = sql.trim_start();
    loop {
        if let Some(rest) = s.strip_prefix("--") {
            s = rest.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(rest) = s.strip_prefix("/*") {
            s = rest.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            return s;
        }
    }
}

/// The statement's words, lower-cased, up to `n` of them.
fn leading_words(sql: &str, n: usize) -> Vec<String> {
    strip_comments(sql)
        .trim_start_matches('(')
        .split(|c: char| c.is_whitespace() || c == '=' || c == ';' || c == '(')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_lowercase())
        .collect()
}

/// The statement with the insides of quotes and comments blanked out, so
/// scans for parameters see code only.
fn code_only(sql: &str) -> String {
    let b = sql.as_bytes();
    let mut out = b.to_vec();
    let mut i = 0;
    let blank = |from: usize, to: usize, out: &mut Vec<u8>| {
        for c in out.iter_mut().take(to.min(b.len())).skip(from) {
            *c = b' ';
        }
    };
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                let start = i;
                i += 1;
                while i < b.len() && b[i] != q {
                    i += 1;
                }
                i += 1;
                blank(start, i, &mut out);
            }
            b'-' if b.get(i + 1) == Some(&b'-') => {
                let start = i;
                while i < b.len() && b[i] != b'\n' {
                    i += 1;
                }
                blank(start, i, &mut out);
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                let start = i;
                i += 2;
                while i + 1 < b.len() && !(b[i] == b'*' && b[i + 1] == b'/') {
                    i += 1;
                }
                i += 2;
                blank(start, i, &mut out);
            }
            _ => i += 1,
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The highest `$n` the statement uses (0 for none).
pub fn parameter_count(sql: &str) -> usize {
    let code = code_only(sql);
    let b = code.as_bytes();
    let mut most = 0;
    for (i, &c) in b.iter().enumerate() {
        if c == b'$' && !(i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_')) {
            let digits: String = b[i + 1..]
                .iter()
                .take_while(|d| d.is_ascii_digit())
                .map(|&d| d as char)
                .collect();
            if let Ok(n) = digits.parse::<usize>() {
                most = most.max(n);
            }
        }
    }
    most
}

/// What to do with one statement of a split query string.
pub fn plan(statement: &str) -> Plan {
    let words = leading_words(statement, 4);
    let Some(first) = words.first() else {
        return Plan::Empty;
    };
    let second = words.get(1).map(String::as_str).unwrap_or("");
    match first.as_str() {
        "begin" | "start" => Plan::Begin,
        "commit" | "end" => Plan::Commit,
        "savepoint" | "release" => savepoint(statement),
        "rollback" if words.contains(&"to".to_string()) => savepoint(statement),
        "rollback" | "abort" => Plan::Rollback,
        "set" | "reset" => {
            // SET [SESSION|LOCAL] name …
            let name = match second {
                "session" | "local"
                    if words.get(2).map(String::as_str) != Some("characteristics") =>
                {
                    words.get(2).map(String::as_str).unwrap_or("")
                }
                other => other,
            };
            let name = name.trim_matches('"');
            if HARMLESS_SETTINGS.contains(&name) || name == "all" && first == "reset" {
                Plan::Set
            } else {
                Plan::Refuse(Failure::refused(format!(
                    "不能更改设置 {name} / SET {name} is not allowed: the endpoint's settings are fixed"
                )))
            }
        }
        "discard" | "deallocate" | "unlisten" | "listen" => Plan::Set,
        "copy" => Plan::Copy(statement.to_string()),
        "show" if !second.is_empty() && second != "tables" && second != "all" => {
            let name = strip_comments(statement)[4..]
                .trim()
                .trim_end_matches(';')
                .trim()
                .trim_matches('"')
                .to_ascii_lowercase();
            Plan::Show(name)
        }
        word => match REFUSED.iter().find(|(w, _)| *w == word) {
            Some((_, why)) => Plan::Refuse(Failure::refused(*why)),
            None => Plan::Run(rewrite(statement)),
        },
    }
}

/// A savepoint command read word by word: `SAVEPOINT name`, `RELEASE
/// [SAVEPOINT] name`, `ROLLBACK [WORK | TRANSACTION] TO [SAVEPOINT] name`.
fn savepoint(statement: &str) -> Plan {
    let words = identifiers(strip_comments(statement));
    let word = |i: usize| words.get(i).map(|(w, quoted)| (w.as_str(), *quoted));
    let keyword = |i: usize, k: &str| word(i).is_some_and(|(w, quoted)| !quoted && w == k);
    let mut at = 1;
    let make: fn(String) -> Savepoint = if keyword(0, "savepoint") {
        Savepoint::Set
    } else if keyword(0, "release") {
        at += usize::from(keyword(at, "savepoint"));
        Savepoint::Release
    } else {
        at += usize::from(keyword(at, "work") || keyword(at, "transaction"));
        if !keyword(at, "to") {
            return Plan::Refuse(savepoint_syntax());
        }
        at += 1;
        at += usize::from(keyword(at, "savepoint"));
        Savepoint::RollbackTo
    };
    match word(at) {
        Some((name, _)) if words.len() == at + 1 && !name.is_empty() => {
            Plan::Savepoint(make(name.to_string()))
        }
        _ => Plan::Refuse(savepoint_syntax()),
    }
}

fn savepoint_syntax() -> Failure {
    Failure::new(
        "42601",
        "保存点语句的写法应为 SAVEPOINT 名称、RELEASE [SAVEPOINT] 名称或 ROLLBACK TO [SAVEPOINT] 名称 / \
         syntax error: write SAVEPOINT name, RELEASE [SAVEPOINT] name or ROLLBACK TO [SAVEPOINT] name",
    )
}

/// The words of `sql` as PostgreSQL reads identifiers: a quoted one as
/// written (`""` an escaped quote), others lower-cased; with whether each
/// was quoted. A trailing semicolon is not a word.
fn identifiers(sql: &str) -> Vec<(String, bool)> {
    let mut out = Vec::new();
    let mut chars = sql.trim().trim_end_matches(';').chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() {
            chars.next();
        } else if c == '"' {
            chars.next();
            let mut word = String::new();
            while let Some(c) = chars.next() {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                    } else {
                        break;
                    }
                }
                word.push(c);
            }
            out.push((word, true));
        } else {
            let mut word = String::new();
            while let Some(&c) = chars.peek() {
                if c.is_whitespace() || c == '"' {
                    break;
                }
                word.push(c.to_ascii_lowercase());
                chars.next();
            }
            out.push((word, false));
        }
    }
    out
}

/// `PREPARE name [(types)] AS query` read as its name and its query, for a
/// text DuckDB has already found to be a PREPARE. None for any other shape
/// (a quoted name, a comment between the words), which is then refused: the
/// parts are only trusted after DuckDB has vetted each (`session.rs`).
pub fn prepare_parts(sql: &str) -> Option<(&str, &str)> {
    fn keyword<'a>(s: &'a str, word: &str) -> Option<&'a str> {
        let head = s.get(..word.len())?;
        let rest = &s[word.len()..];
        (head.eq_ignore_ascii_case(word) && rest.starts_with(char::is_whitespace)).then_some(rest)
    }
    let rest = keyword(sql.trim_start(), "prepare")?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let (name, mut rest) = rest.split_at(end);
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        return None;
    }
    rest = rest.trim_start();
    if let Some(types) = rest.strip_prefix('(') {
        rest = types[types.find(')')? + 1..].trim_start();
    }
    let body = keyword(rest, "as")?.trim();
    (!body.is_empty()).then_some((name, body))
}

/// The endpoint's settings as PostgreSQL spells them: what `SHOW name` and
/// `current_setting('name')` answer.
const SETTINGS: &[(&str, &str)] = &[
    ("server_version", "16.0 (taizhang)"),
    ("server_version_num", "160000"),
    ("server_encoding", "UTF8"),
    ("client_encoding", "UTF8"),
    ("datestyle", "ISO, YMD"),
    ("timezone", "Asia/Shanghai"),
    ("time_zone", "Asia/Shanghai"),
    ("intervalstyle", "postgres"),
    ("standard_conforming_strings", "on"),
    ("integer_datetimes", "on"),
    ("search_path", "main"),
    ("transaction_isolation", "serializable"),
    ("transaction_isolation_level", "serializable"),
    ("default_transaction_isolation", "serializable"),
    ("transaction_read_only", "on"),
    ("default_transaction_read_only", "on"),
    ("max_identifier_length", "63"),
    ("lc_collate", "C.UTF-8"),
    ("lc_ctype", "C.UTF-8"),
    ("is_superuser", "off"),
    // SQLAlchemy compares each table's access method with this one.
    ("default_table_access_method", "heap"),
];

/// The value `SHOW name` answers, as PostgreSQL spells it.
pub fn show(name: &str) -> Option<&'static str> {
    let name = name.replace(' ', "_");
    SETTINGS
        .iter()
        .find(|(setting, _)| *setting == name)
        .map(|(_, value)| *value)
}

/// `current_setting(name [, missing_ok])` over [`SETTINGS`]: DuckDB's own
/// reads its settings only, and while binding, so a name passed as a
/// parameter (SQLAlchemy's) cannot reach it. Calls are renamed to this one
/// (`rewrite`).
fn current_setting_macro() -> String {
    let cases: String = SETTINGS
        .iter()
        .map(|(name, value)| format!(" when '{name}' then '{value}'"))
        .collect();
    format!(
        "create or replace temp macro taizhang_current_setting(name) as \
         case lower(name){cases} else error('unrecognized configuration parameter \"' || name || '\"') end, \
         (name, missing_ok) as case lower(name){cases} else \
         case when missing_ok then null::varchar else error('unrecognized configuration parameter \"' || name || '\"') end end;\n"
    )
}

/// PostgreSQL spellings in psql's and drivers' catalog queries that DuckDB's
/// parser refuses, replaced by what DuckDB reads the same way.
pub fn rewrite(sql: &str) -> String {
    const REPLACEMENTS: &[(&str, &str)] = &[
        // psql matches names with OPERATOR(pg_catalog.~) '^(name)$'.
        ("OPERATOR(pg_catalog.~)", "~"),
        ("OPERATOR(pg_catalog.!~)", "!~"),
        (" COLLATE pg_catalog.default", ""),
        ("::pg_catalog.text", "::varchar"),
    ];
    // Casts to PostgreSQL's object-identifier types (regclass, regtype…),
    // which DuckDB has not: the oid itself stands in.
    static REG_CAST: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)::\s*(pg_catalog\s*\.\s*)?reg(class|type|namespace|proc|procedure|oper|operator|role|config|dictionary|collation)\b",
        )
        .expect("a valid pattern")
    });
    let mut out = REG_CAST.replace_all(sql, "").into_owned();
    // The same casts written CAST(x AS regclass) (SQLAlchemy's): x as text,
    // which matches no oid (the endpoint has nothing to find by a name there).
    static REG_CAST_AS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\bAS\s+(pg_catalog\s*\.\s*)?reg(class|type|namespace|proc|procedure|oper|operator|role|config|dictionary|collation)\s*\)",
        )
        .expect("a valid pattern")
    });
    out = REG_CAST_AS.replace_all(&out, "AS VARCHAR)").into_owned();
    // A regproc column compared with 0 (ADBC's `typreceive != 0`): the
    // catalog holds function names, and '-' where PostgreSQL's oid is 0.
    static NO_FUNCTION: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(
            r"(?i)\b(typinput|typoutput|typreceive|typsend|typmodin|typmodout|typanalyze|typsubscript)\s*(=|!=|<>)\s*0\b",
        )
        .expect("a valid pattern")
    });
    if out.contains("typ") {
        out = NO_FUNCTION.replace_all(&out, "$1 $2 '-'").into_owned();
    }
    for (from, to) in REPLACEMENTS {
        if out.contains(from) {
            out = out.replace(from, to);
        }
    }
    static CURRENT_SETTING: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r"(?i)\bcurrent_setting\s*\(").expect("a valid pattern")
    });
    if out.contains("current_setting") || out.contains("CURRENT_SETTING") {
        out = CURRENT_SETTING
            .replace_all(&out, "taizhang_current_setting(")
            .into_owned();
    }
    // `pg_catalog.x` → `x`, so that the connection's completions of the
    // catalog (catalog.sql, temporary objects found first) are read.
    static QUALIFIER: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
        regex::Regex::new(r#"(?i)\bpg_catalog\s*\.\s*("?[a-z_])"#).expect("a valid pattern")
    });
    if out.contains("pg_catalog") {
        out = QUALIFIER.replace_all(&out, "$1").into_owned();
    }
    out
}

/// Temporary objects every endpoint connection gets (see catalog.sql).
pub fn catalog() -> &'static str {
    static CATALOG: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!("{}{}", include_str!("catalog.sql"), current_setting_macro())
    });
    &CATALOG
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_keeps_semicolons_inside_quotes_comments_and_dollar_quotes() {
        assert_eq!(
            split("select 'a;b'; select \"x;y\" from t; -- c;\n/* d; */ select $$e;f$$, $1;;"),
            [
                "select 'a;b'",
                "select \"x;y\" from t",
                "-- c;\n/* d; */ select $$e;f$$, $1"
            ]
        );
        assert_eq!(split("select 'it''s; fine'"), ["select 'it''s; fine'"]);
        assert!(split(" ; -- nothing\n;").is_empty());
        assert_eq!(split("select 1"), ["select 1"]);
    }

    #[test]
    fn an_unterminated_quote_or_comment_is_one_statement_not_a_panic() {
        assert_eq!(split("select 'open; still"), ["select 'open; still"]);
        assert_eq!(split("select 1 /* open;"), ["select 1 /* open;"]);
        assert_eq!(split("select $tag$ open;"), ["select $tag$ open;"]);
        assert_eq!(split("select $"), ["select $"]);
    }

    #[test]
    fn client_settings_are_accepted_and_others_refused() {
        for s in [
            "SET extra_float_digits = 3",
            "SET application_name = 'DBeaver'",
            "set datestyle to 'ISO'",
            "SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY",
            "SET TIME ZONE 'Asia/Shanghai'",
            "set search_path = public",
            "RESET ALL",
            "SET LOCAL statement_timeout = 0",
        ] {
            assert_eq!(plan(s), Plan::Set, "{s}");
        }
        for s in [
            "SET enable_external_access = true",
            "set lock_configuration = false",
            "SET memory_limit='100GB'",
            "SET GLOBAL threads = 1",
        ] {
            assert!(matches!(plan(s), Plan::Refuse(_)), "{s}");
        }
    }

    #[test]
    fn what_reaches_outside_or_writes_is_refused_by_its_first_word() {
        for s in [
            "ATTACH '/tmp/x.db'",
            "  /* hi */ INSTALL httpfs",
            "LOAD httpfs",
            "create table x (a int)",
            "INSERT INTO mart_pilots VALUES (1)",
            "PRAGMA enable_profiling",
            "EXPORT DATABASE '/tmp/out'",
            "CHECKPOINT",
        ] {
            assert!(matches!(plan(s), Plan::Refuse(_)), "{s}");
        }
        // A COPY goes to copy::parse whole, which refuses all but
        // `COPY (query) TO STDOUT` (its tests).
        assert_eq!(
            plan("COPY mart_pilots TO '/tmp/x.csv'"),
            Plan::Copy("COPY mart_pilots TO '/tmp/x.csv'".into())
        );
        assert_eq!(plan("select 1"), Plan::Run("select 1".into()));
        assert_eq!(plan("(select 1)"), Plan::Run("(select 1)".into()));
        assert_eq!(
            plan("with x as (select 1) select * from x"),
            Plan::Run("with x as (select 1) select * from x".into())
        );
    }

    #[test]
    fn transactions_and_show_are_the_endpoints_own() {
        assert_eq!(plan("BEGIN"), Plan::Begin);
        assert_eq!(plan("start transaction read only"), Plan::Begin);
        assert_eq!(plan("commit"), Plan::Commit);
        assert_eq!(plan("ROLLBACK"), Plan::Rollback);
        assert_eq!(plan("rollback work"), Plan::Rollback);
        assert_eq!(
            plan("SHOW transaction isolation level"),
            Plan::Show("transaction isolation level".into())
        );
        assert_eq!(show("transaction isolation level"), Some("serializable"));
        assert_eq!(
            plan("show server_version;"),
            Plan::Show("server_version".into())
        );
        assert_eq!(show("no_such_setting"), None);
        // DuckDB's own SHOW TABLES runs on DuckDB.
        assert_eq!(plan("SHOW TABLES"), Plan::Run("SHOW TABLES".into()));
    }

    #[test]
    fn savepoints_are_read_with_their_names_as_postgresql_reads_them() {
        use Savepoint::*;
        for (sql, want) in [
            ("SAVEPOINT \"_pg3_1\"", Set("_pg3_1".into())),
            ("savepoint Sp1;", Set("sp1".into())),
            ("RELEASE \"_pg3_1\"", Release("_pg3_1".into())),
            (
                "release savepoint sa_savepoint_1",
                Release("sa_savepoint_1".into()),
            ),
            (
                "ROLLBACK TO SAVEPOINT \"a\"\"b\"",
                RollbackTo("a\"b".into()),
            ),
            ("rollback work to x", RollbackTo("x".into())),
            (
                "/* c */ ROLLBACK TRANSACTION TO sp",
                RollbackTo("sp".into()),
            ),
            ("release \"savepoint\"", Release("savepoint".into())),
        ] {
            assert_eq!(plan(sql), Plan::Savepoint(want), "{sql}");
        }
        for sql in [
            "savepoint",
            "savepoint a b",
            "release",
            "release savepoint",
            "rollback to",
            "rollback to savepoint",
            "rollback work to a b",
            "savepoint \"\"",
        ] {
            assert!(
                matches!(
                    plan(sql),
                    Plan::Refuse(Failure {
                        sqlstate: "42601",
                        ..
                    })
                ),
                "{sql}"
            );
        }
    }

    #[test]
    fn parameters_are_counted_outside_quotes_and_comments() {
        assert_eq!(
            parameter_count("select * from t where a = $1 and b = $2"),
            2
        );
        assert_eq!(
            parameter_count("select '$3', \"$4\" -- $5\n/* $6 */ from t where a = $1"),
            1
        );
        assert_eq!(parameter_count("select 1"), 0);
        assert_eq!(parameter_count("select $$x$$"), 0);
    }

    #[test]
    fn a_prepare_is_read_as_its_name_and_query_or_not_at_all() {
        assert_eq!(
            prepare_parts("prepare q as select count(*) from t where p = $1"),
            Some(("q", "select count(*) from t where p = $1"))
        );
        assert_eq!(
            prepare_parts("  PREPARE by_period(text, int) AS\n  select $1, $2;"),
            Some(("by_period", "select $1, $2;"))
        );
        for s in [
            "prepare qas select 1",
            "prepare \"q\" as select 1",
            "prepare /* c */ q as select 1",
            "prepare q as",
            "prepare 1q as select 1",
            "prepareq as select 1",
            "prepare q(numeric(10,2)) as select 1",
            "select 1",
            "",
        ] {
            assert_eq!(prepare_parts(s), None, "{s}");
        }
    }

    #[test]
    fn regproc_columns_compared_with_zero_compare_with_a_dash() {
        assert_eq!(
            rewrite(
                "SELECT oid FROM pg_catalog.pg_type WHERE (typreceive != 0 OR typsend<>0) \
                 AND typreceive::TEXT != 'array_recv' AND typlen = 0 AND typinput = 01"
            ),
            "SELECT oid FROM pg_type WHERE (typreceive != '-' OR typsend <> '-') \
             AND typreceive::TEXT != 'array_recv' AND typlen = 0 AND typinput = 01"
        );
    }

    #[test]
    fn current_setting_reads_the_endpoints_settings() {
        assert_eq!(
            rewrite("select pg_catalog.current_setting($1), CURRENT_SETTING ('x', true)"),
            "select taizhang_current_setting($1), taizhang_current_setting('x', true)"
        );
    }

    /// The catalog as clients read it, on an empty DuckDB: every object
    /// loads, and the queries of ADBC, psycopg and SQLAlchemy that broke on
    /// what was missing answer.
    #[test]
    fn the_catalog_answers_what_drivers_ask_first() {
        use crate::pg::duck::Database;
        let conn = Database::open(std::path::Path::new(":memory:"), &[])
            .unwrap()
            .connect()
            .unwrap();
        conn.execute_batch(catalog()).unwrap();
        let rows = |sql: &str| -> Vec<String> {
            use arrow::util::display::{ArrayFormatter, FormatOptions};
            let mut prepared = conn.prepare_one(&rewrite(sql)).unwrap();
            let mut rows = prepared.execute().unwrap();
            let mut out = Vec::new();
            while let Some(batch) = rows.next_batch().unwrap() {
                let options = FormatOptions::default();
                let column = ArrayFormatter::try_new(batch.column(0), &options).unwrap();
                out.extend((0..batch.num_rows()).map(|i| column.value(i).to_string()));
            }
            out
        };
        // ADBC's type query: PostgreSQL's receive functions, arrays left out.
        let types = rows(
            "SELECT typname || ':' || typreceive FROM pg_catalog.pg_type WHERE \
             (typreceive != 0 OR typsend != 0) AND typtype != 'r' AND typreceive::TEXT != 'array_recv'",
        );
        for t in [
            "int8:int8recv",
            "varchar:varcharrecv",
            "numeric:numeric_recv",
            "date:date_recv",
        ] {
            assert!(types.contains(&t.to_string()), "{t}: {types:?}");
        }
        assert!(!types.iter().any(|t| t.contains("array_recv")), "{types:?}");
        assert_eq!(rows("select to_regtype('hstore') is null"), ["true"]);
        assert_eq!(rows("select to_regtype('int4')"), ["23"]);
        assert_eq!(
            rows("select current_setting('default_table_access_method')"),
            ["heap"]
        );
        assert_eq!(
            rows("select current_setting('no_such', true) is null"),
            ["true"]
        );
        assert_eq!(rows("select count(*) from pg_catalog.pg_index"), ["0"]);
        assert_eq!(rows("select count(*) from pg_catalog.pg_opclass"), ["0"]);
    }

    #[test]
    fn psqls_operator_spellings_are_rewritten() {
        assert_eq!(
            rewrite(
                "WHERE c.relname OPERATOR(pg_catalog.~) '^(mart_x)$' COLLATE pg_catalog.default"
            ),
            "WHERE c.relname ~ '^(mart_x)$'"
        );
        // Qualified catalog names lose the qualifier; the word in a string stays.
        assert_eq!(
            rewrite(
                "select pg_catalog.pg_get_userbyid(c.relowner) from pg_catalog.pg_class c where n.nspname <> 'pg_catalog'"
            ),
            "select pg_get_userbyid(c.relowner) from pg_class c where n.nspname <> 'pg_catalog'"
        );
    }
}
