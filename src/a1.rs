//! A1 names of cells (`B7`), as Excel shows them to the clerk: in issues,
//! in the lake's `source_cell`, in trace output.

/// `A1` notation for a 0-based (row, col).
pub fn a1(row: u32, col: u32) -> String {
    let mut out = String::with_capacity(10);
    write_a1(&mut out, row, col).expect("writing to a String cannot fail");
    out
}

/// [`a1`] written into `out`, such as an Arrow string builder, without a
/// string of its own.
pub fn write_a1(out: &mut impl std::fmt::Write, row: u32, col: u32) -> std::fmt::Result {
    // At most three letters (XFD); a u32 column has at most seven.
    let mut letters = [0u8; 7];
    let mut at = letters.len();
    let mut n = u64::from(col) + 1;
    while n > 0 {
        at -= 1;
        letters[at] = b'A' + ((n - 1) % 26) as u8;
        n = (n - 1) / 26;
    }
    let letters = std::str::from_utf8(&letters[at..]).expect("ASCII letters");
    write!(out, "{letters}{}", u64::from(row) + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a1_names() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(6, 1), "B7");
        assert_eq!(a1(0, 25), "Z1");
        assert_eq!(a1(0, 26), "AA1");
        assert_eq!(a1(1_048_575, 16_383), "XFD1048576");
    }

    #[test]
    fn a1_notation() {
        assert_eq!(a1(0, 0), "A1");
        assert_eq!(a1(4, 25), "Z5");
        assert_eq!(a1(9, 26), "AA10");
        assert_eq!(a1(0, 16383), "XFD1");
    }
}
