//! The portal in a real browser: headless Chromium driven over WebDriver
//! (chromedriver; its JSON protocol spoken with curl). A clerk signs in,
//! uploads a workbook with two faulty cells, reads both cells on the result
//! page, downloads the annotated workbook, uploads the fixed file and sees it
//! accepted and the coverage page change; another unit's page is refused.
//! Every page is screenshot at 1280 and 390 px wide into
//! `$CARGO_TARGET_TMPDIR/portal-screens/` (not committed), and no page may
//! be wider than the window.

use super::common::*;
use serde_json::{Value, json};

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use taizhang::ledger::Kind;

const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Killed(Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A WebDriver call; the answer's `value`.
fn wd(base: &str, method: &str, path: &str, body: Option<Value>) -> Value {
    let mut cmd = Command::new("curl");
    cmd.args(["-s", "-S", "--max-time", "120", "-X", method])
        .arg(format!("{base}{path}"));
    if let Some(b) = body {
        cmd.args(["-H", "Content-Type: application/json", "-d", &b.to_string()]);
    }
    let out = cmd.output().unwrap();
    let v: Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "{method} {path}: {e}: {}",
            String::from_utf8_lossy(&out.stdout)
        )
    });
    if v["value"].get("error").is_some() {
        panic!("{method} {path}: {}", v["value"]);
    }
    v["value"].clone()
}

struct Browser {
    base: String,
    session: String,
    screens: PathBuf,
    _driver: Killed,
}

impl Browser {
    /// A browser session, or None (the test skipped) without Chromium.
    fn start() -> Option<Browser> {
        let needs =
            "Chromium and ChromeDriver: apt-get install -y chromium chromium-driver fonts-noto-cjk";
        let chromium = client(
            program(&["chromium", "chromium-browser", "google-chrome"]),
            needs,
        )?;
        let driver = client(program(&["chromedriver"]), needs)?;
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = Command::new(driver)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let driver = Killed(child);
        let base = format!("http://127.0.0.1:{port}");
        let started = Instant::now();
        loop {
            let ok = Command::new("curl")
                .args(["-s", "--max-time", "2", &format!("{base}/status")])
                .output()
                .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).contains("\"ready\":true"));
            if ok {
                break;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "chromedriver did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        let session = wd(
            &base,
            "POST",
            "/session",
            Some(json!({ "capabilities": { "alwaysMatch": {
                "browserName": "chrome",
                "goog:chromeOptions": {
                    "binary": chromium.display().to_string(),
                    "args": ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--lang=zh-CN"]
                }
            }}})),
        );
        let screens = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("portal-screens");
        std::fs::create_dir_all(&screens).unwrap();
        Some(Browser {
            base,
            session: session["sessionId"].as_str().unwrap().to_string(),
            screens,
            _driver: driver,
        })
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        wd(
            &self.base,
            method,
            &format!("/session/{}{path}", self.session),
            body,
        )
    }

    fn go(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url })));
    }

    fn find(&self, css: &str) -> String {
        let v = self.call(
            "POST",
            "/element",
            Some(json!({ "using": "css selector", "value": css })),
        );
        v[ELEMENT].as_str().unwrap().to_string()
    }

    fn type_into(&self, css: &str, text: &str) {
        let e = self.find(css);
        self.call(
            "POST",
            &format!("/element/{e}/value"),
            Some(json!({ "text": text })),
        );
    }

    fn click(&self, css: &str) {
        let e = self.find(css);
        self.call("POST", &format!("/element/{e}/click"), Some(json!({})));
    }

    fn select(&self, css: &str, value: &str) {
        self.click(&format!("{css} option[value=\"{value}\"]"));
    }

    fn text(&self) -> String {
        self.call(
            "POST",
            "/execute/sync",
            Some(json!({ "script": "return document.body.innerText", "args": [] })),
        )
        .as_str()
        .unwrap()
        .to_string()
    }

    /// The page's text once `ready` holds for it, or after 15 s whatever it
    /// is: a click on a submit button may return before the browser has
    /// loaded the answer, and a loaded machine makes that likelier.
    fn text_when(&self, ready: impl Fn(&str) -> bool) -> String {
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
        loop {
            let text = self.text();
            if ready(&text) || std::time::Instant::now() > deadline {
                return text;
            }
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    }

    fn source(&self) -> String {
        self.call("GET", "/source", None)
            .as_str()
            .unwrap()
            .to_string()
    }

    /// Screenshots the page at 1280 and 390 px; asserts nothing overflows
    /// the window sideways at either width.
    fn shoot(&self, name: &str) {
        for width in [1280, 390] {
            self.call(
                "POST",
                "/window/rect",
                Some(json!({ "width": width, "height": 900 })),
            );
            let widths = self.call(
                "POST",
                "/execute/sync",
                Some(json!({ "script": "return [document.documentElement.scrollWidth, document.documentElement.clientWidth]", "args": [] })),
            );
            let (scroll, client) = (widths[0].as_u64().unwrap(), widths[1].as_u64().unwrap());
            assert!(
                scroll <= client,
                "{name} at {width} px: the page is {scroll} px wide in a {client} px window"
            );
            let png = self.call("GET", "/screenshot", None);
            let path = self.screens.join(format!("{name}-{width}.png"));
            let b64 = self.screens.join(format!("{name}-{width}.b64"));
            std::fs::write(&b64, png.as_str().unwrap()).unwrap();
            let decoded = Command::new("base64").arg("-d").arg(&b64).output().unwrap();
            assert!(decoded.status.success());
            std::fs::write(&path, &decoded.stdout).unwrap();
            let _ = std::fs::remove_file(&b64);
            assert!(decoded.stdout.len() > 2_000, "{name}: an empty screenshot");
        }
        self.call(
            "POST",
            "/window/rect",
            Some(json!({ "width": 1280, "height": 900 })),
        );
    }

    fn session_cookie(&self) -> String {
        let v = self.call("GET", "/cookie/tz_session", None);
        v["value"].as_str().unwrap().to_string()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = Command::new("curl")
            .args([
                "-s",
                "--max-time",
                "10",
                "-X",
                "DELETE",
                &format!("{}/session/{}", self.base, self.session),
            ])
            .output();
    }
}

/// A tasks workbook of `rows` (the template's columns).
fn tasks_workbook(path: &Path, rows: &[Vec<&str>]) {
    let bytes = taizhang::template::workbook(Kind::Tasks, rows).unwrap();
    std::fs::write(path, bytes).unwrap();
}

/// A workspace served on a free port with a token for `unit`'s clerk, its
/// config edited by `edits`: the site's address, the token, the server and
/// the workspace (kept while the test runs).
fn serve(unit: &str, edits: &[(&str, &str)]) -> (String, String, SpawnedApp, tempfile::TempDir) {
    let dir = cli_workspace();
    let config = dir.path().join("taizhang.toml");
    let mut text = std::fs::read_to_string(&config).unwrap();
    for (from, to) in edits {
        assert!(text.contains(from), "the default config has {from}");
        text = text.replace(from, to);
    }
    std::fs::write(&config, text).unwrap();
    let token = {
        let out = taizhang(dir.path())
            .args(["--json", "token", "add", "--region", unit])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["token"].as_str().unwrap().to_string()
    };
    let server = spawn_app(
        dir.path(),
        &["--addr", "127.0.0.1:0", "--rebuild-after", "1"],
        1,
    );
    let site = server.url("http").to_string();
    (site, token, server, dir)
}

/// The quarter of today in China (UTC+8), and the one before it.
fn this_and_last_quarter() -> ((i32, u32), (i32, u32)) {
    use chrono::Datelike;
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let q = today.month0() / 3 + 1;
    let last = if q == 1 {
        (today.year() - 1, 4)
    } else {
        (today.year(), q - 1)
    };
    ((today.year(), q), last)
}

#[test]
fn a_clerk_fixes_two_cells_in_a_real_browser() {
    let (site, token, _server, _dir) = serve("510603", &[]);
    let ((year, quarter), _) = this_and_last_quarter();
    let period = format!("{year}Q{quarter}");

    // The template's example row, twice: once with a deadline that is no
    // date, once with no task at all (the two faulty cells), and fixed.
    let good = taizhang::template::example_row(Kind::Tasks);
    let col = |name: &str| {
        Kind::Tasks
            .columns()
            .iter()
            .position(|c| c.name == name)
            .unwrap_or_else(|| panic!("the tasks template has {name}"))
    };
    let (task, deadline) = (col("task"), col("deadline_text"));
    let mut bad_deadline = good.clone();
    bad_deadline[deadline] = "尽快吧";
    let mut no_task = good.clone();
    no_task[task] = "";
    let work = tempfile::tempdir().unwrap();
    let faulty = work.path().join("旌阳区任务台账.xlsx");
    tasks_workbook(&faulty, &[bad_deadline, no_task]);
    let fixed = work.path().join("旌阳区任务台账（更正）.xlsx");
    let mut second = good.clone();
    second[task] = "推进第二项改革任务";
    tasks_workbook(&fixed, &[good.clone(), second]);

    let Some(b) = Browser::start() else {
        return;
    };
    b.go(&format!("{site}/"));
    assert!(b.text().contains("单位令牌"));
    b.shoot("sign-in");
    b.type_into("#token", &token);
    b.click("button[type=submit]");
    assert!(b.text().contains("上传台账"), "signed in: {}", b.text());
    b.shoot("upload");
    b.go(&format!("{site}/coverage"));
    let before = b.text();
    b.shoot("coverage-before");
    b.go(&format!("{site}/upload"));

    b.type_into("#file", faulty.to_str().unwrap());
    b.select("#kind", "tasks");
    // The file names no period: the clerk chooses this quarter.
    b.type_into("#period", &period);
    b.click("form.card button[type=submit]");
    let page = b.text_when(|t| t.contains("校验结果"));
    assert!(page.contains("校验结果"), "{page}");
    b.shoot("result-faulty");
    // Both faulty cells are named by their cells: the deadline's (a warning,
    // the row is kept) and the missing task's (an error, the row is not).
    let source = b.source();
    let cells: Vec<String> = source
        .split("<td class=\"cell\">")
        .skip(1)
        .map(|s| s[..s.find('<').unwrap()].to_string())
        .filter(|c| !c.is_empty())
        .collect();
    let deadline_col = char::from(b'A' + deadline as u8);
    let task_col = char::from(b'A' + task as u8);
    assert!(
        cells.iter().any(|c| c.starts_with(deadline_col)),
        "the deadline's cell among {cells:?}"
    );
    assert!(
        cells.iter().any(|c| c.starts_with(task_col)),
        "the task's cell among {cells:?}"
    );

    // The annotated workbook, with the browser's session.
    let link = source
        .split("href=\"")
        .filter_map(|s| s.split('"').next())
        .find(|h| h.ends_with("/feedback.xlsx"))
        .expect("a link to the annotated workbook")
        .to_string();
    let cookie = b.session_cookie();
    let download = Command::new("curl")
        .args([
            "-s",
            "-b",
            &format!("tz_session={cookie}"),
            &format!("{site}{link}"),
        ])
        .output()
        .unwrap();
    assert_eq!(&download.stdout[..2], b"PK", "an xlsx");

    b.go(&format!("{site}/upload"));
    b.type_into("#file", fixed.to_str().unwrap());
    b.type_into("#period", &period);
    b.click("form.card button[type=submit]");
    let page = b.text_when(|t| t.contains("已接收"));
    assert!(
        page.contains("已接收") && page.contains("没有发现问题"),
        "{page}"
    );
    b.shoot("result-fixed");

    // The coverage page changes within seconds: the unit's tasks ledger is in.
    let started = Instant::now();
    loop {
        b.go(&format!("{site}/coverage"));
        let now = b.text();
        if now != before && now.contains("按时报送") {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "coverage did not change: {now}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    b.shoot("coverage-after");

    b.go(&format!("{site}/submissions"));
    assert!(b.text().contains("当前版本"));
    b.shoot("history");

    // Another unit's data: refused.
    b.go(&format!("{site}/submissions?region=510604"));
    let refused = b.text();
    assert!(refused.contains("无权访问其他单位的数据"), "{refused}");
    b.shoot("refused");
}

/// Issue 31, items 1 and 3, as a clerk meets them: in the first days of a
/// quarter a clerk of 罗江区 uploads last quarter's ledger with the form as it
/// came, and it is filed under the workbook's quarter with no warning; a
/// workbook naming no period is refused with what to fill in; an oversize
/// file gets the Chinese explanation page, every time.
#[test]
fn last_quarters_ledger_uploaded_with_the_form_untouched_is_filed_under_its_quarter() {
    let (site, token, _server, _dir) = serve("510604", &[("max_file_mb = 50", "max_file_mb = 1")]);
    let (_, (year, quarter)) = this_and_last_quarter();
    let numeral = ["一", "二", "三", "四"][quarter as usize - 1];
    let work = tempfile::tempdir().unwrap();
    let named = work
        .path()
        .join(format!("罗江区{year}年第{numeral}季度改革任务台账.xlsx"));
    let example = taizhang::template::example_row(Kind::Tasks);
    tasks_workbook(&named, std::slice::from_ref(&example));
    let unnamed = work.path().join("改革任务台账.xlsx");
    let mut other = example.clone();
    let task = Kind::Tasks
        .columns()
        .iter()
        .position(|c| c.name == "task")
        .unwrap();
    other[task] = "推进另一项改革任务";
    tasks_workbook(&unnamed, &[other]);
    let big = work.path().join("罗江区台账（扫描件）.xlsx");
    std::fs::write(&big, vec![b'x'; 2 * 1024 * 1024]).unwrap();

    let Some(b) = Browser::start() else {
        return;
    };
    b.go(&format!("{site}/"));
    b.type_into("#token", &token);
    b.click("button[type=submit]");
    b.go(&format!("{site}/upload"));
    // The field is empty, says where the period comes from, and suggests
    // the quarter just ended first.
    let source = b.source();
    let field = &source[source.find("id=\"period\"").unwrap()..];
    let field = &field[..field.find('>').unwrap()];
    assert!(field.contains("value=\"\""), "{field}");
    assert!(field.contains("从文件识别"), "{field}");
    let suggested = &source[source.find("<datalist id=\"periods\"").unwrap()..];
    assert!(
        suggested.starts_with(&format!(
            "<datalist id=\"periods\"><option value=\"{year}Q{quarter}\""
        )),
        "{}",
        &suggested[..120.min(suggested.len())]
    );
    b.shoot("upload-form-period-from-file");

    b.type_into("#file", named.to_str().unwrap());
    b.click("form.card button[type=submit]");
    let page = b.text_when(|t| t.contains("校验结果"));
    assert!(page.contains(&format!("周期 {year}Q{quarter}")), "{page}");
    assert!(
        page.contains("已接收") && page.contains("没有发现问题"),
        "{page}"
    );
    b.shoot("result-last-quarter");

    b.go(&format!("{site}/upload"));
    b.type_into("#file", unnamed.to_str().unwrap());
    b.click("form.card button[type=submit]");
    let page = b.text_when(|t| t.contains("校验结果"));
    assert!(
        page.contains("unknown-period") && page.contains("报送周期"),
        "{page}"
    );

    for attempt in 0..20 {
        b.go(&format!("{site}/upload"));
        b.type_into("#file", big.to_str().unwrap());
        b.click("form.card button[type=submit]");
        let page = b.text_when(|t| t.contains("文件超过大小上限"));
        assert!(
            page.contains("文件超过大小上限 1 MB"),
            "attempt {attempt}: {page}"
        );
        if attempt == 0 {
            b.shoot("refused-too-large");
        }
    }
}

/// The `href` of the first element matching `css` on the page.
fn href(b: &Browser, css: &str) -> String {
    let e = b.find(css);
    b.call("GET", &format!("/element/{e}/attribute/href"), None)
        .as_str()
        .unwrap()
        .to_string()
}

/// The text of the first element matching `css`.
fn text_of(b: &Browser, css: &str) -> String {
    let e = b.find(css);
    b.call("GET", &format!("/element/{e}/text"), None)
        .as_str()
        .unwrap()
        .trim()
        .to_string()
}

/// Issue 35, 可核实 made visible: a province user clicks a coverage figure
/// and lands on as many rows as it says; clicks a unit's score, then the
/// completion indicator behind it, and downloads the clerk's workbook with
/// the cited cells marked; clicks an alert count and a ledger-change count
/// down to as many rows; a clerk sees its own unit's alerts and may not open
/// another unit's trace.
#[test]
fn a_leader_clicks_a_figure_down_to_the_cells_behind_it() {
    let (site, clerk, _server, dir) = serve("510603", &[("# pass_score = 60", "pass_score = 60")]);
    ingest_and_build_sample(dir.path());
    let province = {
        let out = taizhang(dir.path())
            .args([
                "--json", "token", "add", "--region", "510000", "--role", "province",
            ])
            .output()
            .unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["token"].as_str().unwrap().to_string()
    };
    let Some(b) = Browser::start() else {
        return;
    };
    b.go(&format!("{site}/"));
    b.type_into("#token", &province);
    b.click("button[type=submit]");

    // Coverage: the province's tasks figures; the on-time count, clicked.
    b.go(&format!("{site}/coverage?period=2024Q2"));
    b.shoot("coverage-figures");
    // The rates over the periods, drawn, with the numbers on hover.
    let source = b.source();
    assert!(
        source.contains("全省改革任务台账报送率（各期）"),
        "the chart's title"
    );
    let svg = &source[source.find("<svg").expect("a chart")..];
    assert!(
        svg.contains("<circle") && svg.contains("<title>2024Q2 按时报送率: "),
        "{}",
        &svg[..600.min(svg.len())]
    );
    let on_time = "table.figures a[href*='column=on_time_units'][href*='kind=tasks']";
    let figure: usize = text_of(&b, on_time).parse().unwrap();
    b.click(on_time);
    let page = b.text_when(|t| t.contains("可核实"));
    assert!(
        page.contains("mart_submission_coverage.on_time_units"),
        "{page}"
    );
    let listed: usize = text_of(&b, "#row-count").parse().unwrap();
    assert_eq!(listed, figure, "the rows behind the on-time figure");
    b.shoot("trace-coverage");

    // The scorecard: 旌阳区's score, then its completion indicator.
    b.go(&format!("{site}/scorecard?period=2024Q2"));
    let source = b.source();
    assert!(
        source.contains("各市（州）综合得分") && source.contains("<title>德阳市 综合得分: "),
        "the score chart"
    );
    // Every unit's score against the pass mark, a dot each with its number on hover.
    assert!(
        source.contains("综合得分分布（及格线 60）") && source.contains("<title>旌阳区: "),
        "the score distribution"
    );
    b.shoot("scorecard-charts");
    b.click("a.figure[href*='scope=510603']");
    let page = b.text_when(|t| t.contains("mart_scorecard"));
    assert!(page.contains("completion"), "{page}");
    b.shoot("trace-scorecard");
    b.click("a.drill[href*='mart=mart_task_completion'][href*='column=completion_rate']");
    let page = b.text_when(|t| t.contains("mart_task_completion.completion_rate"));
    assert!(
        page.contains("mart_task_completion.completion_rate"),
        "{page}"
    );
    let listed: usize = text_of(&b, "#row-count").parse().unwrap();
    let due = taizhang(dir.path())
        .args([
            "query",
            "select tasks_due from mart_task_completion where scope_code = '510603' and period = '2024Q2'",
            "--format",
            "csv",
        ])
        .output()
        .unwrap();
    let due = String::from_utf8_lossy(&due.stdout);
    let due: usize = due.lines().nth(1).unwrap().trim().parse().unwrap();
    assert_eq!(listed, due, "a rate lists its denominator's rows");
    b.shoot("trace-completion");

    // The clerk's workbook, with the first listed row's cell marked.
    let sheet = text_of(&b, "table.trace tbody tr td.sheet");
    let cell = text_of(&b, "table.trace tbody tr td.cell");
    let link = format!("{site}{}", href(&b, "a.source"));
    let cookie = b.session_cookie();
    let download = Command::new("curl")
        .args(["-s", "-b", &format!("tz_session={cookie}"), &link])
        .output()
        .unwrap();
    assert_eq!(&download.stdout[..2], b"PK", "an xlsx");
    let mut zip = zip::ZipArchive::new(std::io::Cursor::new(download.stdout)).unwrap();
    let mut comments = String::new();
    for i in 0..zip.len() {
        let mut part = zip.by_index(i).unwrap();
        if part.name().unwrap().starts_with("xl/comments") {
            std::io::Read::read_to_string(&mut part, &mut comments).unwrap();
        }
    }
    assert!(
        comments.contains(&format!("ref=\"{cell}\"")) && comments.contains("可核实"),
        "{sheet}!{cell} marked: {comments}"
    );

    // Alerts: 旌阳区's count of overdue major tasks, clicked, lands on as
    // many findings, each with the cell it came from.
    b.go(&format!("{site}/alerts?period=2024Q2"));
    b.shoot("alerts");
    let overdue = "table.alerts a.figure[href*='scope=510603'][href*='kind=overdue_major_task']";
    let figure: usize = text_of(&b, overdue).parse().unwrap();
    assert!(figure > 0);
    b.click(overdue);
    let page = b.text_when(|t| t.contains("rpt_alert_counts.alerts"));
    assert!(page.contains("rpt_alert_counts.alerts"), "{page}");
    let listed: usize = text_of(&b, "#row-count").parse().unwrap();
    assert_eq!(listed, figure, "the rows behind the alert count");
    assert_eq!(
        text_of(&b, "table.trace tbody tr td.alert"),
        "overdue_major_task"
    );
    b.shoot("trace-alert");

    // Ledger changes: the province's counts by type, drawn, and its total
    // clicked down to as many changes.
    b.go(&format!("{site}/changes?period=2024Q2"));
    let source = b.source();
    assert!(
        source.contains("台账变动（按类型）") && source.contains("<title>新增事项 条数: "),
        "the changes chart"
    );
    b.shoot("changes");
    let total = "table.changes a.figure[href*='scope=510000'][href*='column=changes_total']";
    let figure: usize = text_of(&b, total).parse().unwrap();
    b.click(total);
    let page = b.text_when(|t| t.contains("mart_ledger_change_counts.changes_total"));
    assert!(
        page.contains("mart_ledger_change_counts.changes_total"),
        "{page}"
    );
    let listed: usize = text_of(&b, "#row-count").parse().unwrap();
    assert_eq!(listed, figure, "the rows behind the change count");

    // A clerk may trace its own unit's figures, not another's.
    b.go(&format!("{site}/"));
    b.click("form[action='/logout'] button");
    b.go(&format!("{site}/"));
    b.type_into("#token", &clerk);
    b.click("button[type=submit]");
    b.go(&format!(
        "{site}/trace?mart=mart_task_completion&scope=510603&period=2024Q2&column=tasks_due"
    ));
    assert!(b.text().contains("可核实"), "{}", b.text());
    // Its alerts page lists its own unit's findings only.
    b.go(&format!("{site}/alerts?period=2024Q2"));
    let own = b.text();
    assert!(own.contains("旌阳区") && !own.contains("罗江区"), "{own}");
    b.go(&format!(
        "{site}/trace?mart=mart_task_completion&scope=510604&period=2024Q2&column=tasks_due"
    ));
    let refused = b.text();
    assert!(refused.contains("无权访问其他单位的数据"), "{refused}");
    let theirs = link.replace("scope=510603", "scope=510604");
    let status = Command::new("curl")
        .args([
            "-s",
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-b",
            &format!("tz_session={}", b.session_cookie()),
            &theirs,
        ])
        .output()
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&status.stdout), "403");
    // Only a submission the figure cites may be downloaded, and only signed in.
    let status_of = |url: &str, cookie: Option<&str>| {
        let mut cmd = Command::new("curl");
        cmd.args(["-s", "-o", "/dev/null", "-w", "%{http_code}"]);
        if let Some(c) = cookie {
            cmd.args(["-b", &format!("tz_session={c}")]);
        }
        String::from_utf8_lossy(&cmd.arg(url).output().unwrap().stdout).to_string()
    };
    let own = b.session_cookie();
    let uncited = format!(
        "{}&submission=0000000000000000",
        link.split("&submission=").next().unwrap()
    );
    assert_eq!(status_of(&uncited, Some(&own)), "404");
    let unnamed = link.split("&submission=").next().unwrap().to_string();
    assert_eq!(status_of(&unnamed, Some(&own)), "404");
    assert_eq!(status_of(&link, None), "401", "signed out");
    let page = link.replacen("/trace/workbook.xlsx?", "/trace?", 1);
    assert_eq!(status_of(&page, None), "401", "signed out");
}
