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
