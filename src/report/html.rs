//! The report as one self-contained HTML page: no network, no scripts, charts
//! as inline SVG, a print style for A4. Written as polyglot XHTML (every tag
//! closed, every attribute quoted, text escaped) so it is well-formed XML too.

use std::fmt::Write as _;

use super::{Cell, PeriodReport, Table};
use crate::escape::esc;

const STYLE: &str = r#"
body { font-family: "Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", sans-serif; color: #1d2733; margin: 0 auto; max-width: 190mm; padding: 8mm; line-height: 1.45; font-size: 10.5pt; }
h1 { font-size: 18pt; margin: 0 0 2mm; color: #14365d; }
h2 { font-size: 14pt; margin: 8mm 0 2mm; color: #14365d; border-bottom: 2px solid #14365d; padding-bottom: 1mm; }
h3 { font-size: 11pt; margin: 5mm 0 1.5mm; }
.meta { color: #5b6673; margin: 0 0 4mm; }
.headline { display: flex; flex-wrap: wrap; gap: 3mm; margin: 3mm 0; }
.figure { border: 1px solid #c8d3df; border-radius: 2mm; padding: 2mm 4mm; min-width: 28mm; }
.figure .v { font-size: 15pt; font-weight: bold; color: #14365d; }
.figure .k { color: #5b6673; font-size: 9pt; }
table { border-collapse: collapse; width: 100%; margin: 1mm 0 4mm; font-size: 9pt; }
th, td { border: 1px solid #c8d3df; padding: 1mm 1.5mm; text-align: left; vertical-align: top; }
th { background: #dde6f0; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
thead { display: table-header-group; }
tr { page-break-inside: avoid; }
svg { width: 100%; height: auto; display: block; margin: 2mm 0 4mm; }
svg text { font-family: "Noto Sans CJK SC", "Source Han Sans SC", sans-serif; }
.empty { color: #5b6673; }
@page { size: A4; margin: 12mm; }
@media print { body { padding: 0; max-width: none; } h2 { page-break-before: auto; } section { page-break-inside: auto; } .chart { page-break-inside: avoid; } }
"#;

/// Renders the report as a complete HTML document.
pub fn render(report: &PeriodReport) -> String {
    let mut s = String::new();
    let title = format!("{}{}（{}）", report.province, report.title, report.period);
    let _ = write!(
        s,
        "<!DOCTYPE html>\n<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"zh-CN\">\n<head>\n\
         <meta charset=\"utf-8\"/>\n<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n\
         <title>{}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n<h1>{}</h1>\n\
         <p class=\"meta\">周期 {} · 生成于 {} · 由 taizhang 根据仓库指标表生成，每个数字可用 <code>taizhang trace</code> 追溯到台账单元格</p>\n\
         <p class=\"meta\">{}</p>\n",
        esc(&title),
        esc(&title),
        esc(&report.period),
        esc(&report.generated_at),
        esc(&report.stamp_line())
    );
    if !report.headline.is_empty() {
        s.push_str("<div class=\"headline\">\n");
        for (k, v) in &report.headline {
            let _ = writeln!(
                s,
                "<div class=\"figure\"><div class=\"v\">{}</div><div class=\"k\">全省{}</div></div>",
                esc(&v.display()),
                esc(k)
            );
        }
        s.push_str("</div>\n");
    }

    // The period report draws its charts; the annual report has none.
    if report.charts_shown {
        s.push_str("<h2>图表 / charts</h2>\n");
        let c = &report.charts;
        s.push_str(&chart_block(
            "各市（州）综合得分",
            bars(
                &c.score_by_city
                    .iter()
                    .map(|(n, v)| (n.clone(), vec![Some(*v)]))
                    .collect::<Vec<_>>(),
                &["综合得分"],
                100.0,
                |x| format!("{x:.1}"),
            ),
        ));
        s.push_str(&chart_block(
            "各市（州）任务完成率与按期完成率",
            bars(
                &c.completion_by_city
                    .iter()
                    .map(|(n, a, b)| (n.clone(), vec![*a, *b]))
                    .collect::<Vec<_>>(),
                &["完成率", "按期完成率"],
                1.0,
                |x| format!("{:.1}%", x * 100.0),
            ),
        ));
        s.push_str(&chart_block(
            "全省改革任务台账报送率（各期）",
            lines(&c.coverage_over_time, &["报送率", "按时报送率"]),
        ));
        s.push_str(&chart_block(
            "各市（州）群众满意率及95%置信区间",
            intervals(&c.satisfaction_by_city),
        ));
    }

    for sheet in &report.sheets {
        let _ = writeln!(s, "<section>\n<h2>{}</h2>", esc(sheet.name));
        for table in &sheet.tables {
            s.push_str(&table_html(table));
        }
        s.push_str("</section>\n");
    }
    s.push_str("</body>\n</html>\n");
    s
}

fn chart_block(title: &str, svg: String) -> String {
    format!(
        "<div class=\"chart\">\n<h3>{}</h3>\n{svg}</div>\n",
        esc(title)
    )
}

fn table_html(table: &Table) -> String {
    let mut s = format!("<h3>{}</h3>\n", esc(&table.title));
    if table.rows.is_empty() {
        s.push_str("<p class=\"empty\">（无 / none）</p>\n");
        return s;
    }
    s.push_str("<table>\n<thead><tr>");
    for h in &table.headers {
        let _ = write!(s, "<th>{}</th>", esc(h));
    }
    s.push_str("</tr></thead>\n<tbody>\n");
    for row in &table.rows {
        s.push_str("<tr>");
        for cell in row {
            let numeric = matches!(cell, Cell::Int(_) | Cell::Num(_) | Cell::Rate(_));
            let _ = write!(
                s,
                "<td{}>{}</td>",
                if numeric { " class=\"n\"" } else { "" },
                esc(&cell.display())
            );
        }
        s.push_str("</tr>\n");
    }
    s.push_str("</tbody>\n</table>\n");
    s
}

const COLOURS: [&str; 2] = ["#2f6db5", "#e08a2c"];
const WIDTH: f64 = 720.0;
const LABEL: f64 = 150.0;

/// A chart's drawing box: its width and the width of its labels. A page's
/// chart is drawn [`WIDE`] (the report's A4 column, and a portal box that
/// scrolls sideways on a phone) or [`NARROW`] (fits a 390 px phone at its
/// text's size, with the class `narrow` for the page's stylesheet).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Frame {
    width: f64,
    label: f64,
    class: &'static str,
}

pub(crate) const WIDE: Frame = Frame {
    width: WIDTH,
    label: LABEL,
    class: "",
};

pub(crate) const NARROW: Frame = Frame {
    width: 400.0,
    label: 110.0,
    class: " class=\"narrow\"",
};

fn empty_chart() -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} 40\" role=\"img\"><text x=\"10\" y=\"25\" font-size=\"13\" fill=\"#5b6673\">（本期无数据 / no data this period）</text></svg>\n"
    )
}

fn legend(series: &[&str], y: f64, left: f64) -> String {
    let mut s = String::new();
    for (i, name) in series.iter().enumerate() {
        let x = left + i as f64 * 130.0;
        let _ = write!(
            s,
            "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{}\" font-size=\"12\">{}</text>",
            y - 10.0,
            COLOURS[i % 2],
            x + 16.0,
            y,
            esc(name)
        );
    }
    s
}

/// Horizontal bars, one group per item, one bar per series.
pub(crate) fn bars(
    items: &[(String, Vec<Option<f64>>)],
    series: &[&str],
    max: f64,
    label: impl Fn(f64) -> String,
) -> String {
    bars_in(WIDE, items, series, max, label)
}

/// [`bars`] in `frame`.
pub(crate) fn bars_in(
    frame: Frame,
    items: &[(String, Vec<Option<f64>>)],
    series: &[&str],
    max: f64,
    label: impl Fn(f64) -> String,
) -> String {
    let Frame {
        width,
        label: left,
        class,
    } = frame;
    if items.is_empty() {
        return empty_chart();
    }
    let bar = 12.0;
    let group = bar * series.len() as f64 + 8.0;
    let top = 24.0;
    let height = top + group * items.len() as f64 + 10.0;
    let plot = width - left - 60.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\"{class}>{}",
        legend(series, 14.0, left)
    );
    for (i, (name, values)) in items.iter().enumerate() {
        let y0 = top + group * i as f64;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{}\" font-size=\"12\" text-anchor=\"end\">{}</text>",
            left - 6.0,
            y0 + group / 2.0,
            esc(name)
        );
        for (j, v) in values.iter().enumerate() {
            let y = y0 + bar * j as f64;
            match v {
                Some(v) => {
                    let w = (v / max).clamp(0.0, 1.0) * plot;
                    // The number on hover too (<title>), for a screen too
                    // narrow to read the label.
                    let _ = write!(
                        s,
                        "<rect x=\"{left}\" y=\"{y}\" width=\"{w:.1}\" height=\"{}\" fill=\"{}\"><title>{} {}: {}</title></rect><text x=\"{:.1}\" y=\"{}\" font-size=\"10\">{}</text>",
                        bar - 2.0,
                        COLOURS[j % 2],
                        esc(name),
                        esc(series.get(j).copied().unwrap_or("")),
                        esc(&label(*v)),
                        left + w + 4.0,
                        y + bar - 3.0,
                        esc(&label(*v))
                    );
                }
                None => {
                    let _ = write!(
                        s,
                        "<text x=\"{}\" y=\"{}\" font-size=\"10\" fill=\"#5b6673\">—</text>",
                        left + 4.0,
                        y + bar - 3.0
                    );
                }
            }
        }
    }
    let _ = writeln!(
        s,
        "<line x1=\"{left}\" y1=\"{}\" x2=\"{left}\" y2=\"{}\" stroke=\"#5b6673\"/></svg>",
        top - 4.0,
        height - 6.0
    );
    s
}

/// A line per series over the periods, 0–100 %.
pub(crate) fn lines(points: &[(String, Option<f64>, Option<f64>)], series: &[&str]) -> String {
    if points.is_empty() {
        return empty_chart();
    }
    let (left, top, plot_w, plot_h) = (60.0, 28.0, WIDTH - 90.0, 180.0);
    let height = top + plot_h + 40.0;
    let x = |i: usize| {
        if points.len() == 1 {
            left + plot_w / 2.0
        } else {
            left + plot_w * i as f64 / (points.len() - 1) as f64
        }
    };
    let y = |v: f64| top + plot_h * (1.0 - v.clamp(0.0, 1.0));
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\">{}",
        legend(series, 14.0, LABEL)
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1}\" y2=\"{0:.1}\" stroke=\"#e1e7ee\"/><text x=\"{2}\" y=\"{3:.1}\" font-size=\"10\" text-anchor=\"end\">{4:.0}%</text>",
            y(tick),
            left + plot_w,
            left - 6.0,
            y(tick) + 3.0,
            tick * 100.0
        );
    }
    for (i, (period, ..)) in points.iter().enumerate() {
        let _ = write!(
            s,
            "<text x=\"{:.1}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\">{}</text>",
            x(i),
            top + plot_h + 18.0,
            esc(period)
        );
    }
    for (j, colour) in COLOURS.iter().enumerate() {
        let values: Vec<(usize, f64)> = points
            .iter()
            .enumerate()
            .filter_map(|(i, p)| if j == 0 { p.1 } else { p.2 }.map(|v| (i, v)))
            .collect();
        let path: Vec<String> = values
            .iter()
            .map(|(i, v)| format!("{:.1},{:.1}", x(*i), y(*v)))
            .collect();
        if path.len() > 1 {
            let _ = write!(
                s,
                "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>",
                path.join(" "),
                colour
            );
        }
        for (i, v) in values {
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.5\" fill=\"{}\"><title>{} {}: {:.1}%</title></circle><text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\" text-anchor=\"middle\">{:.1}%</text>",
                x(i),
                y(v),
                colour,
                esc(&points[i].0),
                esc(series.get(j).copied().unwrap_or("")),
                v * 100.0,
                x(i),
                y(v) - 7.0 - 11.0 * j as f64,
                v * 100.0
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

/// A dot per city at its rate with its interval as a line.
fn intervals(items: &[(String, f64, f64, f64, bool)]) -> String {
    if items.is_empty() {
        return empty_chart();
    }
    let row = 20.0;
    let top = 30.0;
    let plot = WIDTH - LABEL - 40.0;
    let height = top + row * items.len() as f64 + 24.0;
    let x = |v: f64| LABEL + plot * v.clamp(0.0, 1.0);
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {height}\" role=\"img\">\
         <text x=\"{LABEL}\" y=\"14\" font-size=\"11\" fill=\"#5b6673\">点为满意率，横线为95%置信区间；空心点表示样本不足</text>"
    );
    for tick in [0.0, 0.25, 0.5, 0.75, 1.0] {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{1}\" stroke=\"#e1e7ee\"/><text x=\"{0:.1}\" y=\"{2}\" font-size=\"10\" text-anchor=\"middle\">{3:.0}%</text>",
            x(tick),
            height - 20.0,
            height - 8.0,
            tick * 100.0
        );
    }
    for (i, (name, rate, low, high, low_sample)) in items.iter().enumerate() {
        let cy = top + row * i as f64 + row / 2.0;
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}</text>\
             <line x1=\"{:.1}\" y1=\"{cy:.1}\" x2=\"{:.1}\" y2=\"{cy:.1}\" stroke=\"{}\" stroke-width=\"2\"/>\
             <circle cx=\"{:.1}\" cy=\"{cy:.1}\" r=\"4\" fill=\"{}\" stroke=\"{}\" stroke-width=\"1.5\"/>\
             <text x=\"{:.1}\" y=\"{:.1}\" font-size=\"10\">{:.1}%</text>",
            LABEL - 6.0,
            cy + 4.0,
            esc(name),
            x(*low),
            x(*high),
            COLOURS[0],
            x(*rate),
            if *low_sample { "#ffffff" } else { COLOURS[0] },
            COLOURS[0],
            x(*high) + 6.0,
            cy + 4.0,
            rate * 100.0
        );
    }
    s.push_str("</svg>\n");
    s
}

/// A distribution: one dot per unit at its score (0–100) on a row per
/// level, dots that would overlap stacked, each named with its score on
/// hover; the pass mark, when set, a dashed line, and dots under it
/// coloured apart.
pub(crate) fn distribution(rows: &[(String, Vec<(String, f64)>)], pass: Option<f64>) -> String {
    if rows.iter().all(|(_, dots)| dots.is_empty()) {
        return empty_chart();
    }
    let Frame {
        width,
        label: left,
        class,
    } = NARROW;
    let (top, r, plot) = (24.0, 5.0, width - left - 16.0);
    let x = |v: f64| left + plot * (v / 100.0).clamp(0.0, 1.0);
    // Each row's dots in score order, each in the lowest lane where it
    // clears the dot before it.
    let laid: Vec<Vec<(&str, f64, usize)>> = rows
        .iter()
        .map(|(_, dots)| {
            let mut sorted: Vec<&(String, f64)> = dots.iter().collect();
            sorted.sort_by(|a, b| a.1.total_cmp(&b.1));
            let mut lanes: Vec<f64> = Vec::new();
            sorted
                .into_iter()
                .map(|(name, v)| {
                    let at = x(*v);
                    let lane = lanes
                        .iter()
                        .position(|last| at - last >= 2.0 * r + 1.0)
                        .unwrap_or(lanes.len());
                    if lane == lanes.len() {
                        lanes.push(at);
                    } else {
                        lanes[lane] = at;
                    }
                    (name.as_str(), *v, lane)
                })
                .collect()
        })
        .collect();
    let heights: Vec<f64> = laid
        .iter()
        .map(|dots| {
            let lanes = dots.iter().map(|d| d.2 + 1).max().unwrap_or(1);
            (2.0 * r + 2.0) * lanes as f64 + 12.0
        })
        .collect();
    let bottom = top + heights.iter().sum::<f64>();
    let height = bottom + 24.0;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {width} {height}\" role=\"img\"{class}>"
    );
    for tick in [0.0, 20.0, 40.0, 60.0, 80.0, 100.0] {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{top}\" x2=\"{0:.1}\" y2=\"{bottom}\" stroke=\"#e1e7ee\"/><text x=\"{0:.1}\" y=\"{1}\" font-size=\"10\" text-anchor=\"middle\">{tick:.0}</text>",
            x(tick),
            bottom + 14.0
        );
    }
    if let Some(pass) = pass {
        let _ = write!(
            s,
            "<line x1=\"{0:.1}\" y1=\"{1}\" x2=\"{0:.1}\" y2=\"{bottom}\" stroke=\"#c0392b\" stroke-width=\"1.5\" stroke-dasharray=\"5 3\"><title>及格线 pass mark: {pass}</title></line><text x=\"{2:.1}\" y=\"{3}\" font-size=\"11\" fill=\"#c0392b\">及格线 {pass}</text>",
            x(pass),
            top - 8.0,
            x(pass) + 4.0,
            top - 10.0
        );
    }
    let mut y0 = top;
    for (((level, _), dots), h) in rows.iter().zip(&laid).zip(&heights) {
        let _ = write!(
            s,
            "<text x=\"{}\" y=\"{:.1}\" font-size=\"12\" text-anchor=\"end\">{}（{}）</text>",
            left - 8.0,
            y0 + h / 2.0 + 4.0,
            esc(level),
            dots.len()
        );
        for (name, v, lane) in dots {
            let under = pass.is_some_and(|p| *v < p);
            let _ = write!(
                s,
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"{r}\" fill=\"{}\" fill-opacity=\"0.85\"><title>{}: {:.1}</title></circle>",
                x(*v),
                y0 + h - 6.0 - r - (2.0 * r + 2.0) * *lane as f64,
                if under { "#c0392b" } else { COLOURS[0] },
                esc(name),
                v
            );
        }
        let _ = write!(
            s,
            "<line x1=\"{left}\" y1=\"{0:.1}\" x2=\"{1:.1}\" y2=\"{0:.1}\" stroke=\"#c8d3df\"/>",
            y0 + h,
            left + plot
        );
        y0 += h;
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_text_text() {
        assert_eq!(
            esc("<a href=\"x\">&'"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;"
        );
        assert_eq!(esc("a\u{1}b"), "a b");
    }

    #[test]
    fn empty_charts_say_so() {
        assert!(bars(&[], &["x"], 1.0, |x| x.to_string()).contains("no data"));
        assert!(lines(&[], &["x", "y"]).contains("no data"));
        assert!(intervals(&[]).contains("no data"));
        assert!(distribution(&[("市".into(), vec![])], Some(60.0)).contains("no data"));
    }

    #[test]
    fn a_distribution_names_every_dot_and_draws_the_pass_mark() {
        let svg = distribution(
            &[(
                "县（市、区）".into(),
                vec![
                    ("旌阳区".into(), 53.1),
                    ("罗江区".into(), 53.2),
                    ("广汉市".into(), 91.7),
                ],
            )],
            Some(60.0),
        );
        assert!(svg.contains("<title>旌阳区: 53.1</title>") && svg.contains("及格线 60"));
        // Two dots 0.1 apart are stacked, not drawn over each other.
        let ys: Vec<&str> = svg
            .split("<circle ")
            .skip(1)
            .map(|c| c.split("cy=\"").nth(1).unwrap().split('"').next().unwrap())
            .collect();
        assert_ne!(ys[0], ys[1]);
        assert_eq!(
            svg.matches("#c0392b\" fill-opacity").count(),
            2,
            "two under the mark"
        );
    }
}
