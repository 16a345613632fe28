//! Property tests of the two expression parsers that read what clients send: Okta's
//! filter/search language (every list's `filter` and `search`) and the Okta Expression
//! Language (group rules). Inputs come from a grammar of valid expressions, then mutated
//! (characters dropped, repeated, replaced, spliced), plus arbitrary text. Whatever the input,
//! parsing answers Ok or Err and never panics, and evaluating a parsed rule never panics.
//!
//! `PROPTEST_CASES` sets how many inputs each property gets (the default here keeps the run
//! short; the reliability suite's long mode raises it).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use latchkey_model as model;
use model::expr::okta_el;
use proptest::prelude::*;

const ATTRIBUTES: &[&str] = &[
    "status",
    "id",
    "created",
    "lastUpdated",
    "profile.login",
    "profile.email",
    "profile.firstName",
    "profile.department",
    "profile.costCenter",
    "type",
    "profile.name",
    "eventType",
    "target.id",
    "actor.id",
    "name",
    "x",
];
const OPERATORS: &[&str] = &["eq", "ne", "gt", "ge", "lt", "le", "sw", "co", "ew", "pr"];
const VALUES: &[&str] = &[
    "\"ACTIVE\"",
    "\"a@example.com\"",
    "\"2015-11-11T00:00:00.000Z\"",
    "\"\"",
    "\"\\\"quoted\\\"\"",
    "true",
    "false",
    "null",
    "42",
    "-1.5e3",
    "\"00u1abc\"",
    "\"x\\\\y\"",
];

fn condition() -> impl Strategy<Value = String> {
    (
        prop::sample::select(ATTRIBUTES),
        prop::sample::select(OPERATORS),
        prop::sample::select(VALUES),
    )
        .prop_map(|(a, o, v)| {
            if o == "pr" {
                format!("{a} pr")
            } else {
                format!("{a} {o} {v}")
            }
        })
}

/// Valid-looking filter expressions: conditions joined by and/or, grouped, negated.
fn filter_expression() -> impl Strategy<Value = String> {
    condition().prop_recursive(5, 48, 4, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(&["and", "or"][..]),
                inner.clone()
            )
                .prop_map(|(l, j, r)| format!("{l} {j} {r}")),
            inner.clone().prop_map(|e| format!("({e})")),
            inner.prop_map(|e| format!("not ({e})")),
        ]
    })
}

/// Okta Expression Language rules: comparisons of user attributes, functions, membership.
fn rule_expression() -> impl Strategy<Value = String> {
    let atom = prop_oneof![
        (
            prop::sample::select(&["department", "title", "login", "costCenter", "x"][..]),
            prop::sample::select(&["==", "!=", ">", "<", ">=", "<="][..]),
            prop::sample::select(&["\"Eng\"", "'Sales'", "5", "true", "null"][..]),
        )
            .prop_map(|(a, o, v)| format!("user.{a} {o} {v}")),
        prop::sample::select(&["department", "login", "title"][..])
            .prop_map(|a| format!("String.startsWith(user.{a}, \"E\")")),
        prop::sample::select(&["department", "login"][..])
            .prop_map(|a| format!("String.stringContains(user.{a}, \"ng\")")),
        Just("isMemberOfGroup(\"00g1\")".to_owned()),
        Just("isMemberOfGroupName(\"Everyone\")".to_owned()),
        Just("isMemberOfAnyGroup(\"00g1\", \"00g2\")".to_owned()),
        Just("user.isMemberOf({'group.id': '00g1'})".to_owned()),
        Just("Arrays.contains(user.tags, \"a\")".to_owned()),
        Just("String.len(user.login) > 3".to_owned()),
    ];
    atom.prop_recursive(4, 32, 4, |inner| {
        prop_oneof![
            (
                inner.clone(),
                prop::sample::select(&["AND", "OR", "&&", "||", "and", "or"][..]),
                inner.clone()
            )
                .prop_map(|(l, j, r)| format!("{l} {j} {r}")),
            inner.clone().prop_map(|e| format!("({e})")),
            inner.prop_map(|e| format!("!({e})")),
        ]
    })
}

/// One mutation of `text` at a position drawn from `at`.
#[derive(Debug, Clone)]
enum Mutation {
    Drop(usize),
    Repeat(usize, usize),
    Replace(usize, char),
    Splice(usize, String),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let odd = prop::sample::select(
        &[
            '"', '\\', '(', ')', '\'', ' ', '\0', '\u{ffff}', 'é', '{', '}', ',', '.', '%', '\n',
        ][..],
    );
    prop_oneof![
        any::<usize>().prop_map(Mutation::Drop),
        (any::<usize>(), 1..2000usize).prop_map(|(at, n)| Mutation::Repeat(at, n)),
        (any::<usize>(), odd).prop_map(|(at, c)| Mutation::Replace(at, c)),
        (any::<usize>(), ".{0,40}").prop_map(|(at, s)| Mutation::Splice(at, s)),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut chars: Vec<char> = text.chars().collect();
    for m in mutations {
        let len = chars.len().max(1);
        match m {
            Mutation::Drop(at) if !chars.is_empty() => {
                chars.remove(at % chars.len());
            }
            Mutation::Drop(_) => {}
            Mutation::Repeat(at, n) if !chars.is_empty() => {
                let c = chars[at % chars.len()];
                let at = at % chars.len();
                for _ in 0..*n {
                    chars.insert(at, c);
                }
            }
            Mutation::Repeat(..) => {}
            Mutation::Replace(at, c) => {
                if chars.is_empty() {
                    chars.push(*c);
                } else {
                    let at = at % len;
                    chars[at] = *c;
                }
            }
            Mutation::Splice(at, s) => {
                let at = at % (chars.len() + 1);
                for (i, c) in s.chars().enumerate() {
                    chars.insert(at + i, c);
                }
            }
        }
    }
    chars.into_iter().collect()
}

/// Every entry point that parses a client's filter or search text.
fn parse_everywhere(text: &str) {
    let _ = model::expr::parse(text);
    let _ = model::expr::users::parse_filter(text);
    let _ = model::expr::users::parse_search(text);
    let _ = model::expr::groups::parse_filter(text);
    let _ = model::expr::groups::parse_search(text);
    let _ = model::expr::groups::parse_owner_search(text);
    let _ = model::expr::apps::parse_filter(text);
    let _ = model::expr::logs::parse_filter(text);
    let _ = model::expr::trusted_origins::parse_filter(text);
    let _ = model::expr::users::find(text);
}

fn evaluate_if_parsed(text: &str) {
    if let Ok(expression) = okta_el::parse(text) {
        let mut ctx = okta_el::MapContext::default();
        ctx.profile
            .insert("department".into(), serde_json::json!("Engineering"));
        ctx.profile
            .insert("login".into(), serde_json::json!("a@example.com"));
        ctx.profile
            .insert("tags".into(), serde_json::json!(["a", "b"]));
        ctx.group_ids.push("00g1".into());
        ctx.group_names.push("Everyone".into());
        let _ = expression.evaluate(&ctx);
        let _ = expression.referenced_group_ids();
    }
}

/// Inputs per property: `PROPTEST_CASES`, else 400.
fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(400)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn generated_filters_parse(expr in filter_expression()) {
        // Unmutated grammar output is accepted by the syntax parser (within its limits).
        let parsed = model::expr::parse(&expr);
        if let Err(err) = &parsed {
            let limit = format!("{err:?}");
            prop_assert!(
                limit.contains("deep") || limit.contains("conditions") || limit.contains("many"),
                "{expr}: {limit}"
            );
        }
        parse_everywhere(&expr);
    }

    #[test]
    fn mutated_filters_never_panic(
        expr in filter_expression(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        parse_everywhere(&mutate(&expr, &mutations));
    }

    #[test]
    fn arbitrary_text_never_panics_the_filter_parsers(text in "\\PC{0,300}") {
        parse_everywhere(&text);
    }

    #[test]
    fn generated_rules_parse_and_evaluate(expr in rule_expression()) {
        evaluate_if_parsed(&expr);
    }

    #[test]
    fn mutated_rules_never_panic(
        expr in rule_expression(),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        evaluate_if_parsed(&mutate(&expr, &mutations));
    }

    #[test]
    fn arbitrary_text_never_panics_the_rule_parser(text in "\\PC{0,300}") {
        evaluate_if_parsed(&text);
    }
}

#[test]
fn deep_nesting_is_refused_not_overflowed() {
    for depth in [100, 10_000, 200_000] {
        let filter = format!("{}status eq \"A\"{}", "(".repeat(depth), ")".repeat(depth));
        assert!(model::expr::parse(&filter).is_err(), "filter depth {depth}");
        let rule = format!("{}user.x == 1{}", "(".repeat(depth), ")".repeat(depth));
        let _ = okta_el::parse(&rule);
        let negations = format!("{}user.x == 1", "!".repeat(depth));
        let _ = okta_el::parse(&negations);
    }
}
