//! The upload portal as its users meet it: a running `taizhang serve` on
//! loopback, driven with curl — every API route, both roles, every refusal.

use super::common::*;
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// A running portal; killed when dropped.
struct Server {
    child: Child,
    base: String,
    _dir: tempfile::TempDir,
}

impl Server {
    /// A workspace with the sample roster and its config edited by `edits`
    /// (text replacements), served on a free port.
    fn start(edits: &[(&str, &str)]) -> Server {
        Server::start_with(None, edits)
    }

    /// As [`Server::start`], on the roster at `roster` when given.
    fn start_with(roster: Option<&Path>, edits: &[(&str, &str)]) -> Server {
        Server::start_args(roster, edits, &[])
    }

    fn start_args(roster: Option<&Path>, edits: &[(&str, &str)], args: &[&str]) -> Server {
        let dir = cli_workspace();
        if let Some(r) = roster {
            std::fs::copy(r, dir.path().join("roster.csv")).unwrap();
        }
        let path = dir.path().join("taizhang.toml");
        let mut text = std::fs::read_to_string(&path).unwrap();
        for (from, to) in edits {
            assert!(text.contains(from), "the default config has {from}");
            text = text.replace(from, to);
        }
        std::fs::write(&path, text).unwrap();
        let mut child = taizhang(dir.path())
            .args(["serve", "--addr", "127.0.0.1:0", "--rebuild-after", "1"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let base = line
            .trim()
            .strip_prefix("listening on ")
            .unwrap_or_else(|| panic!("the server did not start: {line:?}"))
            .to_string();
        Server {
            child,
            base,
            _dir: dir,
        }
    }

    fn root(&self) -> &Path {
        self._dir.path()
    }

    /// Stops the server; its workspace stays.
    fn stop(mut self) -> tempfile::TempDir {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self._dir, dir)
    }

    fn token(&self, region: &str, role: &str) -> String {
        let out = taizhang(self.root())
            .args(["--json", "token", "add", "--region", region, "--role", role])
            .output()
            .unwrap();
        assert!(out.status.success(), "{out:?}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["token"].as_str().unwrap().to_string()
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One curl call's answer.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: String,
    body: Vec<u8>,
}

impl Reply {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    fn header(&self, name: &str) -> Option<String> {
        self.headers.lines().find_map(|l| {
            let (n, v) = l.split_once(':')?;
            n.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    }
}

fn curl(args: &[&str]) -> Reply {
    let dir = tempfile::tempdir().unwrap();
    let headers = dir.path().join("h");
    let body = dir.path().join("b");
    let out = Command::new("curl")
        .args(["-s", "-S", "--max-time", "120", "-D"])
        .arg(&headers)
        .arg("-o")
        .arg(&body)
        .args(["-w", "%{http_code}"])
        .args(args)
        .output()
        .expect("curl is installed (.ci/run installs it)");
    Reply {
        status: String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse()
            .unwrap_or(0),
        headers: std::fs::read_to_string(&headers).unwrap_or_default(),
        body: std::fs::read(&body).unwrap_or_default(),
    }
}

fn bearer(token: &str) -> String {
    format!("Authorization: Bearer {token}")
}

fn post_file(s: &Server, token: &str, file: &Path, fields: &[(&str, &str)]) -> Reply {
    let mut args: Vec<String> = vec![
        "-H".into(),
        bearer(token),
        "-F".into(),
        format!("file=@{};filename=台账.xlsx", file.display()),
    ];
    for (k, v) in fields {
        args.push("-F".into());
        args.push(format!("{k}={v}"));
    }
    args.push(s.url("/api/submissions"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    curl(&args)
}

/// Polls `f` until it gives Some, for at most 30 s.
fn eventually<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let started = Instant::now();
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

fn bad_rows() -> PathBuf {
    fixture("bad_rows.xlsx")
}

#[test]
fn a_clerk_uploads_over_the_api_and_is_told_each_faulty_cell() {
    let s = Server::start(&[]);
    let clerk = s.token("旌阳区", "clerk");
    let reply = post_file(&s, &clerk, &bad_rows(), &[("period", "2024Q2")]);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let result = reply.json();
    assert_eq!(result["status"], "accepted");
    assert_eq!(result["region_code"], "510603", "a clerk's own unit");
    assert_eq!(result["period"], "2024Q2");
    assert_eq!(result["file_name"], "台账.xlsx");
    assert_eq!(result["ledgers"][0]["kind"], "tasks");
    assert!(result["ledgers"][0]["rows_rejected"].as_u64().unwrap() > 0);
    let issues = result["issues"].as_array().unwrap();
    let error = issues
        .iter()
        .find(|i| i["severity"] == "error")
        .expect("the fixture's bad rows are errors");
    assert!(
        error["sheet"].is_string() && error["cell"].is_string(),
        "{error}"
    );
    assert!(!error["message_zh"].as_str().unwrap().is_empty());
    let id = result["submission_id"].as_str().unwrap().to_string();

    // Kept: the archive holds the bytes, the result can be fetched again.
    let archived = std::fs::read_dir(s.root().join("archive"))
        .unwrap()
        .filter_map(|e| e.ok())
        .any(|e| e.file_name().to_string_lossy().ends_with(".xlsx"));
    assert!(archived, "the upload is in the archive");
    let again = curl(&[
        "-H",
        &bearer(&clerk),
        &s.url(&format!("/api/submissions/{id}")),
    ]);
    assert_eq!(again.status, 200);
    assert_eq!(again.json()["result"]["issues"], result["issues"]);

    // The history and coverage catch up once the warehouse is rebuilt.
    let history = eventually("the upload in the history", || {
        let r = curl(&[
            "-H",
            &bearer(&clerk),
            &s.url("/api/submissions?period=2024Q2"),
        ]);
        let rows = r.json()["submissions"]
            .as_array()
            .cloned()
            .unwrap_or_default();
        (!rows.is_empty()).then_some(rows)
    });
    assert_eq!(history[0]["submission_id"], id.as_str());
    assert_eq!(history[0]["status"], "current");
    let coverage = curl(&["-H", &bearer(&clerk), &s.url("/api/coverage?period=2024Q2")]);
    assert_eq!(coverage.status, 200, "{}", coverage.text());
    let rows = coverage.json()["coverage"].as_array().cloned().unwrap();
    assert!(!rows.is_empty());
    assert!(
        rows.iter().all(|r| r["scope_code"] == "510603"),
        "a clerk sees only its own unit's rows"
    );
    let tasks = rows.iter().find(|r| r["kind"] == "tasks").unwrap();
    assert_eq!(tasks["submitted_units"], 1);
}

/// A provincial department is a unit like a county: its clerk's token names
/// it by its short name, its upload is filed under its code, and it sees its
/// own rows, as a department.
#[test]
fn a_department_clerk_uploads_and_sees_only_its_own_department() {
    let s = Server::start(&[]);
    let clerk = s.token("省教育厅", "clerk");
    let ledger = repo("sample-data/2024Q2/SC-JYT/省教育厅2024年第二季度改革任务台账.xlsx");
    let reply = post_file(&s, &clerk, &ledger, &[("period", "2024Q2")]);
    assert_eq!(reply.status, 200, "{}", reply.text());
    let result = reply.json();
    assert_eq!(result["status"], "accepted", "{result}");
    assert_eq!(result["region_code"], "SC-JYT", "the department's own code");
    assert!(result["issues"].as_array().unwrap().is_empty(), "{result}");

    let rows = eventually("the department's coverage", || {
        let r = curl(&["-H", &bearer(&clerk), &s.url("/api/coverage?period=2024Q2")]);
        let rows = r.json()["coverage"].as_array().cloned().unwrap_or_default();
        (!rows.is_empty()).then_some(rows)
    });
    assert!(
        rows.iter()
            .all(|r| r["scope_code"] == "SC-JYT" && r["scope_level"] == "department"),
        "{rows:?}"
    );
    let tasks = rows.iter().find(|r| r["kind"] == "tasks").unwrap();
    assert_eq!(
        tasks["expected_units"], 1,
        "departments are expected by default"
    );
    assert_eq!(tasks["submitted_units"], 1);
}

#[test]
fn every_api_route_refuses_what_the_caller_may_not_do() {
    let s = Server::start(&[]);
    let clerk = s.token("510603", "clerk");
    let neighbour = s.token("510604", "clerk");
    let province = s.token("510000", "province");

    // 401: no token, an unknown one; JSON in both languages.
    for path in [
        "/api/submissions",
        "/api/coverage",
        "/api/submissions/0123456789abcdef",
    ] {
        let none = curl(&[&s.url(path)]);
        assert_eq!(none.status, 401, "{path}");
        assert_eq!(none.json()["error"], "unauthorized");
        assert!(none.json()["message_zh"].is_string() && none.json()["message_en"].is_string());
        let wrong = curl(&["-H", &bearer("tz_0000"), &s.url(path)]);
        assert_eq!(wrong.status, 401, "{path}");
    }
    let anonymous_post = curl(&[
        "-F",
        &format!("file=@{}", bad_rows().display()),
        "-F",
        "period=2024Q2",
        &s.url("/api/submissions"),
    ]);
    assert_eq!(anonymous_post.status, 401);

    // 403: a clerk naming another unit, on every route that takes one.
    let other = post_file(
        &s,
        &clerk,
        &bad_rows(),
        &[("period", "2024Q2"), ("region", "510604")],
    );
    assert_eq!(other.status, 403, "{}", other.text());
    assert_eq!(other.json()["error"], "forbidden");
    for path in [
        "/api/submissions?region=510604",
        "/api/coverage?region=510604&period=2024Q2",
    ] {
        assert_eq!(
            curl(&["-H", &bearer(&clerk), &s.url(path)]).status,
            403,
            "{path}"
        );
    }
    // The neighbour's upload: the clerk may not read it.
    let theirs = post_file(
        &s,
        &neighbour,
        &fixture("header_synonyms.xlsx"),
        &[("period", "2024Q2")],
    );
    assert_eq!(theirs.status, 200, "{}", theirs.text());
    let their_id = theirs.json()["submission_id"].as_str().unwrap().to_string();
    let peek = curl(&[
        "-H",
        &bearer(&clerk),
        &s.url(&format!("/api/submissions/{their_id}")),
    ]);
    assert_eq!(peek.status, 403);
    assert!(!peek.text().contains("issues"), "no data in a refusal");
    let own = curl(&[
        "-H",
        &bearer(&neighbour),
        &s.url(&format!("/api/submissions/{their_id}")),
    ]);
    assert_eq!(own.status, 200);
    let by_province = curl(&[
        "-H",
        &bearer(&province),
        &s.url(&format!("/api/submissions/{their_id}")),
    ]);
    assert_eq!(by_province.status, 200, "the province sees every unit");

    // 400: a province token must name the unit; a period is required; a
    // body that is not a form; an unknown kind.
    let no_region = post_file(&s, &province, &bad_rows(), &[("period", "2024Q2")]);
    assert_eq!(no_region.status, 400, "{}", no_region.text());
    let no_period = post_file(&s, &clerk, &bad_rows(), &[]);
    assert_eq!(no_period.status, 400);
    let bad_kind = post_file(
        &s,
        &clerk,
        &bad_rows(),
        &[("period", "2024Q2"), ("kind", "nonsense")],
    );
    assert_eq!(bad_kind.status, 400);
    let not_a_form = curl(&[
        "-H",
        &bearer(&clerk),
        "-H",
        "Content-Type: application/json",
        "-d",
        "{}",
        &s.url("/api/submissions"),
    ]);
    assert_eq!(not_a_form.status, 400);
    let no_file = curl(&[
        "-H",
        &bearer(&clerk),
        "-F",
        "period=2024Q2",
        &s.url("/api/submissions"),
    ]);
    assert_eq!(no_file.status, 400);

    // A revoked token is refused at once.
    let list = taizhang(s.root())
        .args(["--json", "token", "list"])
        .output()
        .unwrap();
    let tokens: Value = serde_json::from_slice(&list.stdout).unwrap();
    assert!(
        !String::from_utf8_lossy(&list.stdout).contains(&clerk),
        "list shows no secret"
    );
    let clerk_id = tokens
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["region"] == "510603")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        taizhang(s.root())
            .args(["token", "revoke", &clerk_id])
            .status()
            .unwrap()
            .success()
    );
    assert_eq!(
        curl(&["-H", &bearer(&clerk), &s.url("/api/submissions")]).status,
        401
    );

    // Refusals are logged in the workspace.
    let log = std::fs::read_to_string(s.root().join("portal/refusals.jsonl")).unwrap();
    assert!(
        log.contains("\"forbidden\"") && log.contains("\"unauthorized\""),
        "{log}"
    );
    // …and reach the warehouse, where the office can count them by unit.
    let built = taizhang(s.root()).arg("build").output().unwrap();
    assert!(
        built.status.success(),
        "{}",
        String::from_utf8_lossy(&built.stderr)
    );
    let counted = taizhang(s.root())
        .args([
            "query",
            "select count(*) filter (where refusal = 'forbidden' and unit = '510603') > 0, \
                    count(*) filter (where refusal = 'unauthorized') > 0 from portal_refusals",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    let counted = String::from_utf8_lossy(&counted.stdout);
    assert!(counted.trim_end().ends_with("true,true"), "{counted}");
}

#[test]
fn a_file_over_the_limit_is_refused_with_413_and_nothing_is_kept() {
    let s = Server::start(&[("max_file_mb = 50", "max_file_mb = 1")]);
    let clerk = s.token("510603", "clerk");
    let big = s.root().join("big.xlsx");
    std::fs::write(&big, vec![b'x'; 3 * 1024 * 1024]).unwrap();
    let reply = post_file(&s, &clerk, &big, &[("period", "2024Q2")]);
    assert_eq!(reply.status, 413, "{}", reply.text());
    assert_eq!(reply.json()["error"], "too-large");
    // Chunked, so no declared length: refused while streaming.
    let chunked = curl(&[
        "-H",
        &bearer(&clerk),
        "-H",
        "Transfer-Encoding: chunked",
        "-F",
        &format!("file=@{}", big.display()),
        "-F",
        "period=2024Q2",
        &s.url("/api/submissions"),
    ]);
    assert_eq!(chunked.status, 413, "{}", chunked.text());
    let archived = std::fs::read_dir(s.root().join("archive")).unwrap().count();
    assert_eq!(archived, 0, "nothing of a refused upload is kept");
    // The server still answers.
    assert_eq!(curl(&[&s.url("/")]).status, 200);
}

#[test]
fn hostile_uploads_are_rejected_as_files_and_the_server_goes_on() {
    let s = Server::start(&[]);
    let clerk = s.token("510603", "clerk");
    for name in [
        "zip_bomb_150mb.xlsx",
        "fuzz_cfb_slice_panic.xls",
        "no_ledger.xlsx",
    ] {
        let reply = post_file(&s, &clerk, &fixture(name), &[("period", "2024Q2")]);
        assert_eq!(reply.status, 200, "{name}: {}", reply.text());
        let result = reply.json();
        assert_eq!(result["status"], "rejected", "{name}");
        assert!(
            !result["issues"].as_array().unwrap().is_empty(),
            "{name} says why"
        );
    }
    // A file name that tries to be a path is only a name.
    let evil = curl(&[
        "-H",
        &bearer(&clerk),
        "-F",
        &format!(
            "file=@{};filename=../../<script>x.xlsx",
            bad_rows().display()
        ),
        "-F",
        "period=2024Q2",
        &s.url("/api/submissions"),
    ]);
    assert_eq!(evil.status, 200, "{}", evil.text());
    assert!(!s.root().join("../../<script>x.xlsx").exists());
    assert_eq!(curl(&[&s.url("/")]).status, 200);
}

/// Signs in through the form; the cookie jar's path.
fn sign_in(s: &Server, token: &str, jar: &Path) -> Reply {
    curl(&[
        "-c",
        jar.to_str().unwrap(),
        "-d",
        &format!("token={token}"),
        &s.url("/login"),
    ])
}

fn csrf_of(page: &str) -> String {
    let at = page
        .find("name=\"csrf\" value=\"")
        .expect("a form with a CSRF field");
    let rest = &page[at + "name=\"csrf\" value=\"".len()..];
    rest[..rest.find('"').unwrap()].to_string()
}

#[test]
fn the_pages_sign_in_upload_and_refuse_forgeries() {
    let s = Server::start(&[]);
    let clerk = s.token("510603", "clerk");
    let jar_dir = tempfile::tempdir().unwrap();
    let jar = jar_dir.path().join("jar");

    let home = curl(&[&s.url("/")]);
    assert_eq!(home.status, 200);
    assert!(home.text().contains("单位令牌"), "the sign-in form");
    for (name, value) in [
        ("content-security-policy", "default-src 'none'"),
        ("x-content-type-options", "nosniff"),
        ("x-frame-options", "DENY"),
    ] {
        assert!(
            home.header(name).is_some_and(|v| v.contains(value)),
            "{name}: {:?}",
            home.headers
        );
    }

    let wrong = curl(&["-d", "token=tz_wrong", &s.url("/login")]);
    assert_eq!(wrong.status, 401);
    let signed = sign_in(&s, &clerk, &jar);
    assert_eq!(signed.status, 303, "{}", signed.text());
    let cookie = signed.header("set-cookie").unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"),
        "{cookie}"
    );
    assert!(!cookie.contains("Secure"), "plain HTTP on loopback");

    let jar_s = jar.to_str().unwrap();
    let form = curl(&["-b", jar_s, &s.url("/upload")]);
    assert_eq!(form.status, 200);
    let csrf = csrf_of(&form.text());

    // Without the form's CSRF token: refused, nothing kept.
    let forged = curl(&[
        "-b",
        jar_s,
        "-F",
        &format!("file=@{}", bad_rows().display()),
        "-F",
        "period=2024Q2",
        &s.url("/upload"),
    ]);
    assert_eq!(forged.status, 403);
    assert_eq!(
        std::fs::read_dir(s.root().join("archive")).unwrap().count(),
        0
    );

    let uploaded = curl(&[
        "-b",
        jar_s,
        "-F",
        &format!("csrf={csrf}"),
        // A browser never sends a slash in a file name (a path would be cut to its last part).
        "-F",
        &format!(
            "file=@{};filename=<img src=x onerror=alert(1)>旌阳区任务.xlsx",
            bad_rows().display()
        ),
        "-F",
        "period=2024Q2",
        &s.url("/upload"),
    ]);
    assert_eq!(uploaded.status, 200, "{}", uploaded.text());
    let page = uploaded.text();
    assert!(page.contains("已接收"), "accepted");
    assert!(
        page.contains("&lt;img src=x onerror=alert(1)&gt;旌阳区任务.xlsx"),
        "the client's name is escaped: {page}"
    );
    assert!(!page.contains("<img"), "never rendered as HTML");
    let id = page
        .split("/submissions/")
        .nth(1)
        .map(|r| r[..16].to_string())
        .expect("a link to the result");
    let feedback = curl(&[
        "-b",
        jar_s,
        &s.url(&format!("/submissions/{id}/feedback.xlsx")),
    ]);
    assert_eq!(feedback.status, 200);
    assert_eq!(&feedback.body[..2], b"PK", "an xlsx");

    // Province pages are not a clerk's.
    assert_eq!(curl(&["-b", jar_s, &s.url("/scorecard")]).status, 403);
    assert_eq!(curl(&["-b", jar_s, &s.url("/report")]).status, 403);
    let template = curl(&["-b", jar_s, &s.url("/templates/tasks.xlsx")]);
    assert_eq!(template.status, 200);
    assert_eq!(&template.body[..2], b"PK");

    // Signed out: the cookie no longer works.
    let out = curl(&[
        "-b",
        jar_s,
        "-d",
        &format!("csrf={csrf}"),
        &s.url("/logout"),
    ]);
    assert_eq!(out.status, 303);
    assert_eq!(curl(&["-b", jar_s, &s.url("/upload")]).status, 401);
}

#[test]
fn sign_in_is_rate_limited_per_address() {
    let s = Server::start(&[]);
    let mut statuses = Vec::new();
    for _ in 0..12 {
        statuses.push(curl(&["-d", "token=tz_guess", &s.url("/login")]).status);
    }
    assert!(statuses[..10].iter().all(|&c| c == 401), "{statuses:?}");
    assert!(statuses[10..].iter().all(|&c| c == 429), "{statuses:?}");
    let limited = curl(&["-d", "token=tz_guess", &s.url("/login")]);
    assert!(limited.header("retry-after").is_some());
}

#[test]
fn a_province_token_watches_coverage_and_downloads_the_report() {
    let s = Server::start(&[]);
    let clerk = s.token("510603", "clerk");
    let province = s.token("510000", "province");
    let reply = post_file(&s, &clerk, &bad_rows(), &[("period", "2024Q2")]);
    assert_eq!(reply.status, 200);
    let jar_dir = tempfile::tempdir().unwrap();
    let jar = jar_dir.path().join("jar");
    assert_eq!(sign_in(&s, &province, &jar).status, 303);
    let jar_s = jar.to_str().unwrap();
    // Received today for 2024Q2: submitted, and late.
    let page = eventually("旌阳区 in the coverage page", || {
        let r = curl(&["-b", jar_s, &s.url("/coverage?period=2024Q2&city=510600")]);
        let text = r.text();
        (r.status == 200 && text.contains("逾期报送")).then_some(text)
    });
    assert!(
        page.contains("罗江区") && page.contains("未报送"),
        "every expected unit is listed"
    );
    let scorecard = curl(&["-b", jar_s, &s.url("/scorecard?period=2024Q2")]);
    assert_eq!(scorecard.status, 200);
    assert!(scorecard.text().contains("旌阳区"));
    let report = curl(&["-b", jar_s, &s.url("/report?period=2024Q2")]);
    assert_eq!(report.status, 200, "{}", report.text());
    assert_eq!(&report.body[..2], b"PK");
    assert!(
        report
            .header("content-disposition")
            .unwrap()
            .contains("filename*=UTF-8''")
    );
}

#[test]
fn serve_prints_a_systemd_unit() {
    let dir = cli_workspace();
    let out = taizhang(dir.path())
        .args(["serve", "--print", "systemd", "--addr", "127.0.0.1:9000"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let unit = String::from_utf8(out.stdout).unwrap();
    assert!(
        unit.contains("[Service]") && unit.contains("serve --addr 127.0.0.1:9000"),
        "{unit}"
    );
}

/// Files under `dir` as (path, period folder, region folder).
fn sample_files(dir: &Path) -> Vec<(PathBuf, String, String)> {
    let mut out = Vec::new();
    for period in std::fs::read_dir(dir).unwrap().filter_map(|e| e.ok()) {
        if !period.path().is_dir() {
            continue;
        }
        for region in std::fs::read_dir(period.path())
            .unwrap()
            .filter_map(|e| e.ok())
        {
            for file in std::fs::read_dir(region.path())
                .unwrap()
                .filter_map(|e| e.ok())
            {
                out.push((
                    file.path(),
                    period.file_name().to_string_lossy().into_owned(),
                    region.file_name().to_string_lossy().into_owned(),
                ));
            }
        }
    }
    out.sort();
    out
}

/// Digests of the lake's kind and issue tables as a warehouse loaded them.
fn lake_digests(ws: &Path) -> Vec<String> {
    let mut out = Vec::new();
    for table in [
        "raw_tasks",
        "raw_rectifications",
        "raw_pilots",
        "raw_plans",
        "raw_satisfaction",
        "raw_issues",
    ] {
        let sql = format!(
            "select '{table}', count(*), md5(coalesce(string_agg(cast(t as varchar), chr(10) order by cast(t as varchar)), '')) from {table} as t"
        );
        let q = taizhang(ws)
            .args(["query", &sql, "--format", "csv"])
            .output()
            .unwrap();
        assert!(q.status.success(), "{q:?}");
        out.push(String::from_utf8(q.stdout).unwrap());
    }
    let manifest = "select count(*), md5(string_agg(concat_ws('|', submission_id, kind, region_code, period, rows_ok, rows_rejected, warnings, status), chr(10) order by submission_id, kind)) from raw_submissions";
    let q = taizhang(ws)
        .args(["query", manifest, "--format", "csv"])
        .output()
        .unwrap();
    out.push(String::from_utf8(q.stdout).unwrap());
    out
}

#[test]
fn a_deadline_burst_of_concurrent_uploads_ends_as_a_cli_ingest_of_the_same_files() {
    let data = tempfile::tempdir().unwrap();
    let sample = taizhang(data.path())
        .args(["sample", "--scale", "national", "--units", "24", "--out"])
        .arg(data.path().join("in"))
        .output()
        .unwrap();
    assert!(sample.status.success(), "{sample:?}");
    let files = sample_files(&data.path().join("in"));
    // About one unit in thirty sends nothing, as in the national sample.
    assert!(files.len() >= 20, "{} files", files.len());

    let s = Server::start_with(Some(&data.path().join("in/roster.csv")), &[]);
    let province = s.token("510000", "province");

    let queue = std::sync::Mutex::new(files.clone());
    let answers = std::sync::Mutex::new(Vec::new());
    let done = std::sync::atomic::AtomicBool::new(false);
    let slowest_home = std::thread::scope(|scope| {
        let watcher = scope.spawn(|| {
            let mut slowest = Duration::ZERO;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                let started = Instant::now();
                assert_eq!(curl(&[&s.url("/")]).status, 200);
                slowest = slowest.max(started.elapsed());
                std::thread::sleep(Duration::from_millis(100));
            }
            slowest
        });
        let clients: Vec<_> = (0..8)
            .map(|_| {
                scope.spawn(|| {
                    loop {
                        let Some((path, period, region)) = queue.lock().unwrap().pop() else {
                            break;
                        };
                        let reply = post_file(
                            &s,
                            &province,
                            &path,
                            &[("period", &period), ("region", &region)],
                        );
                        answers
                            .lock()
                            .unwrap()
                            .push((path, reply.status, reply.json()));
                    }
                })
            })
            .collect();
        for c in clients {
            c.join().unwrap();
        }
        done.store(true, std::sync::atomic::Ordering::Relaxed);
        watcher.join().unwrap()
    });
    assert!(
        slowest_home < Duration::from_secs(1),
        "GET / took {slowest_home:?} during the burst"
    );

    // Every file answered once, accepted or rejected.
    let answers = answers.into_inner().unwrap();
    assert_eq!(answers.len(), files.len());
    for (path, status, result) in &answers {
        assert_eq!(*status, 200, "{}: {result}", path.display());
        assert!(
            matches!(result["status"].as_str(), Some("accepted" | "rejected")),
            "{result}"
        );
        assert!(
            result.get("already_received").is_none(),
            "read once: {result}"
        );
    }

    // The lake equals a CLI ingest of the same files.
    let served = s.stop();
    let cli = cli_workspace();
    std::fs::copy(
        data.path().join("in/roster.csv"),
        cli.path().join("roster.csv"),
    )
    .unwrap();
    let ingest = taizhang(cli.path())
        .arg("ingest")
        .arg(data.path().join("in"))
        .output()
        .unwrap();
    assert!(ingest.status.code().unwrap() <= 1, "{ingest:?}");
    for ws in [cli.path(), served.path()] {
        let built = taizhang(ws).arg("build").output().unwrap();
        assert!(built.status.code().unwrap() <= 1, "{built:?}");
    }
    assert_eq!(lake_digests(cli.path()), lake_digests(served.path()));
}

#[test]
fn an_upload_waits_for_a_batch_job_then_gets_503_and_nothing_is_lost() {
    let s = Server::start_args(None, &[], &["--lock-wait", "1"]);
    let clerk = s.token("510603", "clerk");
    // A batch job (here: this test) holds the workspace's writer lock.
    let ws = taizhang::workspace::Workspace::open(s.root()).unwrap();
    // (Retried: the server's first build of the warehouse may hold it now.)
    let lock = eventually("the writer lock", || ws.lock().ok());
    let busy = post_file(&s, &clerk, &bad_rows(), &[("period", "2024Q2")]);
    assert_eq!(busy.status, 503, "{}", busy.text());
    assert_eq!(busy.json()["error"], "busy");
    assert!(busy.header("retry-after").is_some());
    assert_eq!(
        std::fs::read_dir(s.root().join("archive")).unwrap().count(),
        0,
        "nothing half-kept"
    );
    // Token administration does not wait for the batch job: a leaked token
    // is revoked at once and refused at once.
    let other = s.token("510604", "clerk");
    let listed = taizhang(s.root())
        .args(["--json", "token", "list"])
        .output()
        .unwrap();
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    let other_id = listed
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["region"] == "510604")
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let revoked = taizhang(s.root())
        .args(["token", "revoke", &other_id])
        .output()
        .unwrap();
    assert!(
        revoked.status.success(),
        "{}",
        String::from_utf8_lossy(&revoked.stderr)
    );
    assert_eq!(
        curl(&["-H", &bearer(&other), &s.url("/api/submissions")]).status,
        401
    );
    drop(lock);
    let again = post_file(&s, &clerk, &bad_rows(), &[("period", "2024Q2")]);
    assert_eq!(again.status, 200, "{}", again.text());
    assert_eq!(again.json()["status"], "accepted");
}

#[test]
fn a_killed_server_keeps_every_upload_it_answered() {
    let s = Server::start(&[]);
    let clerk = s.token("510603", "clerk");
    let mut ids = Vec::new();
    for name in [
        "bad_rows.xlsx",
        "header_synonyms.xlsx",
        "one_sheet_of_each_kind.xlsx",
    ] {
        let reply = post_file(&s, &clerk, &fixture(name), &[("period", "2024Q2")]);
        assert_eq!(reply.status, 200, "{name}: {}", reply.text());
        ids.push(reply.json()["submission_id"].as_str().unwrap().to_string());
    }
    // SIGKILL: no shutdown, no flush beyond what was done before answering.
    let dir = s.stop();
    let built = taizhang(dir.path()).arg("build").output().unwrap();
    assert!(built.status.code().unwrap() <= 1, "{built:?}");
    let q = taizhang(dir.path())
        .args([
            "query",
            "select distinct submission_id from raw_submissions order by 1",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    let listed = String::from_utf8(q.stdout).unwrap();
    for id in &ids {
        assert!(listed.contains(id.as_str()), "{id} in {listed}");
    }
}
