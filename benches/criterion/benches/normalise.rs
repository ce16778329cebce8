//! Micro-benchmarks of the per-cell and per-row work of ingest (issue 6):
//! deadline and status parsing, and turning a sheet's cells into rows and an
//! Arrow batch. The whole-process figures are in benches/README.md.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use taizhang::ingest::header::find_header;
use taizhang::ingest::read::{Format, read_workbook};
use taizhang::ingest::rows::read_rows;
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

fn normalisers(c: &mut Criterion) {
    let mut group = c.benchmark_group("normalise");
    group.throughput(Throughput::Elements(DEADLINES.len() as u64));
    group.bench_function("deadline_text", |b| {
        b.iter(|| {
            for t in DEADLINES {
                black_box(parse_deadline_text(black_box(t), Some(2024)));
            }
        })
    });
    let vocab = StatusVocab::default();
    group.throughput(Throughput::Elements(STATUSES.len() as u64));
    group.bench_function("status", |b| {
        b.iter(|| {
            for t in STATUSES {
                black_box(vocab.classify(black_box(t)));
            }
        })
    });
    group.finish();
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

fn rows(c: &mut Criterion) {
    let bytes = sample_workbook();
    let rules = Rules::default();
    let limits = taizhang::config::Limits::default().into();
    let grids = read_workbook(&bytes, Format::Xlsx, limits).expect("readable");
    let tasks = &grids[0];
    let header = find_header(tasks, Kind::Tasks, &rules).expect("a task header");
    let read = read_rows(tasks, &header, &rules, Some(2024));

    let mut group = c.benchmark_group("rows");
    group.throughput(Throughput::Elements(read.records.len() as u64));
    group.bench_function("read_workbook", |b| {
        b.iter(|| black_box(read_workbook(black_box(&bytes), Format::Xlsx, limits).ok()))
    });
    group.bench_function("find_header", |b| {
        b.iter(|| black_box(find_header(black_box(tasks), Kind::Tasks, &rules)))
    });
    group.bench_function("read_rows", |b| {
        b.iter(|| black_box(read_rows(black_box(tasks), &header, &rules, Some(2024))))
    });
    let kind_rows = KindRows {
        submission_id: "0123456789abcdef",
        region_code: "110101",
        period: "2024Q1",
        records: &read.records,
    };
    group.bench_function("arrow_batch", |b| {
        b.iter(|| black_box(kind_batch(Kind::Tasks, black_box(&kind_rows)).ok()))
    });
    group.finish();
}

criterion_group!(benches, normalisers, rows);
criterion_main!(benches);
