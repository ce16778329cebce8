//! DuckDB's Arrow answers as PostgreSQL rows: each Arrow type named by the
//! PostgreSQL type a client expects (BIGINT as int8, DATE as date, instants
//! as timestamptz at +08:00), encoded as text or binary as the client asked.

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::{DataType, Schema, TimeUnit};
use arrow::util::display::{ArrayFormatter, FormatOptions};
use chrono::{DateTime, FixedOffset, NaiveDate};
use pgwire::api::Type;
use pgwire::api::portal::Format;
use pgwire::api::results::{DataRowEncoder, FieldFormat, FieldInfo};
use pgwire::error::{PgWireError, PgWireResult};
use pgwire::messages::data::DataRow;
use std::sync::Arc;

/// The PostgreSQL type a column is sent as, whether the client asks for
/// text or binary: a statement is described before its format is known
/// (ADBC and connectorx describe a query, then read it through a binary
/// COPY, which has no row description of its own). Decimals and 128-bit
/// integers go as numeric; anything without a PostgreSQL match (lists,
/// structs, intervals) as text in DuckDB's spelling.
pub fn pg_type(t: &DataType) -> Type {
    match t {
        DataType::Boolean => Type::BOOL,
        DataType::Int8 | DataType::Int16 | DataType::UInt8 => Type::INT2,
        DataType::Int32 | DataType::UInt16 => Type::INT4,
        DataType::Int64 | DataType::UInt32 | DataType::UInt64 => Type::INT8,
        DataType::Float16 | DataType::Float32 => Type::FLOAT4,
        DataType::Float64 => Type::FLOAT8,
        DataType::Decimal128(..) | DataType::Decimal256(..) => Type::NUMERIC,
        DataType::Date32 | DataType::Date64 => Type::DATE,
        DataType::Timestamp(_, None) => Type::TIMESTAMP,
        DataType::Timestamp(_, Some(_)) => Type::TIMESTAMPTZ,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Type::VARCHAR,
        _ => Type::TEXT,
    }
}

/// The row description for `schema` in the formats the client asked for.
pub fn fields(schema: &Schema, format: &Format) -> Vec<FieldInfo> {
    schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            FieldInfo::new(
                f.name().clone(),
                None,
                None,
                pg_type(f.data_type()),
                format.format_for(i),
            )
        })
        .collect()
}

fn encode_error(e: impl std::fmt::Display) -> PgWireError {
    PgWireError::ApiError(Box::new(std::io::Error::other(e.to_string())))
}

/// Every row of `batches`, encoded for `fields` (from [`fields`]).
pub fn rows(batches: &[RecordBatch], fields: &Arc<Vec<FieldInfo>>) -> PgWireResult<Vec<DataRow>> {
    let mut out = Vec::new();
    for batch in batches {
        each_row(batch, fields, |row| {
            out.push(row);
            Ok::<(), PgWireError>(())
        })?;
    }
    Ok(out)
}

/// The bytes a row takes on the wire: its message header (type, length,
/// column count) and its data.
pub fn wire_size(row: &DataRow) -> u64 {
    7 + row.data.len() as u64
}

/// Encodes the rows of `batch` for `fields` one at a time, handing each to
/// `each` as soon as it is encoded, so a chunk is never held twice; `each`
/// may stop the run with its error.
pub fn each_row<E: From<PgWireError>>(
    batch: &RecordBatch,
    fields: &Arc<Vec<FieldInfo>>,
    mut each: impl FnMut(DataRow) -> Result<(), E>,
) -> Result<(), E> {
    static OPTIONS: std::sync::LazyLock<FormatOptions<'static>> =
        std::sync::LazyLock::new(FormatOptions::default);
    let china = FixedOffset::east_opt(8 * 3600).expect("a valid offset");
    let epoch = NaiveDate::from_ymd_opt(1970, 1, 1).expect("a valid date");
    let mut encoder = DataRowEncoder::new(fields.clone());
    {
        // Text for the columns encoded through it (not instants: arrow
        // formats named zones such as DuckDB's "UTC" only with chrono-tz).
        let texts: Vec<Option<ArrayFormatter<'_>>> = batch
            .columns()
            .iter()
            .map(|c| match c.data_type() {
                DataType::Timestamp(..) | DataType::Date32 | DataType::Boolean => Ok(None),
                _ => ArrayFormatter::try_new(c.as_ref(), &OPTIONS).map(Some),
            })
            .collect::<Result<_, _>>()
            .map_err(encode_error)?;
        for row in 0..batch.num_rows() {
            for (i, column) in batch.columns().iter().enumerate() {
                // A column of DuckDB's NULL type has no validity buffer.
                if column.is_null(row) || column.data_type() == &DataType::Null {
                    encoder.encode_field(&None::<i8>)?;
                    continue;
                }
                let pg = fields[i].datatype();
                match column.data_type() {
                    DataType::Boolean => encoder.encode_field(&column.as_boolean().value(row))?,
                    DataType::Float32 => {
                        let v = column
                            .as_primitive::<arrow::datatypes::Float32Type>()
                            .value(row);
                        encoder.encode_field(&v)?
                    }
                    DataType::Float64 => {
                        let v = column
                            .as_primitive::<arrow::datatypes::Float64Type>()
                            .value(row);
                        encoder.encode_field(&v)?
                    }
                    DataType::Date32 => {
                        let days = column
                            .as_primitive::<arrow::datatypes::Date32Type>()
                            .value(row);
                        let d = epoch + chrono::Duration::days(i64::from(days));
                        encoder.encode_field(&d)?
                    }
                    DataType::Timestamp(unit, zone) => {
                        let micros = timestamp_micros(column.as_ref(), *unit, row);
                        let utc = DateTime::from_timestamp_micros(micros)
                            .ok_or_else(|| encode_error("timestamp out of range"))?;
                        if zone.is_some() {
                            encoder.encode_field(&utc.with_timezone(&china))?
                        } else {
                            encoder.encode_field(&utc.naive_utc())?
                        }
                    }
                    _ => {
                        let text = texts[i]
                            .as_ref()
                            .map(|f| f.value(row).to_string())
                            .unwrap_or_default();
                        match *pg {
                            Type::INT2 => encoder.encode_field(&parse::<i16>(&text)?)?,
                            Type::INT4 => encoder.encode_field(&parse::<i32>(&text)?)?,
                            Type::INT8 => encoder.encode_field(&parse::<i64>(&text)?)?,
                            Type::FLOAT4 => encoder.encode_field(&parse::<f32>(&text)?)?,
                            Type::FLOAT8 => encoder.encode_field(&parse::<f64>(&text)?)?,
                            Type::NUMERIC if fields[i].format() == FieldFormat::Binary => {
                                // Raw bytes: pgwire writes a byte slice's
                                // binary form as it is, whatever the type.
                                encoder.encode_field(&numeric_binary(&text)?)?
                            }
                            _ => encoder.encode_field(&text)?,
                        }
                    }
                }
            }
            each(encoder.take_row())?;
        }
    }
    Ok(())
}

/// A decimal's text (`-12.50`, as arrow writes a decimal: no exponent) in
/// PostgreSQL's binary numeric form: digit count, weight, sign and display
/// scale, then base-10,000 digits, most significant first.
pub fn numeric_binary(text: &str) -> PgWireResult<Vec<u8>> {
    let (negative, unsigned) = match text.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, text.strip_prefix('+').unwrap_or(text)),
    };
    let (int_part, frac_part) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits_only = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if int_part.is_empty() && frac_part.is_empty()
        || !digits_only(int_part)
        || !digits_only(frac_part)
    {
        return Err(encode_error(format!("{text} is not a decimal")));
    }
    let int_pad = (4 - int_part.len() % 4) % 4;
    let frac_pad = (4 - frac_part.len() % 4) % 4;
    let all: Vec<u8> = std::iter::repeat_n(b'0', int_pad)
        .chain(int_part.bytes())
        .chain(frac_part.bytes())
        .chain(std::iter::repeat_n(b'0', frac_pad))
        .collect();
    let mut groups: Vec<i16> = all
        .chunks(4)
        .map(|c| c.iter().fold(0i16, |n, d| n * 10 + i16::from(d - b'0')))
        .collect();
    let int_groups = (int_part.len() + int_pad) / 4;
    let mut weight = int_groups as i64 - 1;
    let leading = groups.iter().take_while(|&&g| g == 0).count();
    groups.drain(..leading);
    weight -= leading as i64;
    while groups.last() == Some(&0) {
        groups.pop();
    }
    let zero = groups.is_empty();
    let weight = if zero { 0 } else { weight };
    let to_i16 =
        |n: i64| i16::try_from(n).map_err(|_| encode_error(format!("{text} is too large")));
    let mut out = Vec::with_capacity(8 + 2 * groups.len());
    out.extend_from_slice(&to_i16(groups.len() as i64)?.to_be_bytes());
    out.extend_from_slice(&to_i16(weight)?.to_be_bytes());
    let sign: u16 = if negative && !zero { 0x4000 } else { 0 };
    out.extend_from_slice(&sign.to_be_bytes());
    out.extend_from_slice(&to_i16(frac_part.len() as i64)?.to_be_bytes());
    for g in groups {
        out.extend_from_slice(&g.to_be_bytes());
    }
    Ok(out)
}

fn parse<T: std::str::FromStr>(text: &str) -> PgWireResult<T> {
    text.parse()
        .map_err(|_| encode_error(format!("{text} does not fit its PostgreSQL type")))
}

fn timestamp_micros(column: &dyn Array, unit: TimeUnit, row: usize) -> i64 {
    use arrow::datatypes::{
        TimestampMicrosecondType, TimestampMillisecondType, TimestampNanosecondType,
        TimestampSecondType,
    };
    match unit {
        TimeUnit::Second => column
            .as_primitive::<TimestampSecondType>()
            .value(row)
            .saturating_mul(1_000_000),
        TimeUnit::Millisecond => column
            .as_primitive::<TimestampMillisecondType>()
            .value(row)
            .saturating_mul(1_000),
        TimeUnit::Microsecond => column.as_primitive::<TimestampMicrosecondType>().value(row),
        TimeUnit::Nanosecond => column.as_primitive::<TimestampNanosecondType>().value(row) / 1_000,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warehouse_types_map_to_what_clients_expect() {
        assert_eq!(pg_type(&DataType::Int64), Type::INT8);
        assert_eq!(pg_type(&DataType::Utf8), Type::VARCHAR);
        assert_eq!(pg_type(&DataType::Date32), Type::DATE);
        assert_eq!(
            pg_type(&DataType::Timestamp(
                TimeUnit::Microsecond,
                Some("UTC".into())
            )),
            Type::TIMESTAMPTZ
        );
        assert_eq!(pg_type(&DataType::Decimal128(38, 0)), Type::NUMERIC);
        let list = DataType::List(Arc::new(arrow::datatypes::Field::new(
            "item",
            DataType::Utf8,
            true,
        )));
        assert_eq!(pg_type(&list), Type::TEXT);
    }

    /// Each as PostgreSQL 16 sends it (`select '…'::numeric` read in binary):
    /// ndigits, weight, sign, dscale, then the base-10,000 digits.
    #[test]
    fn decimals_take_postgresqls_binary_numeric_form() {
        let words = |text: &str| -> Vec<i32> {
            numeric_binary(text)
                .unwrap()
                .chunks(2)
                .map(|c| i32::from(u16::from_be_bytes([c[0], c[1]])))
                .collect()
        };
        assert_eq!(words("0"), [0, 0, 0, 0]);
        assert_eq!(words("0.00"), [0, 0, 0, 2]);
        assert_eq!(words("123"), [1, 0, 0, 0, 123]);
        assert_eq!(words("0.5"), [1, 0xffff, 0, 1, 5000]);
        assert_eq!(words("-12.50"), [2, 0, 0x4000, 2, 12, 5000]);
        assert_eq!(words("10000"), [1, 1, 0, 0, 1]);
        assert_eq!(words("123456789.0001"), [4, 2, 0, 4, 1, 2345, 6789, 1]);
        assert_eq!(words("0.00001"), [1, 0xfffe, 0, 5, 1000]);
        assert_eq!(words("-0"), [0, 0, 0, 0]);
        for bad in ["", ".", "1e5", "NaN", "1.2.3", "--1"] {
            assert!(numeric_binary(bad).is_err(), "{bad}");
        }
    }
}
