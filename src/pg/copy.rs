//! `COPY (query) TO STDOUT`: how Arrow-native clients (connectorx under
//! polars, ADBC) and psql's `\copy` fetch a query's rows. It writes nothing
//! on the server: the rows go to the client in COPY's text, csv or binary
//! form, streamed within the statement's limits like any query's.
//!
//! The statement is read here, and only its query is ever given to DuckDB,
//! where it must be one query ([`super::session::Accept::Query`]): a COPY to
//! a file or a program, a COPY FROM, or a COPY of a table is refused before
//! anything runs. A reading fooled by quoting can only pick the wrong text
//! as the query, which DuckDB then vets as it vets any.

use bytes::{BufMut, Bytes, BytesMut};
use pgwire::api::results::FieldInfo;
use pgwire::messages::copy::CopyData;
use pgwire::messages::data::DataRow;
use std::sync::Arc;

use super::failure::Failure;
use super::run::Shape;
use super::session::Accept;

/// A `COPY (query) TO STDOUT` read: its query and how its rows are written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyOut {
    pub query: String,
    pub options: Options,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Csv,
    Binary,
}

/// COPY's options, with PostgreSQL's defaults for the format.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Options {
    pub format: Format,
    pub delimiter: u8,
    pub null: String,
    pub header: bool,
    pub quote: u8,
    pub escape: u8,
    pub force_quote: ForceQuote,
}

/// Which columns CSV quotes even when nothing in them needs it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ForceQuote {
    None,
    All,
    Columns(Vec<String>),
}

impl Options {
    /// The format code of CopyOutResponse (and of every column): 1 binary, 0 text.
    pub fn format_code(&self) -> i8 {
        i8::from(self.format == Format::Binary)
    }
}

fn refused(message: impl Into<String>) -> Failure {
    Failure::refused(message)
}

fn syntax(message: impl Into<String>) -> Failure {
    Failure::new("42601", message)
}

/// One word of the text after the query: a keyword or name (lower-cased
/// unless quoted), a string constant, or a punctuation mark.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Word(String),
    Quoted(String),
    Str(String),
    Punct(char),
}

/// Reads `COPY (query) TO STDOUT [WITH] [options]` (`statement` is one
/// statement; its first word is COPY). Anything else is refused with the
/// reason: the endpoint never writes or reads a file, and COPY serves a
/// query's rows only.
pub fn parse(statement: &str) -> Result<CopyOut, Failure> {
    let text = super::sql::strip_comments(statement);
    let rest = text
        .get(..4)
        .filter(|w| w.eq_ignore_ascii_case("copy"))
        .map(|_| &text[4..])
        .ok_or_else(|| syntax("不是 COPY 语句 / not a COPY statement"))?;
    let rest = super::sql::strip_comments(rest);
    let Some(inner) = rest.strip_prefix('(') else {
        return Err(table_copy(rest));
    };
    let close = closing_paren(inner).ok_or_else(|| {
        syntax("COPY 的查询缺少右括号 / syntax error: the query of COPY (…) has no closing parenthesis")
    })?;
    let query = inner[..close].trim();
    if query.is_empty() {
        return Err(syntax(
            "COPY 的括号中没有查询 / syntax error: COPY () holds no query",
        ));
    }
    let tokens = tokenize(&inner[close + 1..])?;
    let mut at = tokens.iter().peekable();
    match at.next() {
        Some(Token::Word(w)) if w == "to" => {}
        Some(Token::Word(w)) if w == "from" => return Err(copy_from()),
        _ => return Err(syntax(to_stdout_syntax())),
    }
    match at.next() {
        Some(Token::Word(w)) if w == "stdout" => {}
        Some(Token::Str(_)) => return Err(copy_to_file()),
        Some(Token::Word(w)) if w == "program" => return Err(copy_to_program()),
        _ => return Err(syntax(to_stdout_syntax())),
    }
    let mut given = Given::default();
    if matches!(at.peek(), Some(Token::Word(w)) if w == "with") {
        at.next();
    }
    if at.peek() == Some(&&Token::Punct('(')) {
        at.next();
        options_list(&mut at, &mut given)?;
        if let Some(extra) = at.next() {
            return Err(syntax(format!(
                "COPY 选项之后多出 {extra:?} / syntax error after COPY's options at {extra:?}"
            )));
        }
    } else {
        legacy_options(&mut at, &mut given)?;
    }
    Ok(CopyOut {
        query: super::sql::rewrite(query),
        options: given.resolve()?,
    })
}

fn to_stdout_syntax() -> String {
    "COPY 的写法应为 COPY (查询) TO STDOUT [WITH (FORMAT text|csv|binary, …)] / syntax error: \
     write COPY (query) TO STDOUT [WITH (FORMAT text|csv|binary, …)]"
        .to_string()
}

fn copy_to_file() -> Failure {
    refused(
        "COPY 不能写服务器上的文件 / COPY to a file is not allowed: use COPY (query) TO STDOUT, \
         which writes to the client (psql: \\copy (query) to 'file')",
    )
}

fn copy_to_program() -> Failure {
    refused("COPY 不能运行程序 / COPY TO PROGRAM is not allowed")
}

fn copy_from() -> Failure {
    refused("只读仓库，不能导入 / COPY FROM is not allowed: the warehouse is read-only")
}

/// `COPY name [(columns)] TO|FROM …`: a table's rows are served through a
/// query the analyst writes, which DuckDB vets; a COPY into one never.
fn table_copy(rest: &str) -> Failure {
    let words: Vec<String> = rest
        .split(|c: char| c.is_whitespace() || c == '(' || c == ')' || c == ',')
        .filter(|w| !w.is_empty())
        .map(|w| w.to_ascii_lowercase())
        .collect();
    if words.iter().any(|w| w == "from") {
        return copy_from();
    }
    Failure::new(
        "0A000",
        "只能导出查询结果 / COPY of a table is not served: write COPY (SELECT * FROM name) TO \
         STDOUT (psql: \\copy (select * from name) to 'file')",
    )
}

/// The byte offset in `s` of the `)` closing a `(` just before `s`, past
/// quotes, quoted names, dollar quotes, comments and nested parentheses.
fn closing_paren(s: &str) -> Option<usize> {
    let b = s.as_bytes();
    let mut depth = 0usize;
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'\'' | b'"' => {
                let q = b[i];
                i += 1;
                while i < b.len() {
                    if b[i] == q {
                        if b.get(i + 1) == Some(&q) {
                            i += 2;
                            continue;
                        }
                        break;
                    }
                    i += 1;
                }
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
                i += 1;
            }
            b'$' => {
                let end = b[i + 1..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
                    .map(|p| i + 1 + p);
                if let Some(e) = end
                    && b[e] == b'$'
                    && !b[i + 1..e].first().is_some_and(u8::is_ascii_digit)
                {
                    let tag = &b[i..=e];
                    let body = e + 1;
                    i = b[body..]
                        .windows(tag.len())
                        .position(|w| w == tag)
                        .map_or(b.len(), |p| body + p + tag.len() - 1);
                }
            }
            b'(' => depth += 1,
            b')' if depth == 0 => return Some(i),
            b')' => depth -= 1,
            _ => {}
        }
        i += 1;
    }
    None
}

/// The words of the text after `COPY (query)`.
fn tokenize(s: &str) -> Result<Vec<Token>, Failure> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    while let Some(&c) = chars.peek() {
        if c.is_whitespace() || c == ';' {
            chars.next();
        } else if c == '\'' || c == '"' {
            chars.next();
            let mut value = String::new();
            let mut closed = false;
            while let Some(d) = chars.next() {
                if d == c {
                    if chars.peek() == Some(&c) {
                        chars.next();
                    } else {
                        closed = true;
                        break;
                    }
                }
                value.push(d);
            }
            if !closed {
                return Err(syntax(
                    "COPY 选项中的引号未闭合 / syntax error: an unterminated quote in COPY's options",
                ));
            }
            out.push(if c == '\'' {
                Token::Str(value)
            } else {
                Token::Quoted(value)
            });
        } else if "(),*=".contains(c) {
            chars.next();
            out.push(Token::Punct(c));
        } else {
            let mut word = String::new();
            while let Some(&d) = chars.peek() {
                if d.is_whitespace() || "(),*=;'\"".contains(d) {
                    break;
                }
                word.push(d.to_ascii_lowercase());
                chars.next();
            }
            if word.starts_with("--") || word.starts_with("/*") {
                return Err(syntax(
                    "COPY 选项中不能有注释 / syntax error: no comments among COPY's options",
                ));
            }
            out.push(Token::Word(word));
        }
    }
    Ok(out)
}

/// The options as given, before defaults and checks.
#[derive(Debug, Default)]
struct Given {
    format: Option<Format>,
    delimiter: Option<String>,
    null: Option<String>,
    header: Option<bool>,
    quote: Option<String>,
    escape: Option<String>,
    force_quote: Option<ForceQuote>,
}

type Tokens<'a> = std::iter::Peekable<std::slice::Iter<'a, Token>>;

/// An option's value: a string, a word or a number.
fn value_text(token: Option<&Token>, option: &str) -> Result<String, Failure> {
    match token {
        Some(Token::Str(s) | Token::Word(s) | Token::Quoted(s)) => Ok(s.clone()),
        _ => Err(syntax(format!(
            "COPY 选项 {option} 缺少取值 / syntax error: COPY option {option} needs a value"
        ))),
    }
}

fn boolean(text: &str, option: &str) -> Result<bool, Failure> {
    match text.to_ascii_lowercase().as_str() {
        "true" | "on" | "1" | "yes" => Ok(true),
        "false" | "off" | "0" | "no" => Ok(false),
        _ => Err(syntax(format!(
            "COPY 选项 {option} 须为布尔值 / {option} requires a Boolean value"
        ))),
    }
}

fn format_named(name: &str) -> Result<Format, Failure> {
    match name.to_ascii_lowercase().as_str() {
        "text" => Ok(Format::Text),
        "csv" => Ok(Format::Csv),
        "binary" => Ok(Format::Binary),
        other => Err(syntax(format!(
            "COPY 格式 {other} 无法识别 / COPY format \"{other}\" not recognized"
        ))),
    }
}

/// Column names in parentheses, or `*`.
fn columns(at: &mut Tokens<'_>) -> Result<ForceQuote, Failure> {
    if at.peek() == Some(&&Token::Punct('*')) {
        at.next();
        return Ok(ForceQuote::All);
    }
    let parenthesised = at.peek() == Some(&&Token::Punct('('));
    if parenthesised {
        at.next();
    }
    let mut names = Vec::new();
    loop {
        match at.next() {
            Some(Token::Word(w) | Token::Quoted(w)) => names.push(w.clone()),
            _ => {
                return Err(syntax(
                    "FORCE_QUOTE 须列出列名或 * / syntax error: FORCE_QUOTE takes column names or *",
                ));
            }
        }
        match at.peek() {
            Some(Token::Punct(',')) => {
                at.next();
            }
            Some(Token::Punct(')')) if parenthesised => {
                at.next();
                break;
            }
            _ if !parenthesised => break,
            _ => {
                return Err(syntax(
                    "FORCE_QUOTE 的列名缺少右括号 / syntax error: FORCE_QUOTE's columns are not closed",
                ));
            }
        }
    }
    Ok(ForceQuote::Columns(names))
}

/// `( name [value] [, …] )`, the opening parenthesis read.
fn options_list(at: &mut Tokens<'_>, given: &mut Given) -> Result<(), Failure> {
    loop {
        let name = match at.next() {
            Some(Token::Word(w)) => w.clone(),
            Some(Token::Punct(')')) if given_nothing(given) => return Ok(()),
            _ => return Err(syntax(to_stdout_syntax())),
        };
        let ends = |t: Option<&&Token>| matches!(t, None | Some(Token::Punct(',' | ')')));
        match name.as_str() {
            "format" => given.format = Some(format_named(&value_text(at.next(), "FORMAT")?)?),
            "header" if ends(at.peek()) => given.header = Some(true),
            "header" => given.header = Some(boolean(&value_text(at.next(), "HEADER")?, "HEADER")?),
            "delimiter" => given.delimiter = Some(value_text(at.next(), "DELIMITER")?),
            "null" => given.null = Some(value_text(at.next(), "NULL")?),
            "quote" => given.quote = Some(value_text(at.next(), "QUOTE")?),
            "escape" => given.escape = Some(value_text(at.next(), "ESCAPE")?),
            "force_quote" => given.force_quote = Some(columns(at)?),
            "encoding" => utf8_only(&value_text(at.next(), "ENCODING")?)?,
            other => {
                return Err(syntax(format!(
                    "COPY 选项 {other} 无法识别 / option \"{other}\" not recognized"
                )));
            }
        }
        match at.next() {
            Some(Token::Punct(',')) => {}
            Some(Token::Punct(')')) => return Ok(()),
            _ => return Err(syntax(to_stdout_syntax())),
        }
    }
}

fn given_nothing(given: &Given) -> bool {
    given.format.is_none()
        && given.delimiter.is_none()
        && given.null.is_none()
        && given.header.is_none()
        && given.quote.is_none()
        && given.escape.is_none()
        && given.force_quote.is_none()
}

/// PostgreSQL's older spelling, which psql's `\copy … with csv header`
/// and connectorx (`WITH BINARY`) send: `BINARY`, `CSV`, `HEADER`,
/// `DELIMITER [AS] 'c'`, `NULL [AS] 's'`, `QUOTE [AS] 'c'`, `ESCAPE [AS]
/// 'c'`, `FORCE QUOTE columns | *`.
fn legacy_options(at: &mut Tokens<'_>, given: &mut Given) -> Result<(), Failure> {
    while let Some(token) = at.next() {
        let Token::Word(word) = token else {
            return Err(syntax(to_stdout_syntax()));
        };
        let value = |at: &mut Tokens<'_>, option: &str| {
            if matches!(at.peek(), Some(Token::Word(w)) if w == "as") {
                at.next();
            }
            match at.next() {
                Some(Token::Str(s)) => Ok(s.clone()),
                _ => Err(syntax(format!(
                    "COPY 选项 {option} 须为带引号的字符串 / syntax error: {option} takes a quoted string"
                ))),
            }
        };
        match word.as_str() {
            "binary" => given.format = Some(Format::Binary),
            "csv" => given.format = Some(Format::Csv),
            "header" => given.header = Some(true),
            "delimiter" => given.delimiter = Some(value(at, "DELIMITER")?),
            "null" => given.null = Some(value(at, "NULL")?),
            "quote" => given.quote = Some(value(at, "QUOTE")?),
            "escape" => given.escape = Some(value(at, "ESCAPE")?),
            "force" => match at.next() {
                Some(Token::Word(w)) if w == "quote" => given.force_quote = Some(columns(at)?),
                _ => return Err(syntax(to_stdout_syntax())),
            },
            other => {
                return Err(syntax(format!(
                    "COPY 选项 {other} 无法识别 / option \"{other}\" not recognized"
                )));
            }
        }
    }
    Ok(())
}

fn utf8_only(encoding: &str) -> Result<(), Failure> {
    match encoding
        .to_ascii_lowercase()
        .replace(['-', '_'], "")
        .as_str()
    {
        "utf8" | "unicode" => Ok(()),
        _ => Err(Failure::new(
            "0A000",
            format!(
                "端点只以 UTF8 输出 / the endpoint writes UTF8 only, not encoding \"{encoding}\""
            ),
        )),
    }
}

/// One ASCII character, as COPY's DELIMITER, QUOTE and ESCAPE must be.
fn one_byte(value: &str, option: &str) -> Result<u8, Failure> {
    match value.as_bytes() {
        [b] if b.is_ascii() && *b != b'\n' && *b != b'\r' => Ok(*b),
        _ => Err(syntax(format!(
            "COPY {option} 须为单个 ASCII 字符（不能是换行）/ COPY {option} must be a single \
             one-byte character other than a newline"
        ))),
    }
}

impl Given {
    /// The options with PostgreSQL's defaults, checked as PostgreSQL checks them.
    fn resolve(self) -> Result<Options, Failure> {
        let format = self.format.unwrap_or(Format::Text);
        let only_csv = |set: bool, option: &str| {
            if set && format != Format::Csv {
                Err(Failure::new(
                    "0A000",
                    format!("COPY {option} 只用于 CSV / COPY {option} requires CSV mode"),
                ))
            } else {
                Ok(())
            }
        };
        only_csv(self.quote.is_some(), "QUOTE")?;
        only_csv(self.escape.is_some(), "ESCAPE")?;
        only_csv(self.force_quote.is_some(), "FORCE_QUOTE")?;
        if format == Format::Binary {
            for (set, option) in [
                (self.delimiter.is_some(), "DELIMITER"),
                (self.null.is_some(), "NULL"),
                (self.header.is_some(), "HEADER"),
            ] {
                if set {
                    return Err(syntax(format!(
                        "BINARY 格式不能指定 {option} / cannot specify {option} in BINARY mode"
                    )));
                }
            }
        }
        let csv = format == Format::Csv;
        let delimiter = match &self.delimiter {
            Some(d) => one_byte(d, "DELIMITER")?,
            None if csv => b',',
            None => b'\t',
        };
        let quote = match &self.quote {
            Some(q) => one_byte(q, "QUOTE")?,
            None => b'"',
        };
        let escape = match &self.escape {
            Some(e) => one_byte(e, "ESCAPE")?,
            None => quote,
        };
        if format == Format::Text && delimiter == b'\\' {
            return Err(syntax(
                "COPY 分隔符不能是反斜杠 / COPY delimiter cannot be backslash",
            ));
        }
        if csv && delimiter == quote {
            return Err(syntax(
                "COPY 分隔符不能与引号相同 / COPY delimiter and quote must be different",
            ));
        }
        let null = self
            .null
            .unwrap_or_else(|| if csv { String::new() } else { "\\N".into() });
        if null.contains(['\n', '\r']) {
            return Err(syntax(
                "COPY 的 NULL 不能含换行 / COPY null representation cannot use newline or carriage return",
            ));
        }
        Ok(Options {
            format,
            delimiter,
            null,
            header: self.header.unwrap_or(false),
            quote,
            escape,
            force_quote: self.force_quote.unwrap_or(ForceQuote::None),
        })
    }
}

/// PGCOPY's signature, flags and header extension length, before the first row.
const BINARY_HEADER: &[u8] = b"PGCOPY\n\xff\r\n\0\0\0\0\0\0\0\0\0";
/// A binary COPY's last message: a row of -1 fields.
const BINARY_TRAILER: &[u8] = &[0xff, 0xff];

/// The fields of a row as encoded for the wire: each `None` for NULL.
fn fields_of(row: &DataRow) -> impl ExactSizeIterator<Item = Option<&[u8]>> {
    let data = &row.data[..];
    let mut at = 0usize;
    (0..row.field_count).map(move |_| {
        let len = data
            .get(at..at + 4)
            .map_or(-1, |b| i32::from_be_bytes([b[0], b[1], b[2], b[3]]));
        at += 4;
        let Ok(len) = usize::try_from(len) else {
            return None;
        };
        let value = data.get(at..at + len).unwrap_or_default();
        at += len;
        Some(value)
    })
}

/// Writes rows as COPY's lines, one CopyData message per row as PostgreSQL
/// sends them (psycopg reads one row per message). Made for a COPY's
/// options; told the columns before the first row.
pub struct Lines {
    options: Options,
    forced: Vec<bool>,
    started: bool,
}

impl Lines {
    pub fn new(options: Options) -> Lines {
        Lines {
            options,
            forced: Vec::new(),
            started: false,
        }
    }

    fn text_field(&self, out: &mut BytesMut, value: &[u8]) {
        let delimiter = self.options.delimiter;
        for &b in value {
            match b {
                b'\\' => out.put_slice(b"\\\\"),
                b'\n' => out.put_slice(b"\\n"),
                b'\r' => out.put_slice(b"\\r"),
                b'\t' => out.put_slice(b"\\t"),
                0x08 => out.put_slice(b"\\b"),
                0x0c => out.put_slice(b"\\f"),
                0x0b => out.put_slice(b"\\v"),
                b if b == delimiter => {
                    out.put_u8(b'\\');
                    out.put_u8(b);
                }
                b => out.put_u8(b),
            }
        }
    }

    fn csv_field(&self, out: &mut BytesMut, value: &[u8], forced: bool, alone: bool) {
        let Options {
            delimiter,
            quote,
            escape,
            ..
        } = self.options;
        // As PostgreSQL does: quote what holds the delimiter, a quote or a
        // line break, what reads as the NULL string, and `\.` alone on its
        // line, which older clients take for the end of the data.
        let needs = forced
            || value
                .iter()
                .any(|&b| b == delimiter || b == quote || b == b'\n' || b == b'\r')
            || value == self.options.null.as_bytes()
            || alone && value == b"\\.";
        if !needs {
            out.put_slice(value);
            return;
        }
        out.put_u8(quote);
        for &b in value {
            if b == quote || b == escape {
                out.put_u8(escape);
            }
            out.put_u8(b);
        }
        out.put_u8(quote);
    }

    /// A text or csv line of `values` (`None` for NULL), with its newline.
    fn line<'a>(&self, values: impl ExactSizeIterator<Item = Option<&'a [u8]>>) -> BytesMut {
        let mut out = BytesMut::new();
        let alone = values.len() == 1;
        for (i, value) in values.enumerate() {
            if i > 0 {
                out.put_u8(self.options.delimiter);
            }
            match (value, self.options.format) {
                (None, _) => out.put_slice(self.options.null.as_bytes()),
                (Some(v), Format::Csv) => {
                    let forced = self.forced.get(i).copied().unwrap_or(false);
                    self.csv_field(&mut out, v, forced, alone)
                }
                (Some(v), _) => self.text_field(&mut out, v),
            }
        }
        out.put_u8(b'\n');
        out
    }
}

impl Options {
    /// The HEADER line of `fields`' names, for text and csv when asked for.
    pub fn header(&self, fields: &[FieldInfo]) -> Option<CopyData> {
        if !self.header || self.format == Format::Binary {
            return None;
        }
        let line = Lines::new(self.clone()).line(fields.iter().map(|f| Some(f.name().as_bytes())));
        Some(CopyData::new(line.freeze()))
    }

    /// What ends the data: binary's trailer, led by its header when no row
    /// came (PostgreSQL sends the header with the first row).
    pub fn trailer(&self, rows: u64) -> Option<CopyData> {
        if self.format != Format::Binary {
            return None;
        }
        let mut out = BytesMut::new();
        if rows == 0 {
            out.put_slice(BINARY_HEADER);
        }
        out.put_slice(BINARY_TRAILER);
        Some(CopyData::new(out.freeze()))
    }
}

impl Shape for Lines {
    type Item = CopyData;
    const ACCEPT: Accept = Accept::Query;

    fn columns(&mut self, fields: &Arc<Vec<FieldInfo>>) -> Result<(), Failure> {
        self.forced = match &self.options.force_quote {
            ForceQuote::None => vec![false; fields.len()],
            ForceQuote::All => vec![true; fields.len()],
            ForceQuote::Columns(names) => {
                let mut forced = vec![false; fields.len()];
                for name in names {
                    let i = fields
                        .iter()
                        .position(|f| f.name() == name)
                        .ok_or_else(|| {
                            Failure::new(
                                "42703",
                                format!(
                                    "FORCE_QUOTE 的列 {name} 不在结果中 / column \"{name}\" of \
                                 FORCE_QUOTE is not in the query's result"
                                ),
                            )
                        })?;
                    forced[i] = true;
                }
                forced
            }
        };
        Ok(())
    }

    fn item(&mut self, row: DataRow) -> CopyData {
        let data: Bytes = match self.options.format {
            Format::Binary => {
                let mut out = BytesMut::with_capacity(row.data.len() + 2 + BINARY_HEADER.len());
                if !self.started {
                    out.put_slice(BINARY_HEADER);
                }
                // A DataRow's binary fields are COPY's: length, then bytes.
                out.put_i16(row.field_count);
                out.put_slice(&row.data);
                out.freeze()
            }
            Format::Text | Format::Csv => self.line(fields_of(&row)).freeze(),
        };
        self.started = true;
        CopyData::new(data)
    }

    fn wire_size(data: &CopyData) -> u64 {
        // The message's type and length, then its bytes.
        5 + data.data.len() as u64
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use pgwire::api::Type;
    use pgwire::api::results::{DataRowEncoder, FieldFormat};

    fn options(sql: &str) -> Options {
        parse(sql)
            .unwrap_or_else(|e| panic!("{sql}: {e:?}"))
            .options
    }

    #[test]
    fn the_query_and_options_are_read_in_both_spellings() {
        let got = parse("COPY (select a, ')' from t where b = '(') TO STDOUT WITH BINARY").unwrap();
        assert_eq!(got.query, "select a, ')' from t where b = '('");
        assert_eq!(got.options.format, Format::Binary);
        assert_eq!(
            parse("copy ( select (1) -- )\n, $$)$$ ) to stdout (format binary)")
                .unwrap()
                .query,
            "select (1) -- )\n, $$)$$"
        );
        // What psql's \copy sends, and ADBC's and connectorx's spellings.
        let csv = options("COPY ( select 1 ) TO STDOUT with csv header");
        assert_eq!(
            (csv.format, csv.header, csv.delimiter),
            (Format::Csv, true, b',')
        );
        assert_eq!(csv.null, "");
        let text = options("copy (select 1) to stdout");
        assert_eq!((text.format, text.delimiter), (Format::Text, b'\t'));
        assert_eq!(text.null, "\\N");
        let listed = options(
            "copy (select 1 as a) to stdout with (format csv, header true, delimiter ';', \
             null 'NA', quote '''', escape '\\', force_quote (a), encoding 'UTF8')",
        );
        assert_eq!(listed.delimiter, b';');
        assert_eq!(listed.null, "NA");
        assert_eq!((listed.quote, listed.escape), (b'\'', b'\\'));
        assert_eq!(listed.force_quote, ForceQuote::Columns(vec!["a".into()]));
        let legacy = options(
            "copy (select 1) to stdout csv delimiter as '|' null as '-' quote '\"' force quote *",
        );
        assert_eq!((legacy.delimiter, legacy.null.as_str()), (b'|', "-"));
        assert_eq!(legacy.force_quote, ForceQuote::All);
        assert!(options("copy (select 1) to stdout (header)").header);
        assert_eq!(
            options("/* c */ copy(select 1)to stdout;").format,
            Format::Text
        );
    }

    #[test]
    fn files_programs_imports_and_tables_are_refused() {
        for (sql, sqlstate, reason) in [
            ("copy (select 1) to '/tmp/x.csv'", "42501", "COPY to a file"),
            ("COPY (select 1) TO PROGRAM 'sh -c id'", "42501", "PROGRAM"),
            ("copy mart_pilots from '/tmp/x.csv'", "42501", "COPY FROM"),
            ("copy mart_pilots from stdin", "42501", "COPY FROM"),
            ("copy (select 1) from stdin", "42501", "COPY FROM"),
            ("copy mart_pilots to stdout", "0A000", "COPY of a table"),
            (
                "copy mart_pilots (a, b) to '/tmp/x'",
                "0A000",
                "COPY of a table",
            ),
            ("copy (select 1) to stdin", "42601", "syntax"),
            ("copy (select 1)", "42601", "syntax"),
            ("copy () to stdout", "42601", "no query"),
            ("copy (select 1 to stdout", "42601", "closing parenthesis"),
            (
                "copy (select 1) to stdout (format xml)",
                "42601",
                "not recognized",
            ),
            (
                "copy (select 1) to stdout (fromat csv)",
                "42601",
                "not recognized",
            ),
            (
                "copy (select 1) to stdout (format binary, header)",
                "42601",
                "BINARY mode",
            ),
            (
                "copy (select 1) to stdout (quote '\"')",
                "0A000",
                "requires CSV mode",
            ),
            (
                "copy (select 1) to stdout (delimiter '||')",
                "42601",
                "single one-byte",
            ),
            (
                "copy (select 1) to stdout (format csv, delimiter '\"')",
                "42601",
                "different",
            ),
            (
                "copy (select 1) to stdout (encoding 'GBK')",
                "0A000",
                "UTF8 only",
            ),
            (
                "copy (select 1) to stdout with csv header junk",
                "42601",
                "not recognized",
            ),
            (
                "copy (select 1) to stdout (format csv) extra",
                "42601",
                "syntax error",
            ),
        ] {
            let e = parse(sql).expect_err(sql);
            assert_eq!(e.sqlstate, sqlstate, "{sql}: {e:?}");
            assert!(e.message.contains(reason), "{sql}: {}", e.message);
            assert!(e.message.contains("/ "), "both languages: {}", e.message);
        }
    }

    fn fields(names: &[&str], format: FieldFormat) -> Arc<Vec<FieldInfo>> {
        Arc::new(
            names
                .iter()
                .map(|n| FieldInfo::new(n.to_string(), None, None, Type::VARCHAR, format))
                .collect(),
        )
    }

    fn row(fields: &Arc<Vec<FieldInfo>>, values: &[Option<&str>]) -> DataRow {
        let mut encoder = DataRowEncoder::new(fields.clone());
        for v in values {
            encoder.encode_field(v).unwrap();
        }
        encoder.take_row()
    }

    fn lines(sql: &str, values: &[&[Option<&str>]]) -> String {
        let options = options(sql);
        let fields = fields(&["a", "b"], FieldFormat::Text);
        let mut lines = Lines::new(options.clone());
        lines.columns(&fields).unwrap();
        let mut out = String::new();
        if let Some(header) = options.header(&fields) {
            out.push_str(&String::from_utf8_lossy(&header.data));
        }
        for v in values {
            let data = lines.item(row(&fields, v));
            out.push_str(&String::from_utf8_lossy(&data.data));
        }
        out
    }

    /// Each line as PostgreSQL 16 writes it for the same values.
    #[test]
    fn text_and_csv_lines_escape_and_quote_as_postgresql_does() {
        let values: &[&[Option<&str>]] = &[
            &[Some("a\tb\\c"), None],
            &[Some("line\nbreak"), Some("")],
            &[Some("say \"hi\", ok"), Some("\\.")],
        ];
        assert_eq!(
            lines("copy (select 1) to stdout", values),
            "a\\tb\\\\c\t\\N\nline\\nbreak\t\nsay \"hi\", ok\t\\\\.\n"
        );
        assert_eq!(
            lines("copy (select 1) to stdout (format csv, header)", values),
            "a,b\na\tb\\c,\n\"line\nbreak\",\"\"\n\"say \"\"hi\"\", ok\",\\.\n"
        );
        assert_eq!(
            lines(
                "copy (select 1) to stdout (format csv, force_quote (b), escape '\\')",
                values
            ),
            "a\tb\\c,\n\"line\nbreak\",\"\"\n\"say \\\"hi\\\", ok\",\"\\\\.\"\n"
        );
        assert_eq!(
            lines("copy (select 1) to stdout (delimiter ',', null '')", values),
            "a\\tb\\\\c,\nline\\nbreak,\nsay \"hi\"\\, ok,\\\\.\n"
        );
        let mut unknown = Lines::new(options(
            "copy (select 1) to stdout (format csv, force_quote (c))",
        ));
        let e = unknown
            .columns(&fields(&["a"], FieldFormat::Text))
            .unwrap_err();
        assert_eq!(e.sqlstate, "42703");
    }

    #[test]
    fn binary_rows_carry_the_header_first_and_the_trailer_last() {
        let fields = fields(&["a", "b"], FieldFormat::Binary);
        let binary = options("copy (select 1) to stdout (format binary)");
        let mut lines = Lines::new(binary.clone());
        lines.columns(&fields).unwrap();
        assert!(binary.header(&fields).is_none());
        let first = lines.item(row(&fields, &[Some("x"), None])).data;
        let second = lines.item(row(&fields, &[Some("yz"), Some("")])).data;
        let mut want = BINARY_HEADER.to_vec();
        want.extend([0, 2, 0, 0, 0, 1, b'x', 0xff, 0xff, 0xff, 0xff]);
        assert_eq!(&first[..], &want[..]);
        assert_eq!(&second[..], &[0, 2, 0, 0, 0, 2, b'y', b'z', 0, 0, 0, 0][..]);
        assert_eq!(&binary.trailer(2).unwrap().data[..], BINARY_TRAILER);
        let mut empty = BINARY_HEADER.to_vec();
        empty.extend(BINARY_TRAILER);
        assert_eq!(&binary.trailer(0).unwrap().data[..], &empty[..]);
        assert_eq!(BINARY_HEADER.len(), 19);
    }
}
