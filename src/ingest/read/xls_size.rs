//! What calamine would allocate for an xls workbook, worked out before it is
//! opened. calamine reads every sheet of an xls when it opens it, each into a
//! dense range from its first to its last cell, and trusts the file's
//! container on the way: a few kilobytes can make it loop while its memory
//! grows (a directory chain that runs in a circle), allocate gigabytes (one
//! cell at A1 and one at column 65,536 of row 65,536 ask for 137 GB, which
//! aborts the process), or reserve for the size a sheet claims. A server
//! cannot catch either, so this pass walks the same structures calamine
//! 0.38 walks (`cfb.rs`, `xls.rs`; MIT) — the compound file's sector chains,
//! the workbook stream's records, each sheet's cell records — and refuses
//! the workbook when what calamine would hold passes the area limit, or
//! when the container is one calamine would loop or over-allocate on: a
//! container this pass cannot follow to its end is refused as damaged (the
//! bounded fuzz runs found two such files within minutes). Bad records
//! inside a sound container are left to calamine, whose errors and panics
//! are caught as an unreadable file.

use super::{ReadLimits, WorkbookError};

const ENDOFCHAIN: u32 = 0xFFFF_FFFE;
const RESERVED_SECTORS: u32 = 0xFFFF_FFFA;
const DIFSECT: u32 = 0xFFFF_FFFC;

/// The container is one this pass cannot follow to its end, the way
/// calamine would: a chain that loops or leaves the file, a length past the
/// file, a sector outside it. calamine would loop, grow without bound, read
/// zeros it made up, or panic; the file is refused instead.
struct Damaged;

type Walk<T> = Result<T, Damaged>;

fn read_u16(b: &[u8], at: usize) -> Walk<u16> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]))
        .ok_or(Damaged)
}

fn read_u32(b: &[u8], at: usize) -> Walk<u32> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
        .ok_or(Damaged)
}

fn u32s(b: &[u8]) -> impl Iterator<Item = u32> + '_ {
    b.chunks_exact(4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
}

/// The compound file as calamine reads it.
struct Container<'a> {
    bytes: &'a [u8],
    header: usize,
    sector: usize,
    max_id: u32,
    fats: Vec<u32>,
}

impl<'a> Container<'a> {
    /// Sector `id`, cut short at the end of the file as calamine cuts it.
    /// One that starts at or past the end is damage: calamine hands out an
    /// empty sector the first time and zeros it never read the next.
    fn sector(&self, id: u32) -> Walk<&'a [u8]> {
        if id > self.max_id {
            return Err(Damaged);
        }
        let start = self.header + id as usize * self.sector;
        if start >= self.bytes.len() {
            return Err(Damaged);
        }
        let end = (start + self.sector).min(self.bytes.len());
        Ok(&self.bytes[start..end])
    }

    /// A sector chain, as calamine's `get_chain` follows it: up to `len`
    /// bytes, sectors repeating if the chain runs in a circle. `len` is
    /// bounded by the caller; a chain read "to its end" is refused when it
    /// visits more sectors than the file has (calamine loops forever).
    fn chain(&self, mut id: u32, len: usize) -> Walk<Vec<u8>> {
        let mut out = Vec::new();
        let mut steps: u64 = 0;
        while id != ENDOFCHAIN {
            steps += 1;
            if len == usize::MAX && steps > u64::from(self.max_id) + 1 {
                return Err(Damaged);
            }
            let sector = self.sector(id)?;
            let take = sector.len().min(len - out.len());
            out.extend_from_slice(&sector[..take]);
            if out.len() >= len {
                break;
            }
            id = *self.fats.get(id as usize).ok_or(Damaged)?;
        }
        Ok(out)
    }
}

/// The workbook stream of an xls, as calamine would read it out of its
/// compound file.
fn workbook_stream(bytes: &[u8]) -> Walk<Vec<u8>> {
    let head = bytes.get(..512).ok_or(Damaged)?;
    if head[..8] != *b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1" || read_u16(head, 32)? != 6 {
        return Err(Damaged);
    }
    let version = read_u16(head, 26)?;
    let (header, sector) = match read_u16(head, 30)? {
        9 => (512, 512),
        12 => (4096, 4096),
        _ => return Err(Damaged),
    };
    let file = bytes.len();
    let mut container = Container {
        bytes,
        header,
        sector,
        max_id: (file / sector) as u32,
        fats: Vec::new(),
    };
    let dir_start = read_u32(head, 48)?;
    let mini_fat_start = read_u32(head, 60)?;
    let mini_fat_len = read_u32(head, 64)? as usize;
    let mut difat: Vec<u32> = u32s(&head[76..512]).collect();
    let mut id = read_u32(head, 68)?;
    let mut difat_sectors = 0usize;
    while id < RESERVED_SECTORS {
        difat_sectors += 1;
        if difat_sectors > container.max_id as usize + 1 {
            return Err(Damaged);
        }
        difat.extend(u32s(container.sector(id)?));
        id = difat.pop().ok_or(Damaged)?;
    }
    // The same FAT sector may be listed many times: calamine copies it for
    // each, and a file of 100,000 sectors could make that gigabytes.
    let mut fat_bytes = 0usize;
    for &id in difat.iter().filter(|id| **id < DIFSECT) {
        fat_bytes += container.sector(id)?.len();
        if fat_bytes > file {
            return Err(Damaged);
        }
    }
    let mut fats = Vec::with_capacity(fat_bytes / 4);
    for &id in difat.iter().filter(|id| **id < DIFSECT) {
        let s = container.sector(id)?;
        if s.len() % 4 != 0 {
            return Err(Damaged);
        }
        fats.extend(u32s(s));
    }
    container.fats = fats;
    let dirs = container.chain(dir_start, usize::MAX)?;
    let entries: Vec<(String, u32, usize)> = dirs
        .chunks_exact(128)
        .map(|d| {
            let units: Vec<u16> = d[..64]
                .chunks_exact(2)
                .map(|c| u16::from_le_bytes([c[0], c[1]]))
                .collect();
            let mut name = String::from_utf16_lossy(&units);
            if let Some(nul) = name.bytes().position(|b| b == 0) {
                name.truncate(nul);
            }
            let start = u32::from_le_bytes([d[116], d[117], d[118], d[119]]);
            let len = if sector == 512 {
                u32::from_le_bytes([d[120], d[121], d[122], d[123]]) as u64
            } else {
                u64::from_le_bytes(d[120..128].try_into().expect("8 bytes"))
            };
            (name, start, usize::try_from(len).unwrap_or(usize::MAX))
        })
        .collect();
    let Some(root) = entries.first() else {
        return Err(Damaged);
    };
    if version != 3 && root.1 == ENDOFCHAIN {
        return Err(Damaged);
    }
    // A stream, the mini stream and the mini FAT live inside the file: one
    // declared longer is a chain calamine would repeat up to that length.
    let (mini_fats, mini_stream) = if mini_fat_len > 0 {
        let mini_fat_bytes = mini_fat_len.saturating_mul(sector);
        if root.2 > file || mini_fat_bytes > file {
            return Err(Damaged);
        }
        let stream = container.chain(root.1, root.2)?;
        let fat = container.chain(mini_fat_start, mini_fat_bytes)?;
        (u32s(&fat).collect::<Vec<u32>>(), stream)
    } else {
        (Vec::new(), Vec::new())
    };
    let (_, start, len) = ["Workbook", "Book"]
        .iter()
        .find_map(|want| {
            entries
                .iter()
                .find(|(name, _, _)| name.as_bytes().eq_ignore_ascii_case(want.as_bytes()))
        })
        .ok_or(Damaged)?
        .clone();
    if len > file {
        return Err(Damaged);
    }
    if len >= 4096 {
        return container.chain(start, len);
    }
    // A short stream is in 64-byte mini sectors of the mini stream; one
    // past its end calamine reads from wherever its file reader stands,
    // which this pass does not follow: such a file is refused.
    let mini = Container {
        bytes: &mini_stream,
        header: 0,
        sector: 64,
        max_id: container.max_id.saturating_mul(8),
        fats: mini_fats,
    };
    let mut out = Vec::new();
    let mut id = start;
    while id != ENDOFCHAIN {
        if id > mini.max_id {
            return Err(Damaged);
        }
        let at = id as usize * 64;
        let s = mini_stream.get(at..at + 64).ok_or(Damaged)?;
        let take = s.len().min(len - out.len());
        out.extend_from_slice(&s[..take]);
        if out.len() >= len {
            break;
        }
        id = *mini.fats.get(id as usize).ok_or(Damaged)?;
    }
    Ok(out)
}

/// The records of a stream from `at`, as calamine's `RecordIter` gives
/// them (Continue records folded into the one before; only the type and
/// data of the record itself are needed here).
fn records(stream: &[u8]) -> impl Iterator<Item = (u16, &[u8])> {
    let mut rest = stream;
    std::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let typ = u16::from_le_bytes([rest[0], rest[1]]);
        let len = u16::from_le_bytes([rest[2], rest[3]]) as usize;
        let (record, next) = (rest.get(4..4 + len)?, rest.get(4 + len..)?);
        rest = next;
        while rest.len() > 4 && u16::from_le_bytes([rest[0], rest[1]]) == 0x003C {
            let len = u16::from_le_bytes([rest[2], rest[3]]) as usize;
            rest = rest.get(4 + len..)?;
        }
        Some((typ, record))
    })
}

/// A BoundSheet8 record's sheet name, for the message (BIFF8's form).
fn sheet_name(data: &[u8]) -> Option<String> {
    let count = usize::from(*data.get(6)?);
    let wide = *data.get(7)? & 1 == 1;
    let text = data.get(8..)?;
    Some(if wide {
        let units: Vec<u16> = text
            .get(..count * 2)?
            .chunks_exact(2)
            .map(|c| u16::from_le_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        text.get(..count)?.iter().map(|&b| char::from(b)).collect()
    })
}

/// The dense range calamine builds from a sheet's cells.
#[derive(Default)]
struct Bounds {
    first: Option<(u64, u64)>,
    last: (u64, u64),
    count: u64,
}

impl Bounds {
    fn add(&mut self, row: u16, col: u16) {
        let (r, c) = (u64::from(row), u64::from(col));
        let first = self.first.get_or_insert((r, c));
        *first = (first.0.min(r), first.1.min(c));
        self.last = (self.last.0.max(r), self.last.1.max(c));
        self.count += 1;
    }

    fn area(&self) -> u64 {
        self.first
            .map_or(0, |f| (self.last.0 - f.0 + 1) * (self.last.1 - f.1 + 1))
    }
}

/// Refuses an xls whose container calamine would loop on or over-allocate
/// for, or whose sheets it would hold past the area limit; `Ok` when
/// calamine may read it (and fail on its own where the records are bad).
pub(super) fn check(bytes: &[u8], limits: ReadLimits) -> Result<(), WorkbookError> {
    let max_area = limits.max_area();
    let too_many = |sheet: &str| WorkbookError::TooManyCells {
        sheet: sheet.to_string(),
        limit: limits.max_cells,
    };
    let stream = workbook_stream(bytes).map_err(|Damaged| {
        WorkbookError::Unreadable(
            "xls 文件的容器结构异常（扇区链循环或超出文件），请另存为 .xlsx 后重新报送 / the xls container is damaged (a sector chain loops or runs past the file); save it as .xlsx and resend".into(),
        )
    })?;
    // The globals: the sheets' positions, up to the first EOF.
    let mut sheets: Vec<(usize, String)> = Vec::new();
    for (typ, data) in records(&stream) {
        match typ {
            0x0085 if data.len() >= 4 => {
                let pos = u32::from_le_bytes([data[0], data[1], data[2], data[3]]) as usize;
                let name = sheet_name(data).unwrap_or_else(|| format!("#{}", sheets.len() + 1));
                sheets.push((pos, name));
            }
            0x000A => break,
            _ => {}
        }
    }
    let mut total: u64 = 0;
    for (pos, sheet) in &sheets {
        limits.deadline.check()?;
        let Some(from) = stream.get(*pos..) else {
            return Ok(());
        };
        let (mut cells, mut formulas) = (Bounds::default(), Bounds::default());
        let mut formula_at = (0u16, 0u16);
        let (mut seen_bof, mut depth) = (false, 0usize);
        for (typ, data) in records(from) {
            if depth > 0 {
                match typ {
                    0x0809 => depth += 1,
                    0x000A => depth -= 1,
                    _ => {}
                }
                continue;
            }
            let at = |data: &[u8]| -> Option<(u16, u16)> {
                Some((
                    u16::from_le_bytes([*data.first()?, *data.get(1)?]),
                    u16::from_le_bytes([*data.get(2)?, *data.get(3)?]),
                ))
            };
            match typ {
                0x0809 if seen_bof => depth += 1,
                0x0809 => seen_bof = true,
                // Dimensions: calamine reserves room for the area declared.
                0x0200 => {
                    let (first_row, last_row, first_col, last_col) = match data.len() {
                        10 => (
                            u64::from(u16::from_le_bytes([data[0], data[1]])),
                            u64::from(u16::from_le_bytes([data[2], data[3]])),
                            u64::from(u16::from_le_bytes([data[4], data[5]])),
                            u64::from(u16::from_le_bytes([data[6], data[7]])),
                        ),
                        14 | 16 => (
                            u64::from(u32::from_le_bytes(data[0..4].try_into().expect("4"))),
                            u64::from(u32::from_le_bytes(data[4..8].try_into().expect("4"))),
                            u64::from(u16::from_le_bytes([data[8], data[9]])),
                            u64::from(u16::from_le_bytes([data[10], data[11]])),
                        ),
                        _ => continue,
                    };
                    let first_col = if first_col > 0xFF || last_col < first_col {
                        0
                    } else {
                        first_col
                    };
                    if last_row >= 1 && last_col >= 1 {
                        // calamine computes (last − 1) − first + 1 in u32:
                        // a first past the last wraps round to billions.
                        let rows = (last_row - 1).checked_sub(first_row).map(|n| n + 1);
                        let cols = (last_col - 1).checked_sub(first_col).map(|n| n + 1);
                        match (rows, cols) {
                            (Some(r), Some(c)) if r.saturating_mul(c) <= max_area => {}
                            _ => return Err(too_many(sheet)),
                        }
                    }
                }
                0x0203 | 0x0204 | 0x00D6 | 0x0205 | 0x027E | 0x00FD => {
                    if let Some((r, c)) = at(data) {
                        cells.add(r, c);
                    }
                }
                0x0207 => cells.add(formula_at.0, formula_at.1),
                0x00BD if data.len() >= 6 => {
                    let (Some((r, first)), Ok(last)) = (at(data), read_u16(data, data.len() - 2))
                    else {
                        continue;
                    };
                    let Some(n) = last.checked_sub(first).map(|n| n as usize + 1) else {
                        continue;
                    };
                    if data.len() == 6 + 6 * n {
                        cells.add(r, first);
                        cells.add(r, last);
                        cells.count = cells.count + n as u64 - 2;
                    }
                }
                0x0006 if data.len() >= 20 => {
                    if let Some((r, c)) = at(data) {
                        formula_at = (r, c);
                        cells.add(r, c);
                        formulas.add(r, c);
                    }
                }
                0x000A => break,
                _ => {}
            }
        }
        total = total
            .saturating_add(cells.area())
            .saturating_add(formulas.area())
            .saturating_add(cells.count);
        if total > max_area {
            return Err(too_many(sheet));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const LIMITS: ReadLimits = ReadLimits {
        max_sheets: 10,
        max_cells: 100_000,
        max_unpacked_bytes: 1 << 30,
        max_merged_cells: 1 << 20,
        max_shared_string_bytes: 1 << 30,
        deadline: super::super::Deadline::NEVER,
    };

    /// A compound file of 512-byte sectors holding one stream, `Workbook`:
    /// sector 0 the FAT, sector 1 the directory, the stream from sector 2.
    /// `fat` patches the FAT after it is written.
    fn compound(stream: &[u8], fat: impl FnOnce(&mut Vec<u32>)) -> Vec<u8> {
        let mut stream = stream.to_vec();
        stream.resize(stream.len().max(4096), 0);
        let stream_sectors = stream.len().div_ceil(512) as u32;
        let mut table = vec![0xFFFF_FFFD, ENDOFCHAIN];
        for i in 0..stream_sectors {
            table.push(if i + 1 == stream_sectors {
                ENDOFCHAIN
            } else {
                3 + i
            });
        }
        fat(&mut table);
        table.resize(128, 0xFFFF_FFFF);
        let mut out = vec![0u8; 512];
        out[..8].copy_from_slice(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1");
        out[26..28].copy_from_slice(&3u16.to_le_bytes());
        out[30..32].copy_from_slice(&9u16.to_le_bytes());
        out[32..34].copy_from_slice(&6u16.to_le_bytes());
        out[44..48].copy_from_slice(&1u32.to_le_bytes());
        out[48..52].copy_from_slice(&1u32.to_le_bytes());
        out[60..64].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        out[68..72].copy_from_slice(&ENDOFCHAIN.to_le_bytes());
        for (i, chunk) in out[76..512].chunks_exact_mut(4).enumerate() {
            chunk.copy_from_slice(&if i == 0 { 0u32 } else { 0xFFFF_FFFF }.to_le_bytes());
        }
        for id in &table {
            out.extend_from_slice(&id.to_le_bytes());
        }
        let mut dir = vec![0u8; 512];
        let entry = |dir: &mut [u8], name: &str, kind: u8, start: u32, len: u32| {
            for (i, u) in name.encode_utf16().enumerate() {
                dir[i * 2..i * 2 + 2].copy_from_slice(&u.to_le_bytes());
            }
            dir[64..66].copy_from_slice(&((name.len() as u16 + 1) * 2).to_le_bytes());
            dir[66] = kind;
            dir[116..120].copy_from_slice(&start.to_le_bytes());
            dir[120..124].copy_from_slice(&len.to_le_bytes());
        };
        entry(&mut dir[..128], "Root Entry", 5, ENDOFCHAIN, 0);
        entry(&mut dir[128..256], "Workbook", 2, 2, stream.len() as u32);
        out.extend_from_slice(&dir);
        out.extend_from_slice(&stream);
        out.resize(512 + (2 + stream_sectors as usize) * 512, 0);
        out
    }

    fn record(typ: u16, data: &[u8]) -> Vec<u8> {
        let mut r = typ.to_le_bytes().to_vec();
        r.extend_from_slice(&(data.len() as u16).to_le_bytes());
        r.extend_from_slice(data);
        r
    }

    /// A workbook stream: globals naming one sheet, then the sheet's cells.
    fn workbook(cells: &[(u16, u16)]) -> Vec<u8> {
        let bof = record(0x0809, &[0x00, 0x06, 0x05, 0x00, 0, 0, 0, 0]);
        let mut globals = bof.clone();
        // BoundSheet8: position, visibility, type, and a one-letter name;
        // the sheet starts after it and the globals' EOF.
        let boundsheet_len = 4 + 9;
        let sheet_at = (globals.len() + boundsheet_len + 4) as u32;
        globals.extend(record(
            0x0085,
            &[&sheet_at.to_le_bytes()[..], &[0, 0, 1, 0, b'S']].concat(),
        ));
        globals.extend(record(0x000A, &[]));
        assert_eq!(globals.len() as u32, sheet_at);
        let mut sheet = bof;
        for &(r, c) in cells {
            let mut number = r.to_le_bytes().to_vec();
            number.extend_from_slice(&c.to_le_bytes());
            number.extend_from_slice(&[0; 10]);
            sheet.extend(record(0x0203, &number));
        }
        sheet.extend(record(0x000A, &[]));
        [globals, sheet].concat()
    }

    #[test]
    fn cells_far_apart_are_refused_before_calamine_builds_their_range() {
        // A1 and (65535, 65535): 4.3 billion cells in calamine's range.
        let corners = compound(&workbook(&[(0, 0), (65_535, 65_535)]), |_| {});
        assert!(matches!(
            check(&corners, LIMITS),
            Err(WorkbookError::TooManyCells { .. })
        ));
        let near = compound(&workbook(&[(0, 0), (99, 9)]), |_| {});
        check(&near, LIMITS).unwrap();
    }

    #[test]
    fn a_directory_chain_in_a_circle_is_refused_not_followed() {
        // The directory's sector points back at itself: calamine reads it
        // again and again, its memory growing, and never returns.
        let circle = compound(&workbook(&[(0, 0)]), |fat| fat[1] = 1);
        assert!(matches!(
            check(&circle, LIMITS),
            Err(WorkbookError::Unreadable(m)) if m.contains("sector chain loops")
        ));
    }

    #[test]
    fn every_xls_fixture_passes_the_check() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
        let mut seen = 0;
        for sub in [dir.clone(), dir.join("realworld")] {
            for entry in std::fs::read_dir(sub).unwrap() {
                let path = entry.unwrap().path();
                if path.extension().is_some_and(|e| e == "xls") {
                    let bytes = std::fs::read(&path).unwrap();
                    // Only OLE files reach the check (and calamine's xls
                    // reader); a bare BIFF stream is not one calamine reads.
                    if !bytes.starts_with(super::super::OLE_SIGNATURE) {
                        continue;
                    }
                    let limits = ReadLimits {
                        max_cells: 5_000_000,
                        ..LIMITS
                    };
                    if let Err(e) = check(&bytes, limits) {
                        // Only the files that are damaged on purpose (calamine's
                        // own tests expect an error for each).
                        let name = path.file_name().unwrap().to_string_lossy();
                        assert!(
                            ["OOM", "fuzz", "too_small"]
                                .iter()
                                .any(|n| name.contains(n)),
                            "{name}: {e}"
                        );
                    }
                    seen += 1;
                }
            }
        }
        assert!(seen >= 3, "{seen} xls fixtures");
    }
}
