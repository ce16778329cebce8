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
