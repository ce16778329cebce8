//! Arrow schemas of the lake tables and the builders that fill them. Types are
//! plain Parquet types: UTF-8 strings, DATE, BOOLEAN, INT64, lists of strings,
//! and timestamps in UTC.

use arrow::array::{
    ArrayRef, BooleanBuilder, Date32Builder, Float64Builder, Int64Builder, ListBuilder,
    RecordBatch, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use chrono::{DateTime, FixedOffset, NaiveDate};
use std::sync::Arc;

use crate::error::Result;
use crate::issue::Issue;
use crate::ledger::{self, FieldType, Kind, Record, Value};

/// Columns every kind table starts with.
pub const COMMON: [&str; 6] = [
    "submission_id",
    "region_code",
    "period",
    "source_sheet",
    "source_row",
    "source_cell",
];

/// The columns a ledger table's rows are grouped by, so their Parquet min/max
/// statistics let a reader skip row groups.
pub const KEY_COLUMNS: [&str; 4] = ["submission_id", "region_code", "period", "source_sheet"];

fn utf8(name: &str) -> Field {
    Field::new(name, DataType::Utf8, true)
}

fn text_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Utf8, true)))
}

fn date_list() -> DataType {
    DataType::List(Arc::new(Field::new("item", DataType::Date32, true)))
}

fn arrow_type(ty: FieldType) -> DataType {
    match ty {
        FieldType::Text => DataType::Utf8,
        FieldType::TextList => text_list(),
        FieldType::Date => DataType::Date32,
        FieldType::Bool => DataType::Boolean,
        FieldType::Int => DataType::Int64,
        FieldType::DateList => date_list(),
        FieldType::Float => DataType::Float64,
    }
}

/// The schema of a kind's table (built once per kind).
pub fn kind_schema(kind: Kind) -> SchemaRef {
    static SCHEMAS: std::sync::LazyLock<Vec<SchemaRef>> =
        std::sync::LazyLock::new(|| Kind::ALL.map(build_kind_schema).to_vec());
    SCHEMAS[kind.index()].clone()
}

fn build_kind_schema(kind: Kind) -> SchemaRef {
    let mut fields = vec![
        Field::new("submission_id", DataType::Utf8, false),
        Field::new("region_code", DataType::Utf8, false),
        Field::new("period", DataType::Utf8, false),
        Field::new("source_sheet", DataType::Utf8, false),
        Field::new("source_row", DataType::Int64, false),
        // Added after the first lakes were written: nullable, so older parts still read.
        Field::new("source_cell", DataType::Utf8, true),
    ];
    fields.extend(
        ledger::fields(kind)
            .iter()
            .map(|f| Field::new(f.name, arrow_type(f.ty), true)),
    );
    if ledger::keys::is_compared(kind) {
        // Added with the ledger comparison: nullable, so older parts still
        // read (the build keys their rows itself).
        fields.extend([
            Field::new("title_key", DataType::Utf8, true),
            Field::new("title_repeats", DataType::Boolean, true),
            Field::new("is_numbered", DataType::Boolean, true),
        ]);
    }
    Arc::new(Schema::new(fields))
}

/// The lake columns that hold a row's matching keys ([`ledger::keys`]), last
/// in the tables of the compared kinds: (name, 中文, English).
pub const KEY_DOC: [(&str, &str, &str); 3] = [
    (
        "title_key",
        "标题键",
        "the normalised title, # and its occurrence in the ledger: what rows are matched on between ledgers (null in parts written before it existed)",
    ),
    (
        "title_repeats",
        "标题重复",
        "the normalised title occurs more than once in this ledger",
    ),
    (
        "is_numbered",
        "按序号匹配",
        "the ledger is numbered by its own distinct 序号 (not a running count): rows match on seq",
    ),
];

/// Fills the key columns of one ledger's batches (all of one submission and
/// kind, in the order read): keys need the whole ledger, while batches are
/// closed every [`crate::ingest`] chunk of rows.
pub fn fill_keys(kind: Kind, batches: &mut [RecordBatch]) -> Result<()> {
    if !ledger::keys::is_compared(kind) || batches.is_empty() {
        return Ok(());
    }
    use arrow::array::{Array, AsArray};
    let text = |b: &RecordBatch, name: &str| -> arrow::array::StringArray {
        b.column_by_name(name)
            .expect("a kind table's column")
            .as_string::<i32>()
            .clone()
    };
    let sheets: Vec<_> = batches.iter().map(|b| text(b, "source_sheet")).collect();
    let seqs: Vec<_> = batches.iter().map(|b| text(b, "seq")).collect();
    let titles: Vec<_> = batches.iter().map(|b| text(b, kind.required())).collect();
    let rows: Vec<_> = batches
        .iter()
        .map(|b| {
            b.column_by_name("source_row")
                .expect("source_row")
                .as_primitive::<arrow::datatypes::Int64Type>()
                .clone()
        })
        .collect();
    fn opt(a: &arrow::array::StringArray, i: usize) -> Option<&str> {
        (!a.is_null(i)).then(|| a.value(i))
    }
    let mut key_rows = Vec::new();
    for (bi, b) in batches.iter().enumerate() {
        for i in 0..b.num_rows() {
            key_rows.push(ledger::keys::KeyRow {
                sheet: sheets[bi].value(i),
                row: rows[bi].value(i),
                seq: opt(&seqs[bi], i),
                title: opt(&titles[bi], i),
            });
        }
    }
    let keys = ledger::keys::keys(&key_rows);
    drop(key_rows);
    let mut at = 0;
    for b in batches.iter_mut() {
        let n = b.num_rows();
        let schema = b.schema();
        let mut columns = b.columns().to_vec();
        let index = |name: &str| schema.index_of(name).expect("a key column");
        columns[index("title_key")] = Arc::new(arrow::array::StringArray::from_iter_values(
            &keys.title_key[at..at + n],
        ));
        columns[index("title_repeats")] = Arc::new(arrow::array::BooleanArray::from(
            keys.title_repeats[at..at + n].to_vec(),
        ));
        columns[index("is_numbered")] =
            Arc::new(arrow::array::BooleanArray::from(vec![keys.is_numbered; n]));
        *b = RecordBatch::try_new(schema, columns)?;
        at += n;
    }
    Ok(())
}

/// The rows of one submission of one kind.
pub struct KindRows<'a> {
    pub submission_id: &'a str,
    pub region_code: &'a str,
    pub period: &'a str,
    pub records: &'a [Record],
}

fn days_since_epoch(d: NaiveDate) -> i32 {
    (d - NaiveDate::from_ymd_opt(1970, 1, 1).expect("valid")).num_days() as i32
}

/// Builds a kind table's batch from rows already collected as [`Record`]s.
pub fn kind_batch(kind: Kind, rows: &KindRows<'_>) -> Result<RecordBatch> {
    let mut builder = KindBatchBuilder::new(
        kind,
        [rows.submission_id, rows.region_code, rows.period],
        rows.records.len(),
    );
    for r in rows.records {
        builder.push(&r.source_sheet, r.source_row, r.source_col, &r.values);
    }
    builder.finish()
}

/// A kind table's batch built row by row while a sheet is read: each row's
/// values go straight into the Arrow columns, so no row is kept as an object
/// of its own in between (on the national benchmark, allocating, filling,
/// copying and dropping one per row was a tenth of the cache misses of an
/// ingest).
pub struct KindBatchBuilder {
    kind: Kind,
    /// `submission_id`, `region_code`, `period`: the same for every row.
    ids: [String; 3],
    common: [StringBuilder; 4],
    source_row: Int64Builder,
    source_cell: StringBuilder,
    columns: Vec<ColumnBuilder>,
    rows: usize,
}

impl KindBatchBuilder {
    /// An empty batch for the rows of one submission, with room for `rows`.
    pub fn new(kind: Kind, ids: [&str; 3], rows: usize) -> KindBatchBuilder {
        let widths = TextWidths::last(kind);
        let text = |width: usize| StringBuilder::with_capacity(rows, rows * width);
        KindBatchBuilder {
            kind,
            common: [
                text(ids[0].len()),
                text(ids[1].len()),
                text(ids[2].len()),
                text(widths.sheet),
            ],
            ids: ids.map(str::to_string),
            source_row: Int64Builder::with_capacity(rows),
            source_cell: StringBuilder::with_capacity(rows, rows * 4),
            columns: ledger::fields(kind)
                .iter()
                .zip(&widths.fields)
                .map(|(f, &width)| ColumnBuilder::new(f.ty, rows, width))
                .collect(),
            rows: 0,
        }
    }

    /// Appends one row: its sheet, 1-based row, the 0-based column of its
    /// identifying cell, and its values aligned with [`ledger::fields`].
    pub fn push(&mut self, sheet: &str, source_row: u32, source_col: u32, values: &[Value]) {
        let [submission_id, region_code, period] = &self.ids;
        self.common[0].append_value(submission_id);
        self.common[1].append_value(region_code);
        self.common[2].append_value(period);
        self.common[3].append_value(sheet);
        self.source_row.append_value(i64::from(source_row));
        crate::a1::write_a1(
            &mut self.source_cell,
            source_row.saturating_sub(1),
            source_col,
        )
        .expect("an Arrow string builder takes any text");
        self.source_cell.append_value("");
        for (b, v) in self.columns.iter_mut().zip(values) {
            b.append(v);
        }
        self.rows += 1;
    }

    /// Rows appended since the last [`KindBatchBuilder::finish`].
    pub fn len(&self) -> usize {
        self.rows
    }

    pub fn is_empty(&self) -> bool {
        self.rows == 0
    }

    pub fn kind(&self) -> Kind {
        self.kind
    }

    /// The rows appended so far as a batch; the builder starts over empty.
    pub fn finish(&mut self) -> Result<RecordBatch> {
        if self.rows > 0 {
            let per_row = |bytes: usize| bytes.div_ceil(self.rows);
            TextWidths {
                sheet: per_row(self.common[3].values_slice().len()),
                fields: self
                    .columns
                    .iter()
                    .map(|c| per_row(c.text_bytes()))
                    .collect(),
            }
            .keep(self.kind);
        }
        let mut columns: Vec<ArrayRef> = self
            .common
            .iter_mut()
            .map(|b| Arc::new(b.finish()) as ArrayRef)
            .collect();
        columns.push(Arc::new(self.source_row.finish()));
        columns.push(Arc::new(self.source_cell.finish()));
        columns.extend(self.columns.iter_mut().map(ColumnBuilder::finish));
        if ledger::keys::is_compared(self.kind) {
            // Filled by `fill_keys` once the whole ledger is read.
            let rows = self.rows;
            columns.push(arrow::array::new_null_array(&DataType::Utf8, rows));
            columns.push(arrow::array::new_null_array(&DataType::Boolean, rows));
            columns.push(arrow::array::new_null_array(&DataType::Boolean, rows));
        }
        self.rows = 0;
        Ok(RecordBatch::try_new(kind_schema(self.kind), columns)?)
    }
}

/// Bytes per row of a kind's text: what a new batch makes room for.
#[derive(Debug, Clone)]
struct TextWidths {
    sheet: usize,
    /// Per field of [`ledger::fields`]; 0 for a field without text.
    fields: Vec<usize>,
}

thread_local! {
    /// Per kind, the widths of the last batch this thread built. A batch sized
    /// by a fixed guess regrew its text columns a few times for every
    /// workbook, each time copying them into fresh memory; consecutive
    /// ledgers of one kind are much alike.
    static LAST_WIDTHS: std::cell::RefCell<[Option<TextWidths>; Kind::ALL.len()]> =
        Default::default();
}

impl TextWidths {
    /// Before any batch of a kind: 16 bytes a text, about five Chinese characters.
    const GUESS: usize = 16;

    fn last(kind: Kind) -> TextWidths {
        LAST_WIDTHS
            .with_borrow(|w| w[kind.index()].clone())
            .unwrap_or_else(|| TextWidths {
                sheet: Self::GUESS,
                fields: vec![Self::GUESS; ledger::fields(kind).len()],
            })
    }

    fn keep(self, kind: Kind) {
        LAST_WIDTHS.with_borrow_mut(|w| w[kind.index()] = Some(self));
    }
}

/// An Arrow builder for one field type; a value of another type is null.
enum ColumnBuilder {
    Text(StringBuilder),
    TextList(ListBuilder<StringBuilder>),
    Date(Date32Builder),
    Bool(BooleanBuilder),
    Int(Int64Builder),
    DateList(ListBuilder<Date32Builder>),
    Float(Float64Builder),
}

impl ColumnBuilder {
    /// Room for `n` rows of `width` text bytes each.
    fn new(ty: FieldType, n: usize, width: usize) -> ColumnBuilder {
        match ty {
            FieldType::Text => ColumnBuilder::Text(StringBuilder::with_capacity(n, n * width)),
            FieldType::TextList => ColumnBuilder::TextList(
                ListBuilder::with_capacity(StringBuilder::with_capacity(n, n * width), n)
                    .with_field(Field::new("item", DataType::Utf8, true)),
            ),
            FieldType::Date => ColumnBuilder::Date(Date32Builder::with_capacity(n)),
            FieldType::Bool => ColumnBuilder::Bool(BooleanBuilder::with_capacity(n)),
            FieldType::Int => ColumnBuilder::Int(Int64Builder::with_capacity(n)),
            FieldType::DateList => ColumnBuilder::DateList(
                ListBuilder::with_capacity(Date32Builder::with_capacity(n), n)
                    .with_field(Field::new("item", DataType::Date32, true)),
            ),
            FieldType::Float => ColumnBuilder::Float(Float64Builder::with_capacity(n)),
        }
    }

    fn append(&mut self, v: &Value) {
        match (self, v) {
            (ColumnBuilder::Text(b), Value::Text(s)) => b.append_value(s),
            (ColumnBuilder::Text(b), _) => b.append_null(),
            (ColumnBuilder::TextList(b), Value::TextList(items)) => {
                for item in items.iter() {
                    b.values().append_value(item);
                }
                b.append(true);
            }
            (ColumnBuilder::TextList(b), _) => b.append(false),
            (ColumnBuilder::Date(b), Value::Date(d)) => b.append_value(days_since_epoch(*d)),
            (ColumnBuilder::Date(b), _) => b.append_null(),
            (ColumnBuilder::Bool(b), Value::Bool(x)) => b.append_value(*x),
            (ColumnBuilder::Bool(b), _) => b.append_null(),
            (ColumnBuilder::Int(b), Value::Int(x)) => b.append_value(*x),
            (ColumnBuilder::Int(b), _) => b.append_null(),
            (ColumnBuilder::DateList(b), Value::DateList(dates)) => {
                for d in dates.iter() {
                    b.values().append_value(days_since_epoch(*d));
                }
                b.append(true);
            }
            (ColumnBuilder::DateList(b), _) => b.append(false),
            (ColumnBuilder::Float(b), Value::Float(x)) => b.append_value(x.get()),
            (ColumnBuilder::Float(b), _) => b.append_null(),
        }
    }

    /// Text bytes appended so far (0 for other types).
    fn text_bytes(&self) -> usize {
        match self {
            ColumnBuilder::Text(b) => b.values_slice().len(),
            ColumnBuilder::TextList(b) => b.values_ref().values_slice().len(),
            _ => 0,
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            ColumnBuilder::Text(b) => Arc::new(b.finish()),
            ColumnBuilder::TextList(b) => Arc::new(b.finish()),
            ColumnBuilder::Date(b) => Arc::new(b.finish()),
            ColumnBuilder::Bool(b) => Arc::new(b.finish()),
            ColumnBuilder::Int(b) => Arc::new(b.finish()),
            ColumnBuilder::DateList(b) => Arc::new(b.finish()),
            ColumnBuilder::Float(b) => Arc::new(b.finish()),
        }
    }
}

/// One manifest row (DESIGN §6): a received file and one kind it holds.
#[derive(Debug, Clone, PartialEq)]
pub struct SubmissionRow {
    pub submission_id: String,
    pub sha256: String,
    pub file_name: String,
    pub bytes: u64,
    pub kind: Option<Kind>,
    pub sheets: Vec<String>,
    pub region_code: Option<String>,
    pub period: Option<String>,
    pub received_at: DateTime<FixedOffset>,
    pub source: String,
    pub rows_ok: usize,
    pub rows_rejected: usize,
    pub warnings: usize,
    pub accepted: bool,
}

/// The manifest's columns in the data dictionary: (name, 中文, English), in
/// the order of [`submissions_schema`] (a test holds the two together).
pub const SUBMISSIONS_DOC: &[(&str, &str, &str)] = &[
    (
        "submission_id",
        "报送编号",
        "first 16 hex digits of the file's sha256",
    ),
    (
        "sha256",
        "文件指纹",
        "sha256 of the file's bytes; the archive keeps it as archive/<sha256>.<ext>",
    ),
    ("file_name", "文件名", "the file's name as received"),
    ("bytes", "文件大小", "size in bytes"),
    (
        "kind",
        "台账类型",
        "tasks, rectifications, pilots, plans, satisfaction, meetings, publicity or cases; null for a file with no usable ledger",
    ),
    (
        "sheets",
        "工作表",
        "the sheets that formed this kind's ledger",
    ),
    ("region_code", "填报单位代码", "the submitting unit"),
    ("period", "周期", "the reporting period"),
    (
        "received_at",
        "接收时间",
        "when the file reached taizhang (or --received-at / received.csv)",
    ),
    ("source", "来源", "cli, upload or pipeline"),
    ("rows_ok", "导入行数", "rows written to the lake"),
    (
        "rows_rejected",
        "拒收行数",
        "rows kept out for an error (they stay in raw_issues)",
    ),
    ("warnings", "警告数", "warnings raised"),
    ("status", "状态", "accepted or rejected"),
];

pub fn submissions_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("submission_id", DataType::Utf8, false),
        Field::new("sha256", DataType::Utf8, false),
        Field::new("file_name", DataType::Utf8, false),
        Field::new("bytes", DataType::Int64, false),
        utf8("kind"),
        Field::new("sheets", text_list(), true),
        utf8("region_code"),
        utf8("period"),
        Field::new(
            "received_at",
            DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
            false,
        ),
        Field::new("source", DataType::Utf8, false),
        Field::new("rows_ok", DataType::Int64, false),
        Field::new("rows_rejected", DataType::Int64, false),
        Field::new("warnings", DataType::Int64, false),
        Field::new("status", DataType::Utf8, false),
    ]))
}

pub fn submissions_batch(rows: &[&SubmissionRow]) -> Result<RecordBatch> {
    let text = |f: &dyn Fn(&SubmissionRow) -> Option<&str>| -> ArrayRef {
        let mut b = StringBuilder::new();
        for r in rows {
            b.append_option(f(r));
        }
        Arc::new(b.finish())
    };
    let int = |f: &dyn Fn(&SubmissionRow) -> i64| -> ArrayRef {
        Arc::new(
            rows.iter()
                .map(|r| f(r))
                .collect::<arrow::array::Int64Array>(),
        )
    };
    let mut sheets =
        ListBuilder::new(StringBuilder::new()).with_field(Field::new("item", DataType::Utf8, true));
    let mut received = TimestampMicrosecondBuilder::new().with_timezone("UTC");
    for r in rows {
        for s in &r.sheets {
            sheets.values().append_value(s);
        }
        sheets.append(true);
        received.append_value(r.received_at.timestamp_micros());
    }
    let columns: Vec<ArrayRef> = vec![
        text(&|r| Some(&r.submission_id)),
        text(&|r| Some(&r.sha256)),
        text(&|r| Some(&r.file_name)),
        int(&|r| r.bytes as i64),
        text(&|r| r.kind.map(Kind::as_str)),
        Arc::new(sheets.finish()),
        text(&|r| r.region_code.as_deref()),
        text(&|r| r.period.as_deref()),
        Arc::new(received.finish()),
        text(&|r| Some(&r.source)),
        int(&|r| r.rows_ok as i64),
        int(&|r| r.rows_rejected as i64),
        int(&|r| r.warnings as i64),
        text(&|r| Some(if r.accepted { "accepted" } else { "rejected" })),
    ];
    Ok(RecordBatch::try_new(submissions_schema(), columns)?)
}

/// One issue with the submission it belongs to.
pub struct IssueRow<'a> {
    pub submission_id: &'a str,
    pub region_code: Option<&'a str>,
    pub period: Option<&'a str>,
    pub issue: &'a Issue,
}

/// The issues table's columns in the data dictionary, in the order of
/// [`issues_schema`].
pub const ISSUES_DOC: &[(&str, &str, &str)] = &[
    ("submission_id", "报送编号", "the file the issue is in"),
    ("region_code", "填报单位代码", "the unit, when known"),
    ("period", "周期", "the period, when known"),
    ("sheet", "工作表", "the sheet"),
    ("row", "行号", "1-based Excel row"),
    ("col", "列号", "1-based column"),
    ("cell", "单元格", "A1 reference"),
    (
        "severity",
        "级别",
        "error (row or file kept out) or warning (kept)",
    ),
    ("code", "问题代码", "stable lowercase code, e.g. bad-date"),
    ("message_zh", "中文说明", "what is wrong and how to fix it"),
    ("message_en", "English message", "the same in English"),
    (
        "value",
        "原值",
        "the cell's value (for a rejected row: all its cells)",
    ),
];

pub fn issues_schema() -> SchemaRef {
    Arc::new(Schema::new(vec![
        Field::new("submission_id", DataType::Utf8, false),
        utf8("region_code"),
        utf8("period"),
        utf8("sheet"),
        Field::new("row", DataType::Int64, true),
        utf8("col"),
        utf8("cell"),
        Field::new("severity", DataType::Utf8, false),
        Field::new("code", DataType::Utf8, false),
        Field::new("message_zh", DataType::Utf8, false),
        Field::new("message_en", DataType::Utf8, false),
        utf8("value"),
    ]))
}

pub fn issues_batch<'a>(rows: &[IssueRow<'a>]) -> Result<RecordBatch> {
    let text = |f: &dyn for<'r> Fn(&'r IssueRow<'a>) -> Option<&'r str>| -> ArrayRef {
        let mut b = StringBuilder::new();
        for r in rows {
            b.append_option(f(r));
        }
        Arc::new(b.finish())
    };
    let columns: Vec<ArrayRef> = vec![
        text(&|r| Some(r.submission_id)),
        text(&|r| r.region_code),
        text(&|r| r.period),
        text(&|r| r.issue.sheet.as_deref()),
        Arc::new(
            rows.iter()
                .map(|r| r.issue.row.map(i64::from))
                .collect::<arrow::array::Int64Array>(),
        ),
        text(&|r| r.issue.col.as_deref()),
        text(&|r| r.issue.cell.as_deref()),
        text(&|r| Some(r.issue.severity.as_str())),
        text(&|r| Some(r.issue.code.as_str())),
        text(&|r| Some(&r.issue.message_zh)),
        text(&|r| Some(&r.issue.message_en)),
        text(&|r| r.issue.value.as_deref()),
    ];
    Ok(RecordBatch::try_new(issues_schema(), columns)?)
}

/// DuckDB DDL for an Arrow schema, used to create empty raw tables when the
/// lake has no part yet, so models always find their inputs.
pub fn duckdb_columns(schema: &Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| {
            let ty = match f.data_type() {
                DataType::Utf8 => "VARCHAR",
                DataType::Int64 => "BIGINT",
                DataType::Float64 => "DOUBLE",
                DataType::Date32 => "DATE",
                DataType::Boolean => "BOOLEAN",
                DataType::Timestamp(_, Some(_)) => "TIMESTAMPTZ",
                DataType::List(item) if item.data_type() == &DataType::Date32 => "DATE[]",
                DataType::List(_) => "VARCHAR[]",
                other => unreachable!("the lake uses no {other} column"),
            };
            format!("\"{}\" {ty}", f.name())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};

    #[test]
    fn the_documented_columns_are_the_schemas_columns() {
        for (schema, doc) in [
            (submissions_schema(), SUBMISSIONS_DOC),
            (issues_schema(), ISSUES_DOC),
        ] {
            let fields: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
            let documented: Vec<&str> = doc.iter().map(|(name, _, _)| *name).collect();
            assert_eq!(fields, documented);
        }
    }

    #[test]
    fn milestones_are_a_list_of_dates_null_when_the_cell_was_blank() {
        let fields = ledger::fields(Kind::Rectifications);
        let at = |name: &str| fields.iter().position(|f| f.name == name).unwrap();
        let day = |m, d| NaiveDate::from_ymd_opt(2024, m, d).unwrap();
        let record = |row: u32, milestones: Value| {
            let mut values = vec![Value::Null; fields.len()];
            values[at("problem")] = Value::Text("审批时限过长".into());
            values[at("milestones")] = milestones;
            Record {
                source_sheet: "整改".into(),
                source_row: row,
                source_col: 2,
                values,
            }
        };
        let records = [
            record(3, Value::DateList([day(6, 30), day(9, 30)].into())),
            record(4, Value::Null),
        ];
        let batch = kind_batch(
            Kind::Rectifications,
            &KindRows {
                submission_id: "abc",
                region_code: "510603",
                period: "2024Q3",
                records: &records,
            },
        )
        .unwrap();
        let list = batch.column_by_name("milestones").unwrap().as_list::<i32>();
        let first = list.value(0);
        let dates = first.as_primitive::<arrow::datatypes::Date32Type>();
        assert_eq!(
            dates.values().to_vec(),
            [days_since_epoch(day(6, 30)), days_since_epoch(day(9, 30))]
        );
        assert!(list.is_null(1));
        assert_eq!(
            duckdb_columns(&kind_schema(Kind::Rectifications))
                .split(", ")
                .find(|c| c.starts_with("\"milestones\""))
                .unwrap(),
            "\"milestones\" DATE[]"
        );
    }

    #[test]
    fn a_kind_batch_holds_each_rows_values_and_cell_reference() {
        let fields = ledger::fields(Kind::Tasks);
        let record = |row: u32, col: u32, task: &str| {
            let mut values = vec![Value::Null; fields.len()];
            let at = |name: &str| fields.iter().position(|f| f.name == name).unwrap();
            values[at("task")] = Value::Text(task.into());
            values[at("responsible_units")] = Value::TextList(["县发改局".to_string()].into());
            Record {
                source_sheet: "台账".into(),
                source_row: row,
                source_col: col,
                values,
            }
        };
        let records = [record(12, 27, "深化改革"), record(3, 1, "优化营商环境")];
        let batch = kind_batch(
            Kind::Tasks,
            &KindRows {
                submission_id: "abc",
                region_code: "510681",
                period: "2024Q2",
                records: &records,
            },
        )
        .unwrap();
        let text = |name: &str, row: usize| {
            batch
                .column_by_name(name)
                .unwrap()
                .as_string::<i32>()
                .value(row)
                .to_string()
        };
        assert_eq!(text("source_cell", 0), "AB12");
        assert_eq!(text("source_cell", 1), records[1].source_cell());
        assert_eq!(text("task", 1), "优化营商环境");
        assert_eq!(text("region_code", 1), "510681");
        let units = batch
            .column_by_name("responsible_units")
            .unwrap()
            .as_list::<i32>();
        assert_eq!(units.value(0).as_string::<i32>().value(0), "县发改局");
        assert!(batch.column_by_name("lead_unit").unwrap().is_null(0));
    }
}
