//! MEME minimal motif format: `read_meme` and `write_meme` as memelite 0.5.0 (ALGORITHMS §2.3).

use std::collections::HashMap;
use std::io::{Read, Write};
use std::path::Path;

use flate2::read::MultiGzDecoder;
use ndarray::Array2;

use super::atomic::write_atomic;
use crate::{Error, Result};

/// A named position-probability matrix, rows `A, C, G, T`, one column per position.
///
/// ```
/// let m = motiflift::io::meme::Motif {
///     name: "MA0004.1 Arnt".into(),
///     pwm: ndarray::array![[1.0, 0.0], [0.0, 1.0], [0.0, 0.0], [0.0, 0.0]], // "AC"
/// };
/// assert_eq!(m.pwm.column(1).to_vec(), [0.0, 1.0, 0.0, 0.0]);
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Motif {
    /// The rest of the `MOTIF` line, words joined by single spaces (e.g. `"MA0004.1 Arnt"`).
    pub name: String,
    /// Shape `(4, w)`, values as written in the file (no normalisation).
    pub pwm: Array2<f64>,
}

impl Motif {
    /// The motif width `w`.
    ///
    /// ```
    /// let m = motiflift::io::meme::Motif { name: "x".into(), pwm: ndarray::Array2::zeros((4, 7)) };
    /// assert_eq!(m.width(), 7);
    /// ```
    pub fn width(&self) -> usize {
        self.pwm.ncols()
    }

    /// The name to show in figures and tables: the text after the matrix id
    /// (`"MA0139.2 CTCF"` → `"CTCF"`), or the whole name when it is one word.
    ///
    /// ```
    /// let m = motiflift::io::meme::Motif { name: "MA0139.2 CTCF".into(), pwm: ndarray::Array2::zeros((4, 1)) };
    /// assert_eq!(m.display_name(), "CTCF");
    /// ```
    pub fn display_name(&self) -> &str {
        display_name(&self.name)
    }
}

/// The text after the matrix id of a motif name (`"MA0139.2 CTCF"` → `"CTCF"`), or the whole
/// name when it is one word.
///
/// ```
/// assert_eq!(motiflift::io::meme::display_name("MA0004.1 Arnt"), "Arnt");
/// assert_eq!(motiflift::io::meme::display_name("pattern_0"), "pattern_0");
/// ```
pub fn display_name(name: &str) -> &str {
    name.split_once(' ').map_or(name, |(_, rest)| rest)
}

/// Reads every motif of a MEME file (`.gz` → gzip), in file order.
///
/// Values are used as written. A repeated name overwrites the earlier matrix but keeps its place.
/// Unlike memelite, which would silently attach the next motif's matrix to it, a `MOTIF` without a
/// `letter-probability matrix` line before the next `MOTIF` (or the end of the file) is an error.
/// Other errors, each naming the file and line: a matrix row that does not hold exactly 4
/// numbers, or holds a negative or non-finite value, or does not sum to 1 within
/// [`ROW_SUM_TOLERANCE`]; a missing or zero `w=`; a matrix cut short by the end of the file; a
/// truncated or corrupt `.gz` file.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-meme-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// let path = dir.join("m.meme");
/// std::fs::write(&path, "MEME version 4\n\nMOTIF  MA0004.1   Arnt\n\
///     letter-probability matrix: alength= 4 w= 2 nsites= 20 E= 0\n\
///     0.2 0.8 0 0\n0 0 1 0").unwrap();
/// let motifs = motiflift::io::meme::read_meme(&path)?;
/// assert_eq!(motifs[0].name, "MA0004.1 Arnt");
/// assert_eq!(motifs[0].pwm.row(1).to_vec(), [0.8, 0.0]);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_meme(path: impl AsRef<Path>) -> Result<Vec<Motif>> {
    read_meme_n(path, None)
}

/// [`read_meme`], stopping after `n_motifs` motifs when given (`Some(0)` → none).
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-meme-n-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// # let path = dir.join("m.meme");
/// # let m = "MOTIF a\nletter-probability matrix: w= 1\n1 0 0 0\n";
/// std::fs::write(&path, format!("{m}{}", m.replace(" a", " b"))).unwrap();
/// assert_eq!(motiflift::io::meme::read_meme_n(&path, Some(1))?.len(), 1);
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn read_meme_n(path: impl AsRef<Path>, n_motifs: Option<usize>) -> Result<Vec<Motif>> {
    let path = path.as_ref();
    let mut text = Vec::new();
    let file = std::fs::File::open(path).map_err(|e| Error::io(path, e))?;
    let is_gz = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    let read = if is_gz {
        MultiGzDecoder::new(file).read_to_end(&mut text)
    } else {
        std::io::BufReader::new(file).read_to_end(&mut text)
    };
    read.map_err(|e| Error::read(path, is_gz, e))?;
    parse_meme(&String::from_utf8_lossy(&text), n_motifs).map_err(|(line, message)| Error::Parse {
        path: path.to_path_buf(),
        line,
        message,
    })
}

/// Where the parser is.
enum State {
    /// Looking for a `MOTIF` line.
    Waiting,
    /// `MOTIF` seen on `line`; looking for the `letter-probability` line.
    Named { name: String, line: usize },
    /// Reading matrix rows.
    Matrix {
        name: String,
        width: usize,
        rows: Vec<[f64; 4]>,
        line: usize,
    },
}

/// Parses MEME text; errors are `(1-based line, message)`.
fn parse_meme(
    text: &str,
    n_motifs: Option<usize>,
) -> std::result::Result<Vec<Motif>, (usize, String)> {
    let mut motifs: Vec<Motif> = Vec::new();
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut state = State::Waiting;
    let limit = n_motifs.unwrap_or(usize::MAX);
    if limit == 0 {
        return Ok(motifs);
    }
    let mut last_line = 0;
    for (i, raw) in text.lines().enumerate() {
        let line_no = i + 1;
        last_line = line_no;
        let line = raw.trim_end_matches('\r');
        state = match state {
            State::Waiting => match line.strip_prefix("MOTIF") {
                Some(rest) => State::Named {
                    name: join_words(rest),
                    line: line_no,
                },
                None => State::Waiting,
            },
            State::Named {
                name,
                line: motif_line,
            } => {
                if line.starts_with("MOTIF") {
                    return Err((
                        line_no,
                        format!(
                            "motif `{name}` (line {motif_line}) has no `letter-probability matrix` \
                             line before the next MOTIF"
                        ),
                    ));
                }
                if line.starts_with("letter") {
                    let width = parse_width(line).map_err(|m| (line_no, m))?;
                    State::Matrix {
                        name,
                        width,
                        // `w=` is user data: never reserve more than a real motif needs.
                        rows: Vec::with_capacity(width.min(1 << 10)),
                        line: motif_line,
                    }
                } else {
                    State::Named {
                        name,
                        line: motif_line,
                    }
                }
            }
            State::Matrix {
                name,
                width,
                mut rows,
                line: motif_line,
            } => {
                rows.push(parse_row(line).and_then(check_row).map_err(|m| {
                    (
                        line_no,
                        format!("motif `{name}`, matrix row {}: {m}", rows.len() + 1),
                    )
                })?);
                if rows.len() < width {
                    State::Matrix {
                        name,
                        width,
                        rows,
                        line: motif_line,
                    }
                } else {
                    let pwm = Array2::from_shape_fn((4, width), |(r, c)| rows[c][r]);
                    match seen.get(&name) {
                        Some(&k) => motifs[k].pwm = pwm,
                        None => {
                            seen.insert(name.clone(), motifs.len());
                            motifs.push(Motif { name, pwm });
                        }
                    }
                    if motifs.len() >= limit {
                        return Ok(motifs);
                    }
                    State::Waiting
                }
            }
        };
    }
    match state {
        State::Waiting => Ok(motifs),
        State::Named { name, line } => Err((
            line,
            format!(
                "motif `{name}` has no `letter-probability matrix` line before the end of the file"
            ),
        )),
        State::Matrix {
            name, width, rows, ..
        } => Err((
            last_line,
            format!(
                "truncated matrix of motif `{name}`: expected {width} rows (w= {width}), found {} \
                 before the end of the file",
                rows.len()
            ),
        )),
    }
}

fn join_words(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The integer after a word starting with `w=` (whitespace allowed after `=`).
fn parse_width(line: &str) -> std::result::Result<usize, String> {
    let bytes = line.as_bytes();
    let at = (0..bytes.len().saturating_sub(1)).find(|&i| {
        bytes[i] == b'w' && bytes[i + 1] == b'=' && (i == 0 || bytes[i - 1].is_ascii_whitespace())
    });
    let Some(at) = at else {
        return Err(format!(
            "expected `w= <width>` on the letter-probability line: `{line}`"
        ));
    };
    let rest = line[at + 2..].trim_start();
    let digits: String = rest.chars().take_while(char::is_ascii_digit).collect();
    match digits.parse::<usize>() {
        Ok(0) => Err("motif width `w=` is 0; expected at least 1".into()),
        Ok(w) => Ok(w),
        Err(_) => Err(format!("expected an integer after `w=`: `{line}`")),
    }
}

/// How far a matrix row may sum from 1: matrices printed with two decimals (or rounded by hand,
/// as in older JASPAR and HOCOMOCO files) sum to 0.97–1.03; a row of counts, or of numbers that
/// are not probabilities, is far outside.
///
/// ```
/// let row_sum: f64 = [0.33, 0.33, 0.33, 0.0].iter().sum(); // three-way tie, two decimals
/// assert!((row_sum - 1.0).abs() <= motiflift::io::meme::ROW_SUM_TOLERANCE);
/// ```
pub const ROW_SUM_TOLERANCE: f64 = 0.05;

/// A matrix row must hold probabilities: finite, non-negative, summing to 1 within
/// [`ROW_SUM_TOLERANCE`] (memelite reads any numbers; Tomtom and the logos assume these).
fn check_row(row: [f64; 4]) -> std::result::Result<[f64; 4], String> {
    if let Some(v) = row.iter().find(|v| !v.is_finite() || **v < 0.0) {
        return Err(format!(
            "value {v} is not a probability; expected 4 finite numbers >= 0 summing to 1"
        ));
    }
    let sum: f64 = row.iter().sum();
    if (sum - 1.0).abs() > ROW_SUM_TOLERANCE {
        return Err(format!(
            "the row sums to {sum}; expected letter probabilities summing to 1 \
             (within {ROW_SUM_TOLERANCE})"
        ));
    }
    Ok(row)
}

fn parse_row(line: &str) -> std::result::Result<[f64; 4], String> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() != 4 {
        return Err(format!(
            "expected 4 numbers (A C G T), found {} fields: `{line}`",
            fields.len()
        ));
    }
    let mut row = [0.0; 4];
    for (v, f) in row.iter_mut().zip(&fields) {
        *v = f.parse().map_err(|_| format!("`{f}` is not a number"))?;
    }
    Ok(row)
}

/// Writes motifs as memelite's `write_meme`: header (`MEME version 4`, `ALPHABET= ACGT`,
/// `strands: + -`, uniform background), then per motif its `MOTIF` line, the
/// `letter-probability matrix` line, one line per position with the four values in Python's
/// float formatting, `URL BLANK` and a blank line. The file is written atomically.
///
/// ```
/// # let dir = std::env::temp_dir().join(format!("motiflift-doc-wmeme-{}", std::process::id()));
/// # std::fs::create_dir_all(&dir).unwrap();
/// use motiflift::io::meme::{read_meme, write_meme, Motif};
/// let pwm = ndarray::array![[0.25, 1.0], [0.25, 0.0], [0.25, 0.0], [0.25, 0.0]];
/// let path = dir.join("out.meme");
/// write_meme(&path, &[Motif { name: "m1".into(), pwm: pwm.clone() }])?;
/// assert_eq!(read_meme(&path)?[0].pwm, pwm);
/// assert!(std::fs::read_to_string(&path).unwrap().contains("0.25 0.25 0.25 0.25\n1.0 0.0 0.0 0.0\n"));
/// # std::fs::remove_dir_all(&dir).unwrap();
/// # Ok::<(), motiflift::Error>(())
/// ```
pub fn write_meme(path: impl AsRef<Path>, motifs: &[Motif]) -> Result<()> {
    let path = path.as_ref();
    if let Some(m) = motifs.iter().find(|m| m.pwm.nrows() != 4) {
        return Err(Error::Invalid(format!(
            "motif `{}` has {} rows; MEME output needs 4 (A, C, G, T)",
            m.name,
            m.pwm.nrows()
        )));
    }
    write_atomic(path, |w| {
        write!(w, "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n")?;
        write!(
            w,
            "Background letter frequencies\nA 0.25 C 0.25 G 0.25 T 0.25\n\n"
        )?;
        for m in motifs {
            writeln!(w, "MOTIF {}", m.name)?;
            writeln!(
                w,
                "letter-probability matrix: alength= 4 w= {} nsites= 1 E= 0",
                m.width()
            )?;
            for col in m.pwm.columns() {
                let vals: Vec<String> = col.iter().map(|&v| py_float(v)).collect();
                writeln!(w, "{}", vals.join(" "))?;
            }
            write!(w, "URL BLANK\n\n")?;
        }
        Ok(())
    })
}

/// Python's `repr(float)`: shortest round-trip digits, exponent as `e-05` / `e+16`.
///
/// ```
/// use motiflift::io::meme::py_float;
/// assert_eq!(py_float(1.0), "1.0");
/// assert_eq!(py_float(1e-5), "1e-05");
/// assert_eq!(py_float(2.5e16), "2.5e+16");
/// assert_eq!(py_float(0.0001), "0.0001");
/// ```
pub fn py_float(v: f64) -> String {
    if v.is_nan() {
        return "nan".into();
    }
    if v.is_infinite() {
        return if v > 0.0 { "inf".into() } else { "-inf".into() };
    }
    let s = format!("{v:?}");
    match s.split_once('e') {
        Some((mantissa, exp)) => {
            let (sign, digits) = match exp.strip_prefix('-') {
                Some(d) => ('-', d),
                None => ('+', exp),
            };
            format!("{mantissa}e{sign}{digits:0>2}")
        }
        None => s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const M: &str = "MOTIF a\nletter-probability matrix: alength= 4 w= 2\n1 0 0 0\n0 1 0 0\n";

    #[test]
    fn width_parsing() {
        assert_eq!(
            parse_width("letter-probability matrix: alength= 4 w=  12 nsites= 3"),
            Ok(12)
        );
        assert_eq!(
            parse_width("letter-probability matrix: alength= 4 w=3"),
            Ok(3)
        );
        assert!(parse_width("letter-probability matrix: alength= 4").is_err());
        assert!(parse_width("letter-probability matrix: w= 0").is_err());
    }

    #[test]
    fn repeated_name_overwrites_in_place() {
        let text = format!(
            "{M}{}{}",
            M.replace(" a", " b"),
            M.replace("1 0 0 0", "0 0 0 1")
        );
        let motifs = parse_meme(&text, None).unwrap();
        let names: Vec<_> = motifs.iter().map(|m| m.name.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        assert_eq!(motifs[0].pwm[[3, 0]], 1.0);
    }

    #[test]
    fn errors_carry_lines() {
        let e = parse_meme("MOTIF a\nMOTIF b\n", None).unwrap_err();
        assert_eq!(e.0, 2);
        let e =
            parse_meme("MOTIF a\nletter-probability matrix: w= 2\n1 0 0 0\n", None).unwrap_err();
        assert!(e.1.contains("truncated"), "{}", e.1);
        let e = parse_meme(
            "MOTIF a\nletter-probability matrix: w= 2\n1 0 0\n0 1 0 0\n",
            None,
        )
        .unwrap_err();
        assert_eq!(e.0, 3);
        let e = parse_meme(
            "MOTIF a\nletter-probability matrix: w= 2\n1 0 0 0\n\n",
            None,
        )
        .unwrap_err();
        assert_eq!(e.0, 4);
        let e = parse_meme("MOTIF a\n", None).unwrap_err();
        assert!(e.1.contains("end of the file"), "{}", e.1);
    }

    #[test]
    fn n_motifs_zero_is_empty() {
        assert!(parse_meme(M, Some(0)).unwrap().is_empty());
    }
}
