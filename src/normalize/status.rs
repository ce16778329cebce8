//! Status words (完成状态) → the states of DESIGN §4.

use std::collections::BTreeMap;

use super::text::{fold_width, strip_whitespace};

/// The normalised progress state of a task or rectification item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Status {
    Done,
    InProgress,
    NotStarted,
    Delayed,
    Ongoing,
    Unknown,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Done,
        Status::InProgress,
        Status::NotStarted,
        Status::Delayed,
        Status::Ongoing,
        Status::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Done => "done",
            Status::InProgress => "in_progress",
            Status::NotStarted => "not_started",
            Status::Delayed => "delayed",
            Status::Ongoing => "ongoing",
            Status::Unknown => "unknown",
        }
    }

    pub fn from_name(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

/// The status vocabulary: words per state, the contract's defaults plus any
/// that `[vocab] status.<state>` adds.
#[derive(Debug, Clone)]
pub struct StatusVocab {
    /// (word, state), longest word first so the longest contained word wins.
    words: Vec<(String, Status)>,
}

const DEFAULT_WORDS: &[(Status, &[&str])] = &[
    (
        Status::Done,
        &[
            "已完成",
            "完成",
            "已出台",
            "已印发",
            "已办结",
            "已整改",
            "整改完成",
            "已销号",
            "已销账",
            "已验收",
            "√",
            "✓",
        ],
    ),
    (
        Status::InProgress,
        &[
            "推进中",
            "正在推进",
            "有序推进",
            "进行中",
            "已启动",
            "已启动未完成",
            "正在整改",
            "部分整改",
            "基本完成",
            "未完成",
            "尚未完成",
            "按序时推进",
            "进展顺利",
        ],
    ),
    (
        Status::NotStarted,
        &["未启动", "尚未启动", "未开展", "未整改"],
    ),
    (
        Status::Delayed,
        &[
            "滞后",
            "进度滞后",
            "逾期",
            "逾期未完成",
            "未按期完成",
            "超时",
        ],
    ),
    (Status::Ongoing, &["长期坚持", "常态化推进", "动态清零"]),
];

/// Negations: a done-word right after one of these is not done (未完成, 没有完成).
const NEGATIONS: &[&str] = &["未", "尚未", "没有", "没"];

impl Default for StatusVocab {
    fn default() -> Self {
        Self::with_extra(&BTreeMap::new())
    }
}

impl StatusVocab {
    /// The default vocabulary plus extra words per state.
    pub fn with_extra(extra: &BTreeMap<Status, Vec<String>>) -> Self {
        let mut words: Vec<(String, Status)> = DEFAULT_WORDS
            .iter()
            .flat_map(|(state, ws)| ws.iter().map(move |w| (w.to_string(), *state)))
            .chain(
                extra
                    .iter()
                    .flat_map(|(state, ws)| ws.iter().map(move |w| (normalize(w), *state))),
            )
            .collect();
        words.sort_by(|a, b| {
            b.0.chars()
                .count()
                .cmp(&a.0.chars().count())
                .then_with(|| a.0.cmp(&b.0))
        });
        words.dedup_by(|a, b| a.0 == b.0);
        StatusVocab { words }
    }

    /// Classifies a status cell. An exact match beats a contained one and a
    /// longer contained word beats a shorter one; a done-word preceded by a
    /// negation never counts as done. `None` when no word matches.
    pub fn classify(&self, text: &str) -> Option<Status> {
        let s = normalize(text);
        if s.is_empty() {
            return None;
        }
        if let Some((_, state)) = self.words.iter().find(|(w, _)| *w == s) {
            return Some(*state);
        }
        self.words
            .iter()
            .find(|(word, state)| {
                s.match_indices(word.as_str()).any(|(at, _)| {
                    let before = &s[..at];
                    *state != Status::Done || !NEGATIONS.iter().any(|n| before.ends_with(n))
                })
            })
            .map(|(_, state)| *state)
    }

    /// A 是否完成 (yes/no) column: 是 → done, 否 → in progress; other text is
    /// classified as a status word.
    pub fn classify_yes_no(&self, text: &str) -> Option<Status> {
        match normalize(text).as_str() {
            "是" | "√" | "✓" | "已" => Some(Status::Done),
            "否" | "×" | "未" => Some(Status::InProgress),
            _ => self.classify(text),
        }
    }
}

fn normalize(text: &str) -> String {
    strip_whitespace(&fold_width(text, true))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_contract_vocabulary_and_its_traps() {
        let vocab = StatusVocab::default();
        let cases = [
            ("已完成", Some(Status::Done)),
            ("完成", Some(Status::Done)),
            ("已出台", Some(Status::Done)),
            ("已印发", Some(Status::Done)),
            ("已销号", Some(Status::Done)),
            ("√", Some(Status::Done)),
            ("推进中", Some(Status::InProgress)),
            ("已启动", Some(Status::InProgress)),
            ("已启动未完成", Some(Status::InProgress)),
            ("基本完成", Some(Status::InProgress)),
            ("已基本完成", Some(Status::InProgress)),
            ("未完成", Some(Status::InProgress)),
            ("尚未完成", Some(Status::InProgress)),
            ("未启动", Some(Status::NotStarted)),
            ("尚未启动", Some(Status::NotStarted)),
            ("未整改", Some(Status::NotStarted)),
            ("滞后", Some(Status::Delayed)),
            ("未按期完成", Some(Status::Delayed)),
            ("目前未按期完成", Some(Status::Delayed)),
            ("逾期未完成", Some(Status::Delayed)),
            ("长期坚持", Some(Status::Ongoing)),
            ("常态化推进", Some(Status::Ongoing)),
            (" 已 完 成 ", Some(Status::Done)),
            ("已于6月完成", Some(Status::Done)),
            ("没有完成", None),
            ("待定", None),
            ("", None),
        ];
        for (text, want) in cases {
            assert_eq!(vocab.classify(text), want, "{text}");
        }
    }

    #[test]
    fn yes_no_column() {
        let vocab = StatusVocab::default();
        assert_eq!(vocab.classify_yes_no("是"), Some(Status::Done));
        assert_eq!(vocab.classify_yes_no("否"), Some(Status::InProgress));
        assert_eq!(vocab.classify_yes_no("推进中"), Some(Status::InProgress));
        assert_eq!(vocab.classify_yes_no("说不好"), None);
    }

    #[test]
    fn config_adds_words() {
        let extra = BTreeMap::from([(Status::Done, vec!["已落地".to_string()])]);
        let vocab = StatusVocab::with_extra(&extra);
        assert_eq!(vocab.classify("已落地"), Some(Status::Done));
        assert_eq!(StatusVocab::default().classify("已落地"), None);
    }
}
