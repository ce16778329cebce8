//! Query results as a table, CSV or JSON.

use arrow::array::{Array, RecordBatch};
use arrow::datatypes::DataType;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use std::io::Write;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Csv,
    Json,
}

pub fn write(batches: &[RecordBatch], format: Format, out: &mut dyn Write) -> anyhow::Result<()> {
    let batches: Vec<RecordBatch> = batches
        .iter()
        .map(in_china_time)
        .collect::<Result<_, _>>()?;
    let batches = batches.as_slice();
    match format {
        Format::Table => {
            writeln!(
                out,
                "{}",
                arrow::util::pretty::pretty_format_batches(batches)?
            )?;
        }
        Format::Csv => {
            let mut w = csv::Writer::from_writer(out);
            if let Some(first) = batches.first() {
                w.write_record(first.schema().fields().iter().map(|f| f.name().as_str()))?;
            }
            for batch in batches {
                let cols = formatters(batch)?;
                for row in 0..batch.num_rows() {
                    w.write_record(cols.iter().enumerate().map(|(i, f)| {
                        if batch.column(i).is_null(row) {
                            String::new()
                        } else {
                            f.value(row).to_string()
                        }
                    }))?;
                }
            }
            w.flush()?;
        }
        Format::Json => {
            let mut rows = Vec::new();
            for batch in batches {
                let cols = formatters(batch)?;
                let schema = batch.schema();
                for row in 0..batch.num_rows() {
                    let mut obj = serde_json::Map::new();
                    for (i, field) in schema.fields().iter().enumerate() {
                        obj.insert(
                            field.name().clone(),
                            json_value(batch.column(i).as_ref(), row, &cols[i]),
                        );
                    }
                    rows.push(serde_json::Value::Object(obj));
                }
            }
            serde_json::to_writer_pretty(&mut *out, &rows)?;
            writeln!(out)?;
        }
    }
    Ok(())
}

/// DuckDB hands TIMESTAMPTZ over as UTC, named "UTC"; arrow can only name
/// offsets without the chrono-tz tables. Readers here are in China, so
/// instants are shown at +08:00 (the same instant, DESIGN §3).
fn in_china_time(batch: &RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    use arrow::array::{
        TimestampMicrosecondArray, TimestampMillisecondArray, TimestampNanosecondArray,
        TimestampSecondArray,
    };
    use arrow::datatypes::{Field, Schema, TimeUnit};
    use std::sync::Arc;
    let has_zone = |t: &DataType| matches!(t, DataType::Timestamp(_, Some(_)));
    if !batch
        .schema()
        .fields()
        .iter()
        .any(|f| has_zone(f.data_type()))
    {
        return Ok(batch.clone());
    }
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for (field, column) in batch.schema().fields().iter().zip(batch.columns()) {
        let converted: Option<arrow::array::ArrayRef> = match column.data_type() {
            DataType::Timestamp(unit, Some(_)) => {
                let any = column.as_any();
                Some(match unit {
                    TimeUnit::Second => Arc::new(
                        any.downcast_ref::<TimestampSecondArray>()
                            .expect("type checked")
                            .clone()
                            .with_timezone("+08:00"),
                    ),
                    TimeUnit::Millisecond => Arc::new(
                        any.downcast_ref::<TimestampMillisecondArray>()
                            .expect("type checked")
                            .clone()
                            .with_timezone("+08:00"),
                    ),
                    TimeUnit::Microsecond => Arc::new(
                        any.downcast_ref::<TimestampMicrosecondArray>()
                            .expect("type checked")
                            .clone()
                            .with_timezone("+08:00"),
                    ),
                    TimeUnit::Nanosecond => Arc::new(
                        any.downcast_ref::<TimestampNanosecondArray>()
                            .expect("type checked")
                            .clone()
                            .with_timezone("+08:00"),
                    ),
                })
            }
            _ => None,
        };
        match converted {
            Some(c) => {
                fields.push(Field::new(
                    field.name(),
                    c.data_type().clone(),
                    field.is_nullable(),
                ));
                columns.push(c);
            }
            None => {
                fields.push(field.as_ref().clone());
                columns.push(column.clone());
            }
        }
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), columns)
}

fn formatters(batch: &RecordBatch) -> anyhow::Result<Vec<ArrayFormatter<'_>>> {
    static OPTIONS: std::sync::LazyLock<FormatOptions<'static>> =
        std::sync::LazyLock::new(FormatOptions::default);
    Ok(batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &OPTIONS))
        .collect::<Result<_, _>>()?)
}

/// Numbers and booleans stay JSON numbers and booleans; everything else is text.
fn json_value(array: &dyn Array, row: usize, f: &ArrayFormatter<'_>) -> serde_json::Value {
    if array.is_null(row) {
        return serde_json::Value::Null;
    }
    let text = f.value(row).to_string();
    match array.data_type() {
        DataType::Boolean => serde_json::Value::Bool(text == "true"),
        t if t.is_numeric() => {
            serde_json::from_str(&text).unwrap_or(serde_json::Value::String(text))
        }
        _ => serde_json::Value::String(text),
    }
}

/// What `query --out FILE` writes: the text formats, or Parquet and Excel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum FileFormat {
    Table,
    Csv,
    Json,
    Parquet,
    Xlsx,
}

impl FileFormat {
    /// The format a file's extension names; None for any other.
    pub fn from_path(path: &std::path::Path) -> Option<FileFormat> {
        let ext = path.extension()?.to_str()?.to_ascii_lowercase();
        Some(match ext.as_str() {
            "parquet" => FileFormat::Parquet,
            "csv" => FileFormat::Csv,
            "json" => FileFormat::Json,
            "xlsx" => FileFormat::Xlsx,
            "txt" => FileFormat::Table,
            _ => return None,
        })
    }

    /// The same format for a stream, when it is a text one.
    pub fn text(self) -> Option<Format> {
        match self {
            FileFormat::Table => Some(Format::Table),
            FileFormat::Csv => Some(Format::Csv),
            FileFormat::Json => Some(Format::Json),
            FileFormat::Parquet | FileFormat::Xlsx => None,
        }
    }
}

/// Writes `batches` to `path` in `format`, atomically: a query that fails
/// midway leaves the old file, or none, never half of one.
pub fn write_file(
    batches: &[RecordBatch],
    format: FileFormat,
    path: &std::path::Path,
) -> anyhow::Result<()> {
    let bytes = match format {
        FileFormat::Parquet => parquet_bytes(batches)?,
        FileFormat::Xlsx => xlsx_bytes(batches)?,
        text => {
            let mut buf = Vec::new();
            write(batches, text.text().expect("a text format"), &mut buf)?;
            buf
        }
    };
    crate::fsutil::write_bytes_atomic(path, &bytes)?;
    Ok(())
}

/// Parquet as the lake writes it: standard types (DATE, UTF-8, instants
/// adjusted to UTC), snappy, so polars, pyarrow and Spark read it as is.
fn parquet_bytes(batches: &[RecordBatch]) -> anyhow::Result<Vec<u8>> {
    use parquet::arrow::ArrowWriter;
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    let Some(first) = batches.first() else {
        anyhow::bail!("查询没有返回列 / the query returned no columns to write");
    };
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut buf = Vec::new();
    let mut writer = ArrowWriter::try_new(&mut buf, first.schema(), Some(props))?;
    for batch in batches {
        writer.write(batch)?;
    }
    writer.close()?;
    Ok(buf)
}

/// The most rows one Excel sheet holds, its header row included.
const XLSX_MAX_ROWS: usize = 1_048_576;

/// One sheet: a bold header, numbers as numbers, dates as dates, the rest
/// as the table shows it (instants at +08:00).
fn xlsx_bytes(batches: &[RecordBatch]) -> anyhow::Result<Vec<u8>> {
    use arrow::array::{AsArray, BooleanArray};
    use arrow::datatypes::Date32Type;
    use rust_xlsxwriter::{ExcelDateTime, Format as CellFormat, Workbook};
    let rows: usize = batches.iter().map(|b| b.num_rows()).sum();
    if rows + 1 > XLSX_MAX_ROWS {
        anyhow::bail!(
            "结果有 {rows} 行，超过 Excel 单表上限 / {rows} rows do not fit one Excel sheet \
             (at most {}): write .parquet or .csv instead",
            XLSX_MAX_ROWS - 1
        );
    }
    let mut workbook = Workbook::new();
    let sheet = workbook.add_worksheet();
    sheet.set_name("查询结果")?;
    let bold = CellFormat::new().set_bold();
    let date = CellFormat::new().set_num_format("yyyy-mm-dd");
    let epoch = chrono::NaiveDate::from_ymd_opt(1970, 1, 1).expect("a date");
    let mut r: u32 = 0;
    for batch in batches {
        let batch = in_china_time(batch)?;
        if r == 0 {
            for (c, field) in batch.schema().fields().iter().enumerate() {
                sheet.write_string_with_format(0, c as u16, field.name(), &bold)?;
            }
            r = 1;
        }
        let cols = formatters(&batch)?;
        for row in 0..batch.num_rows() {
            for (c, column) in batch.columns().iter().enumerate() {
                if column.is_null(row) {
                    continue;
                }
                let col = c as u16;
                match column.data_type() {
                    DataType::Boolean => {
                        let b: &BooleanArray = column.as_boolean();
                        sheet.write_boolean(r, col, b.value(row))?;
                    }
                    DataType::Date32 => {
                        let days = column.as_primitive::<Date32Type>().value(row);
                        let d = epoch + chrono::Duration::days(i64::from(days));
                        let cell = ExcelDateTime::from_ymd(
                            chrono::Datelike::year(&d) as u16,
                            chrono::Datelike::month(&d) as u8,
                            chrono::Datelike::day(&d) as u8,
                        )?;
                        sheet.write_datetime_with_format(r, col, &cell, &date)?;
                    }
                    t if t.is_numeric() => {
                        let text = cols[c].value(row).to_string();
                        match text.parse::<f64>() {
                            Ok(n) if n.is_finite() => sheet.write_number(r, col, n)?,
                            _ => sheet.write_string(r, col, &text)?,
                        };
                    }
                    _ => {
                        sheet.write_string(r, col, cols[c].value(row).to_string())?;
                    }
                }
            }
            r += 1;
        }
    }
    Ok(workbook.save_to_buffer()?)
}
