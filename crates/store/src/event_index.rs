//! What the store indexes of a LogEvent so `/api/v1/logs` can narrow without reading every
//! body: the filterable fields under their Okta paths (`attrs`), and the keywords `q` matches.

use serde_json::{Map, Value};

use crate::filter_sql::TableMap;

/// The log table as the filter compiler sees it: every filterable field is a key of `attrs`.
pub const LOGS: TableMap = TableMap {
    id: "seq",
    profile: "attrs",
    columns: &[],
};

/// The `attrs` object and the `keywords` text of an event body.
pub fn index(body: &Value) -> (Value, String) {
    let mut attrs = Map::new();
    for path in model::expr::logs::PATHS {
        let value = match path.strip_prefix("target.") {
            Some(field) => Value::Array(
                body.get("target")
                    .and_then(Value::as_array)
                    .map(|targets| {
                        targets
                            .iter()
                            .filter_map(|t| t.get(field).filter(|v| !v.is_null()).cloned())
                            .collect()
                    })
                    .unwrap_or_default(),
            ),
            None => path
                .split('.')
                .try_fold(body, |v, key| v.get(key))
                .cloned()
                .unwrap_or(Value::Null),
        };
        if !value.is_null() {
            attrs.insert((*path).to_owned(), value);
        }
    }
    let mut words = Vec::new();
    collect_words(body, &mut words);
    words.sort();
    words.dedup();
    (Value::Object(attrs), format!(" {} ", words.join(" ")))
}

fn collect_words(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.extend(model::expr::logs::keywords_of(s)),
        Value::Array(items) => items.iter().for_each(|v| collect_words(v, out)),
        Value::Object(map) => map.values().for_each(|v| collect_words(v, out)),
        Value::Number(n) => out.push(n.to_string()),
        Value::Bool(_) | Value::Null => {}
    }
}

/// The LIKE pattern that finds `keyword` as a whole word of `keywords` (`\` escapes).
pub fn keyword_pattern(keyword: &str) -> String {
    let mut escaped = String::with_capacity(keyword.len() + 4);
    for c in keyword.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    format!("% {escaped} %")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn indexes_paths_targets_and_words() {
        let body = json!({
            "eventType": "user.lifecycle.create",
            "severity": "INFO",
            "actor": {"id": "00uA", "alternateId": "admin@x.test"},
            "outcome": {"result": "SUCCESS"},
            "target": [{"id": "00uB", "type": "User", "displayName": "Isaac Brock"}, {"id": "00gC", "type": "UserGroup"}],
            "displayMessage": "Create Okta user",
        });
        let (attrs, words) = index(&body);
        assert_eq!(attrs["eventType"], "user.lifecycle.create");
        assert_eq!(attrs["actor.id"], "00uA");
        assert_eq!(attrs["target.id"], json!(["00uB", "00gC"]));
        assert_eq!(attrs["target.type"], json!(["User", "UserGroup"]));
        assert!(attrs.get("client.ipAddress").is_none());
        for w in [
            " isaac ",
            " brock ",
            " okta ",
            " admin@x.test ",
            " user.lifecycle.create ",
        ] {
            assert!(words.contains(w), "{w} in {words}");
        }
    }

    #[test]
    fn keyword_patterns_escape_wildcards() {
        assert_eq!(keyword_pattern("50%_Off"), "% 50\\%\\_off %");
    }
}
