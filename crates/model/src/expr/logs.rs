//! The `filter` parameter of the System Log (system-log.md, "Expression filter").
//!
//! Attributes are LogEvent paths: `eventType`, `severity`, `displayMessage`, `actor.id`,
//! `actor.type`, `actor.alternateId`, `actor.displayName`, `outcome.result`,
//! `outcome.reason`, `target.id`, `target.type`, `target.alternateId`,
//! `target.displayName` (any target matches), `client.ipAddress`, `transaction.id`,
//! `debugContext.debugData.requestId`, `uuid`. Operators: `eq`, `ne`, `sw`, `co`, `ew`, `pr`,
//! with `and`/`or`/`not`; values compare exactly. `published` is refused: `since`, `until`
//! and `after` bound time.

use super::parser::Op;
use super::resolve::{resolve, Case, FieldKind, FieldSpec, Resolved, Rules, Storage};
use crate::error::DomainError;

const TEXT_OPS: &[Op] = &[Op::Eq, Op::Ne, Op::Sw, Op::Co, Op::Ew];

const fn attr(path: &'static str) -> FieldSpec {
    FieldSpec {
        path,
        storage: Storage::Profile,
        kind: FieldKind::Json,
        ops: TEXT_OPS,
        present: true,
        case: Case::Sensitive,
    }
}

/// The LogEvent paths `filter` may name; the store keeps each under the same key.
pub const PATHS: &[&str] = &[
    "uuid",
    "eventType",
    "severity",
    "displayMessage",
    "actor.id",
    "actor.type",
    "actor.alternateId",
    "actor.displayName",
    "outcome.result",
    "outcome.reason",
    "target.id",
    "target.type",
    "target.alternateId",
    "target.displayName",
    "client.ipAddress",
    "transaction.id",
    "debugContext.debugData.requestId",
];

/// The rules of the System Log `filter=`.
pub const FILTER: Rules = Rules {
    param: "filter",
    fields: &[
        attr("uuid"),
        attr("eventType"),
        attr("severity"),
        attr("displayMessage"),
        attr("actor.id"),
        attr("actor.type"),
        attr("actor.alternateId"),
        attr("actor.displayName"),
        attr("outcome.result"),
        attr("outcome.reason"),
        attr("target.id"),
        attr("target.type"),
        attr("target.alternateId"),
        attr("target.displayName"),
        attr("client.ipAddress"),
        attr("transaction.id"),
        attr("debugContext.debugData.requestId"),
    ],
    profile: None,
    allow_not: true,
};

/// Parses and checks a System Log `filter=` expression.
pub fn parse_filter(input: &str) -> Result<Resolved, DomainError> {
    resolve(&super::parse(input)?, &FILTER)
}

/// The words `q` matches: lower-cased, split on whitespace; a hyphenated word also yields its
/// parts (system-log.md, "Keyword filter").
pub fn keywords_of(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    for word in text.split_whitespace() {
        let lower = word.to_lowercase();
        if lower.contains('-') {
            words.extend(
                lower
                    .split('-')
                    .filter(|p| !p.is_empty())
                    .map(str::to_owned),
            );
        }
        words.push(lower);
    }
    words
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::expr::resolve::Attribute;

    #[test]
    fn every_path_is_a_field() {
        assert_eq!(PATHS.len(), FILTER.fields.len());
        for (p, f) in PATHS.iter().zip(FILTER.fields) {
            assert_eq!(*p, f.path);
        }
    }

    #[test]
    fn parses_documented_examples() {
        for ok in [
            "eventType eq \"user.session.start\" and outcome.result eq \"FAILURE\"",
            "target.id eq \"00uxc78lMKUMVIHLTAXY\" and target.id eq \"0oabe82gnXOFVCDUMVAK\"",
            "actor.id ne \"00uxc78lMKUMVIHLTAXY\"",
            "client.ipAddress eq \"184.73.186.14\"",
            "eventType sw \"event_hook\"",
            "eventType co \"session\"",
            "eventType ew \"token\"",
            "not (severity eq \"INFO\")",
        ] {
            assert!(parse_filter(ok).is_ok(), "{ok}");
        }
    }

    #[test]
    fn refuses_published_and_unknown_fields() {
        for bad in [
            "published gt \"2020-01-01T00:00:00Z\"",
            "foo eq \"x\"",
            "eventType gt \"a\"",
        ] {
            assert!(
                matches!(parse_filter(bad), Err(DomainError::InvalidSearch { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn resolves_dotted_paths_to_their_own_key() {
        match parse_filter("target.id eq \"x\"").unwrap() {
            Resolved::Compare { attribute, .. } => {
                assert_eq!(attribute, Attribute::Profile("target.id".into()));
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn keywords_split_hyphens_too() {
        assert_eq!(
            keywords_of("XOxBw-2JIRn San Francisco"),
            vec!["xoxbw", "2jirn", "xoxbw-2jirn", "san", "francisco"]
        );
    }
}
