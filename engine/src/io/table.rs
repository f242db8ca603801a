//! Tables (Arrow [`RecordBatch`]es) on disk: TSV with a header line, or Parquet, chosen by the
//! file extension (`.parquet`/`.pq` → Parquet, anything else → TSV). Writes are atomic.
//!
//! TSV floats are written in Rust's shortest round-trip form (`{:?}`: `0.1`, `1.0`, `1e-30`), so
//! float64 and float32 values read back bit-for-bit. Nulls are empty fields (an empty text field
//! reads back as null only in a nullable column).

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::sync::Arc;

use arrow::array::{
    Array, ArrayRef, AsArray, BooleanArray, Float32Array, Float64Array, Int32Array, Int64Array,
    StringArray, UInt8Array, UInt32Array, UInt64Array,
};
use arrow::datatypes::{
    DataType, Float32Type, Float64Type, Int32Type, Int64Type, Schema, SchemaRef, UInt8Type,
    UInt32Type, UInt64Type,
};
use arrow::record_batch::{RecordBatch, RecordBatchReader};
use parquet::arrow::ArrowWriter;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;

use super::atomic::{write_atomic, write_atomic_with};
use crate::{Error, Result};

/// The column types tables may hold.
const SUPPORTED: &str = "Boolean, UInt8, UInt32, UInt64, Int32, Int64, Float32, Float64, Utf8";

fn is_parquet(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("parquet") || e.eq_ignore_ascii_case("pq"))
}

/// Writes `batch` to `path` as Parquet (`.parquet`, `.pq`) or TSV (any other extension).
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-table-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use std::sync::Arc;
/// use arrow::array::{Float64Array, Int64Array};
/// use arrow::datatypes::{DataType, Field, Schema};
/// use arrow::record_batch::{RecordBatch, RecordBatchReader};
/// use motiflift::io::table::{read_table, write_table};
/// let schema = Arc::new(Schema::new(vec![
///     Field::new("example_idx", DataType::Int64, false),
///     Field::new("p-value", DataType::Float64, false),
/// ]));
/// let batch = RecordBatch::try_new(schema.clone(), vec![
///     Arc::new(Int64Array::from(vec![0, 3])),
///     Arc::new(Float64Array::from(vec![0.1, 1e-30])),
/// ]).unwrap();
/// write_table(dir.join("s.tsv"), &batch)?;
/// assert_eq!(std::fs::read_to_string(dir.join("s.tsv")).unwrap(),
///            "example_idx\tp-value\n0\t0.1\n3\t1e-30\n");
/// write_table(dir.join("s.parquet"), &batch)?;
/// assert_eq!(read_table(dir.join("s.tsv"), &schema)?, batch);
/// assert_eq!(read_table(dir.join("s.parquet"), &schema)?, batch);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn write_table(path: impl AsRef<Path>, batch: &RecordBatch) -> Result<()> {
    let path = path.as_ref();
    if let Some(f) = batch
        .schema()
        .fields()
        .iter()
        .find(|f| !supported(f.data_type()))
    {
        return Err(Error::Invalid(format!(
            "column `{}` has type {}; tables hold {SUPPORTED}",
            f.name(),
            f.data_type()
        )));
    }
    if is_parquet(path) {
        write_parquet(path, batch)
    } else {
        write_tsv(path, batch)
    }
}

/// Reads a table written by [`write_table`] (or any TSV/Parquet with these columns), checking
/// its columns against `schema`: same names in the same order, and for Parquet the same types.
/// TSV errors name the file, line and column.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-rtable-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use arrow::datatypes::{DataType, Field, Schema};
/// let path = dir.join("t.tsv");
/// std::fs::write(&path, "start\tend\n3\tx\n").unwrap();
/// let schema = Schema::new(vec![
///     Field::new("start", DataType::Int64, false),
///     Field::new("end", DataType::Int64, false),
/// ]);
/// let err = motiflift::io::table::read_table(&path, &schema).unwrap_err();
/// assert_eq!(err.to_string(), format!("{}:2: column `end`: `x` is not a valid Int64", path.display()));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// ```
pub fn read_table(path: impl AsRef<Path>, schema: &Schema) -> Result<RecordBatch> {
    let path = path.as_ref();
    if let Some(f) = schema.fields().iter().find(|f| !supported(f.data_type())) {
        return Err(Error::Invalid(format!(
            "column `{}` has type {}; tables hold {SUPPORTED}",
            f.name(),
            f.data_type()
        )));
    }
    if is_parquet(path) {
        read_parquet(path, schema)
    } else {
        read_tsv(path, schema)
    }
}

fn supported(t: &DataType) -> bool {
    matches!(
        t,
        DataType::Boolean
            | DataType::UInt8
            | DataType::UInt32
            | DataType::UInt64
            | DataType::Int32
            | DataType::Int64
            | DataType::Float32
            | DataType::Float64
            | DataType::Utf8
    )
}

fn write_tsv(path: &Path, batch: &RecordBatch) -> Result<()> {
    let schema = batch.schema();
    write_atomic(path, |w| {
        let names: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
        writeln!(w, "{}", names.join("\t"))?;
        let mut line = String::new();
        for row in 0..batch.num_rows() {
            line.clear();
            for (c, col) in batch.columns().iter().enumerate() {
                if c > 0 {
                    line.push('\t');
                }
                format_cell(&mut line, col.as_ref(), row);
            }
            line.push('\n');
            w.write_all(line.as_bytes())?;
        }
        Ok(())
    })
}

/// Appends the text of `col[row]` (empty for null).
fn format_cell(out: &mut String, col: &dyn Array, row: usize) {
    if col.is_null(row) {
        return;
    }
    // Writing into a String cannot fail.
    let _ = match col.data_type() {
        DataType::Boolean => write!(out, "{}", col.as_boolean().value(row)),
        DataType::UInt8 => write!(out, "{}", col.as_primitive::<UInt8Type>().value(row)),
        DataType::UInt32 => write!(out, "{}", col.as_primitive::<UInt32Type>().value(row)),
        DataType::UInt64 => write!(out, "{}", col.as_primitive::<UInt64Type>().value(row)),
        DataType::Int32 => write!(out, "{}", col.as_primitive::<Int32Type>().value(row)),
        DataType::Int64 => write!(out, "{}", col.as_primitive::<Int64Type>().value(row)),
        DataType::Float32 => write!(out, "{:?}", col.as_primitive::<Float32Type>().value(row)),
        DataType::Float64 => write!(out, "{:?}", col.as_primitive::<Float64Type>().value(row)),
        DataType::Utf8 => write!(out, "{}", col.as_string::<i32>().value(row)),
        _ => Ok(()),
    };
}

fn read_tsv(path: &Path, schema: &Schema) -> Result<RecordBatch> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let mut lines = BufReader::new(file).lines();
    let parse_err = |line: usize, message: String| Error::Parse {
        path: path.to_path_buf(),
        line,
        message,
    };
    let header = match lines.next() {
        Some(h) => h.map_err(|e| Error::io(path, e))?,
        None => return Err(parse_err(1, "empty file: expected a header line".into())),
    };
    let names: Vec<&str> = header.trim_end_matches('\r').split('\t').collect();
    let expected: Vec<&str> = schema.fields().iter().map(|f| f.name().as_str()).collect();
    if names != expected {
        return Err(parse_err(
            1,
            format!(
                "expected columns [{}], found [{}]",
                expected.join(", "),
                names.join(", ")
            ),
        ));
    }
    let mut columns: Vec<Vec<Option<String>>> = vec![Vec::new(); expected.len()];
    // The file line of each row (blank lines are skipped).
    let mut row_lines: Vec<usize> = Vec::new();
    for (i, line) in lines.enumerate() {
        let line_no = i + 2;
        let line = line.map_err(|e| Error::io(path, e))?;
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').collect();
        if fields.len() != expected.len() {
            return Err(parse_err(
                line_no,
                format!(
                    "expected {} tab-separated fields, found {}",
                    expected.len(),
                    fields.len()
                ),
            ));
        }
        for (col, f) in columns.iter_mut().zip(fields) {
            col.push((!f.is_empty()).then(|| f.to_string()));
        }
        row_lines.push(line_no);
    }
    let arrays = schema
        .fields()
        .iter()
        .zip(&columns)
        .map(|(field, cells)| {
            parse_column(field.data_type(), field.is_nullable(), cells).map_err(|(row, value)| {
                parse_err(
                    row_lines.get(row).copied().unwrap_or(row + 2),
                    format!(
                        "column `{}`: `{value}` is not a valid {}",
                        field.name(),
                        field.data_type()
                    ),
                )
            })
        })
        .collect::<Result<Vec<ArrayRef>>>()?;
    RecordBatch::try_new(Arc::new(schema.clone()), arrays).map_err(|e| Error::File {
        path: path.to_path_buf(),
        message: format!("table does not fit the expected schema: {e}"),
    })
}

/// Parses one column; the error is `(row, cell text)`.
fn parse_column(
    t: &DataType,
    nullable: bool,
    cells: &[Option<String>],
) -> std::result::Result<ArrayRef, (usize, String)> {
    fn parse<T: std::str::FromStr>(
        cells: &[Option<String>],
    ) -> std::result::Result<Vec<Option<T>>, (usize, String)> {
        cells
            .iter()
            .enumerate()
            .map(|(r, c)| match c {
                None => Ok(None),
                Some(s) => s.parse::<T>().map(Some).map_err(|_| (r, s.clone())),
            })
            .collect()
    }
    Ok(match t {
        DataType::Boolean => {
            let v = cells
                .iter()
                .enumerate()
                .map(|(r, c)| match c.as_deref() {
                    None => Ok(None),
                    Some("true" | "True" | "1") => Ok(Some(true)),
                    Some("false" | "False" | "0") => Ok(Some(false)),
                    Some(s) => Err((r, s.to_string())),
                })
                .collect::<std::result::Result<Vec<_>, _>>()?;
            Arc::new(BooleanArray::from(v))
        }
        DataType::UInt8 => Arc::new(UInt8Array::from(parse::<u8>(cells)?)),
        DataType::UInt32 => Arc::new(UInt32Array::from(parse::<u32>(cells)?)),
        DataType::UInt64 => Arc::new(UInt64Array::from(parse::<u64>(cells)?)),
        DataType::Int32 => Arc::new(Int32Array::from(parse::<i32>(cells)?)),
        DataType::Int64 => Arc::new(Int64Array::from(parse::<i64>(cells)?)),
        DataType::Float32 => Arc::new(Float32Array::from(parse::<f32>(cells)?)),
        DataType::Float64 => Arc::new(Float64Array::from(parse::<f64>(cells)?)),
        // An empty text field is null only where the column allows nulls.
        _ if nullable => Arc::new(StringArray::from(cells.to_vec())),
        _ => Arc::new(StringArray::from_iter_values(
            cells.iter().map(|c| c.as_deref().unwrap_or("")),
        )),
    })
}

fn write_parquet(path: &Path, batch: &RecordBatch) -> Result<()> {
    let err = |e: parquet::errors::ParquetError| Error::File {
        path: path.to_path_buf(),
        message: format!("cannot write Parquet: {e}"),
    };
    write_atomic_with(path, |w| {
        let mut writer = ArrowWriter::try_new(w, batch.schema(), None).map_err(err)?;
        writer.write(batch).map_err(err)?;
        writer.close().map_err(err)?;
        Ok(())
    })
}

fn read_parquet(path: &Path, schema: &Schema) -> Result<RecordBatch> {
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let file_err = |message: String| Error::File {
        path: path.to_path_buf(),
        message,
    };
    let reader = ParquetRecordBatchReaderBuilder::try_new(file)
        .and_then(|b| b.build())
        .map_err(|e| file_err(format!("not a readable Parquet file: {e}")))?;
    let found: SchemaRef = reader.schema();
    let describe = |s: &Schema| {
        s.fields()
            .iter()
            .map(|f| format!("{}: {}", f.name(), f.data_type()))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let same = found.fields().len() == schema.fields().len()
        && found
            .fields()
            .iter()
            .zip(schema.fields())
            .all(|(a, b)| a.name() == b.name() && a.data_type() == b.data_type());
    if !same {
        return Err(file_err(format!(
            "expected columns [{}], found [{}]",
            describe(schema),
            describe(&found)
        )));
    }
    let batches = reader
        .collect::<std::result::Result<Vec<_>, _>>()
        .map_err(|e| file_err(format!("cannot read Parquet data: {e}")))?;
    let target = Arc::new(schema.clone());
    let combined = arrow::compute::concat_batches(&found, &batches)
        .map_err(|e| file_err(format!("cannot combine Parquet row groups: {e}")))?;
    RecordBatch::try_new(target, combined.columns().to_vec())
        .map_err(|e| file_err(format!("table does not fit the expected schema: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::Field;

    fn all_types() -> RecordBatch {
        let schema = Schema::new(vec![
            Field::new("b", DataType::Boolean, true),
            Field::new("u8", DataType::UInt8, false),
            Field::new("u32", DataType::UInt32, false),
            Field::new("u64", DataType::UInt64, false),
            Field::new("i32", DataType::Int32, false),
            Field::new("i64", DataType::Int64, false),
            Field::new("f32", DataType::Float32, false),
            Field::new("f64", DataType::Float64, true),
            Field::new("s", DataType::Utf8, false),
        ]);
        RecordBatch::try_new(
            Arc::new(schema),
            vec![
                Arc::new(BooleanArray::from(vec![Some(true), None])),
                Arc::new(UInt8Array::from(vec![0, 255])),
                Arc::new(UInt32Array::from(vec![0, u32::MAX])),
                Arc::new(UInt64Array::from(vec![0, u64::MAX])),
                Arc::new(Int32Array::from(vec![-1, i32::MIN])),
                Arc::new(Int64Array::from(vec![-1, i64::MAX])),
                Arc::new(Float32Array::from(vec![0.1f32, f32::MIN_POSITIVE])),
                Arc::new(Float64Array::from(vec![Some(0.1 + 0.2), None])),
                Arc::new(StringArray::from(vec!["MA0139.2 CTCF", ""])),
            ],
        )
        .unwrap()
    }

    fn dir(name: &str) -> std::path::PathBuf {
        let d = std::env::temp_dir().join(format!("motiflift-table-{}-{name}", std::process::id()));
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn tsv_and_parquet_round_trip_bit_for_bit() {
        let batch = all_types();
        let d = dir("rt");
        for name in ["t.tsv", "t.parquet"] {
            write_table(d.join(name), &batch).unwrap();
            let back = read_table(d.join(name), &batch.schema()).unwrap();
            let f64s = back.column(7).as_primitive::<Float64Type>();
            assert_eq!(f64s.value(0).to_bits(), (0.1f64 + 0.2).to_bits());
            for c in 0..9 {
                assert_eq!(
                    back.column(c).as_ref(),
                    batch.column(c).as_ref(),
                    "{name} column {c}"
                );
            }
        }
    }

    #[test]
    fn wrong_header_and_field_count_are_reported() {
        let d = dir("bad");
        let schema = Schema::new(vec![Field::new("a", DataType::Int64, false)]);
        std::fs::write(d.join("h.tsv"), "b\n1\n").unwrap();
        let e = read_table(d.join("h.tsv"), &schema)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("h.tsv:1:") && e.contains("expected columns [a]"),
            "{e}"
        );
        std::fs::write(d.join("n.tsv"), "a\n1\n2\t3\n").unwrap();
        let e = read_table(d.join("n.tsv"), &schema)
            .unwrap_err()
            .to_string();
        assert!(e.contains("n.tsv:3:"), "{e}");
        // Blank lines are skipped but still counted.
        std::fs::write(d.join("v.tsv"), "a\n1\n\nx\n").unwrap();
        let e = read_table(d.join("v.tsv"), &schema)
            .unwrap_err()
            .to_string();
        assert!(e.contains("v.tsv:4:") && e.contains("`x`"), "{e}");
        write_table(d.join("p.parquet"), &all_types()).unwrap();
        let e = read_table(d.join("p.parquet"), &schema)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("p.parquet") && e.contains("expected columns [a: Int64]"),
            "{e}"
        );
    }
}
