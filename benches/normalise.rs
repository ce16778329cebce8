//! Micro-benchmarks of the per-cell and per-row work of ingest (issue 6):
//! deadline and status parsing, and turning a sheet's cells into rows and an
//! Arrow batch. `cargo bench --bench normalise [-- FILTER]`; the
//! whole-process figures are in benches/README.md.
//!
//! A small harness instead of criterion (see Cargo.toml): each case runs in
//! batches for about a second after a warm-up, and the median time per
//! iteration of 15 batches is printed, with the spread (min–max).

use std::hint::black_box;
use std::time::{Duration, Instant};

/// Times `f`; `elements` per iteration gives a throughput.
fn bench(name: &str, elements: u64, mut f: impl FnMut()) {
    let filter: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| !a.starts_with('-'))
        .collect();
    if !filter.is_empty() && !filter.iter().any(|w| name.contains(w.as_str())) {
        return;
    }
    // Warm up, and size a batch to about 1/15 s.
    let start = Instant::now();
    let mut n: u64 = 0;
    while start.elapsed() < Duration::from_millis(300) {
        f();
        n += 1;
    }
    let per_batch = (n * 15 / 45).max(1);
    let mut samples: Vec<f64> = (0..15)
        .map(|_| {
            let t = Instant::now();
            for _ in 0..per_batch {
                f();
            }
            t.elapsed().as_secs_f64() / per_batch as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    let median = samples[samples.len() / 2];
    let show = |s: f64| {
        if s >= 1e-3 {
            format!("{:.3} ms", s * 1e3)
        } else {
            format!("{:.3} µs", s * 1e6)
        }
    };
    println!(
        "{name:<28} {:>12}  ({} – {})  {:>10.0} elements/s",
        show(median),
        show(samples[0]),
        show(samples[samples.len() - 1]),
        elements as f64 / median
    );
}

use taizhang::ingest::sheet::{find_header, read_rows};
use taizhang::ingest::workbook::{Format, read_workbook};
use taizhang::lake::schema::{KindRows, kind_batch};
use taizhang::ledger::{Kind, Rules};
use taizhang::normalize::StatusVocab;
use taizhang::normalize::dates::parse_deadline_text;

/// Deadline cells as clerks write them (DOMAIN.md).
const DEADLINES: &[&str] = &[
    "2024年6月底前",
    "2024.9.30",
    "长期坚持",
    "年底前",
    "2024年第一季度",
    "3月底前出台方案，6月底前完成",
    "2024年上半年",
    "2023-2025年",
    "每季度末",
    "2024年12月31日",
];

const STATUSES: &[&str] = &[
    "已完成",
    "推进中",
    "已启动未完成",
    "未按期完成",
    "滞后",
    "长期坚持",
    "正在推进",
    "未启动",
    "已出台",
    "基本完成，待验收",
];

fn normalisers() {
    bench("normalise/deadline_text", DEADLINES.len() as u64, || {
        for t in DEADLINES {
            black_box(parse_deadline_text(black_box(t), Some(2024)));
        }
    });
    let vocab = StatusVocab::default();
    bench("normalise/status", STATUSES.len() as u64, || {
        for t in STATUSES {
            black_box(vocab.classify(black_box(t)));
        }
    });
}

/// One national-sample workbook: 400 task rows and a sheet of every other kind.
fn sample_workbook() -> Vec<u8> {
    let dir = tempfile::tempdir().expect("temp dir");
    let opts = taizhang::sample::NationalOptions {
        quarters: 1,
        units: Some(1),
        tasks: Some(400),
    };
    let summary =
        taizhang::sample::generate_with(dir.path(), 1, taizhang::sample::Scale::National, opts)
            .expect("sample");
    std::fs::read(&summary.files[0]).expect("read sample")
}

fn rows() {
    let bytes = sample_workbook();
    let rules = Rules::default();
    let limits = taizhang::config::Limits::default().into();
    let grids = read_workbook(&bytes, Format::Xlsx, limits).expect("readable");
    let tasks = &grids[0];
    let header = find_header(tasks, Kind::Tasks, &rules).expect("a task header");
    let read = read_rows(tasks, &header, &rules, Some(2024));
    let n = read.records.len() as u64;

    bench("rows/read_workbook", n, || {
        black_box(read_workbook(black_box(&bytes), Format::Xlsx, limits).ok());
    });
    bench("rows/find_header", n, || {
        black_box(find_header(black_box(tasks), Kind::Tasks, &rules));
    });
    bench("rows/read_rows", n, || {
        black_box(read_rows(black_box(tasks), &header, &rules, Some(2024)));
    });
    let group = KindRows {
        submission_id: "0123456789abcdef",
        region_code: "110101",
        period: "2024Q1",
        records: &read.records,
    };
    bench("rows/arrow_batch", n, || {
        black_box(kind_batch(Kind::Tasks, black_box(&group)).ok());
    });
}

fn main() {
    normalisers();
    rows();
}
