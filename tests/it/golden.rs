//! The code of today builds the same lake and the same figures as the code
//! that wrote `tests/golden/digests.csv` (before issue 17's restructuring,
//! then again at issue 19's intended changes and its new sample generator;
//! see `tests/golden/digests.sh`):
//! every raw table and model of the province sample and of a national sample
//! quarter, row for row (md5 of the sorted rows).

use super::common::repo;

#[test]
fn the_restructured_code_builds_the_same_lake_and_marts() {
    let out = tempfile::NamedTempFile::new().unwrap();
    let status = std::process::Command::new("bash")
        .arg(repo("tests/golden/digests.sh"))
        .arg(env!("CARGO_BIN_EXE_taizhang"))
        .arg(out.path())
        .status()
        .unwrap();
    assert!(status.success(), "digests.sh failed");
    let digests = |text: &str| -> std::collections::BTreeMap<String, String> {
        text.lines()
            .filter_map(|l| {
                let (scale, rest) = l.split_once(',')?;
                let (table, digest) = rest.split_once(',')?;
                Some((format!("{scale} {table}"), digest.to_string()))
            })
            .collect()
    };
    let today = digests(&std::fs::read_to_string(out.path()).unwrap());
    let before = digests(&std::fs::read_to_string(repo("tests/golden/digests.csv")).unwrap());
    assert!(
        before.len() > 40,
        "every raw table and model of both samples"
    );
    // Every table the code before had, with the same rows; new models may join.
    let differ: Vec<String> = before
        .iter()
        .filter(|(table, digest)| today.get(*table) != Some(digest))
        .map(|(table, digest)| format!("{table}: before {digest}, today {:?}", today.get(table)))
        .collect();
    assert!(differ.is_empty(), "tables differ:\n{}", differ.join("\n"));
}
