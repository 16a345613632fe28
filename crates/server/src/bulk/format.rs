//! The two file formats of `latchkey import users` and `latchkey export users`.
//!
//! - **JSON Lines**: one JSON object per line, the body of `POST /api/v1/users` (`profile`,
//!   `credentials`, `groupIds`, `type`) plus the import's own `groups` (group names) and
//!   `status`. Blank lines are skipped.
//! - **CSV**: a header row names where each column goes. A dotted name is a path in that
//!   object (`profile.costCenter`, `credentials.password.hash.algorithm`); a bare name is a
//!   profile attribute (`login`, `email`, `firstName`, ...) except for the reserved `password`
//!   (`credentials.password.value`), `groupIds` and `groups` (lists separated by `;`), `status`
//!   and `id` (written by an export, ignored by an import). An empty cell is an absent field.
//!   CSV cells are text, except the hash's `workFactor`, `iterationCount` and `keySize`.

use serde_json::{Map, Value};
use std::path::Path;

/// A file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// JSON Lines: one create-user request per line.
    Jsonl,
    /// CSV with a header row.
    Csv,
}

impl Format {
    /// The given format, or the one the file name implies (`.csv` is CSV, anything else JSON
    /// Lines).
    pub fn for_path(path: &Path, given: Option<Format>) -> Format {
        given.unwrap_or_else(|| {
            let csv = path
                .extension()
                .and_then(|e| e.to_str())
                .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            if csv {
                Format::Csv
            } else {
                Format::Jsonl
            }
        })
    }
}

/// Columns whose names are not profile attributes.
const RESERVED: [&str; 5] = ["id", "status", "password", "groupIds", "groups"];
/// Hash fields that are numbers.
const NUMERIC: [&str; 3] = ["workFactor", "iterationCount", "keySize"];

#[derive(Debug, Clone, PartialEq)]
enum Column {
    /// A text (or numeric) field at this path.
    Field {
        path: Vec<String>,
        numeric: bool,
    },
    /// A `;`-separated list at this top-level key.
    List(String),
    Ignored,
}

/// Where each column of a CSV file goes.
#[derive(Debug, Clone)]
pub struct CsvColumns {
    columns: Vec<Column>,
}

impl CsvColumns {
    /// Reads the header row; an unknown top-level path or a repeated column is an error.
    pub fn parse(header: &csv::StringRecord) -> Result<Self, String> {
        let mut columns = Vec::new();
        let mut seen = std::collections::HashSet::new();
        for name in header.iter().map(str::trim) {
            if name.is_empty() {
                return Err("the header has an empty column name".into());
            }
            if !seen.insert(name.to_owned()) {
                return Err(format!("the header names column '{name}' twice"));
            }
            let column = match name {
                "id" => Column::Ignored,
                "groupIds" | "groups" => Column::List(name.to_owned()),
                "password" => field(&["credentials", "password", "value"]),
                "status" => field(&["status"]),
                bare if !bare.contains('.') => field(&["profile", bare]),
                dotted => {
                    let path: Vec<String> = dotted.split('.').map(str::to_owned).collect();
                    let top = path.first().map(String::as_str).unwrap_or_default();
                    if !matches!(top, "profile" | "credentials" | "type")
                        || path.iter().any(String::is_empty)
                    {
                        return Err(format!(
                            "column '{dotted}': a dotted column starts with profile., credentials. or type."
                        ));
                    }
                    let numeric = top == "credentials"
                        && path.last().is_some_and(|l| NUMERIC.contains(&l.as_str()));
                    Column::Field { path, numeric }
                }
            };
            columns.push(column);
        }
        Ok(Self { columns })
    }

    /// One row as the JSON object a JSON Lines file would hold.
    pub fn row(&self, record: &csv::StringRecord) -> Result<Value, String> {
        if record.len() != self.columns.len() {
            return Err(format!(
                "the row has {} cells, the header {}",
                record.len(),
                self.columns.len()
            ));
        }
        let mut object = Map::new();
        for (column, cell) in self.columns.iter().zip(record.iter()) {
            let cell = cell.trim();
            if cell.is_empty() {
                continue;
            }
            match column {
                Column::Ignored => {}
                Column::List(key) => {
                    let items: Vec<Value> = cell
                        .split(';')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(|s| Value::String(s.to_owned()))
                        .collect();
                    object.insert(key.clone(), Value::Array(items));
                }
                Column::Field { path, numeric } => {
                    let value = if *numeric {
                        let n: u64 = cell.parse().map_err(|_| {
                            format!("column '{}': '{cell}' is not a number", path.join("."))
                        })?;
                        Value::from(n)
                    } else {
                        Value::String(cell.to_owned())
                    };
                    insert_path(&mut object, path, value);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

fn field(path: &[&str]) -> Column {
    Column::Field {
        path: path.iter().map(|s| (*s).to_owned()).collect(),
        numeric: false,
    }
}

fn insert_path(object: &mut Map<String, Value>, path: &[String], value: Value) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut here = object;
    for key in parents {
        let entry = here
            .entry(key.clone())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(next) = entry else { return };
        here = next;
    }
    here.insert(last.clone(), value);
}

/// The CSV header an export writes for these profile attributes (sorted as given) and
/// credential paths: `id`, `status`, the attributes (bare unless reserved), `groups`, then the
/// credential columns.
pub fn csv_header(profile_keys: &[String], credential_paths: &[String]) -> Vec<String> {
    let mut header = vec!["id".to_owned(), "status".to_owned()];
    for key in profile_keys {
        if RESERVED.contains(&key.as_str()) || key.contains('.') {
            header.push(format!("profile.{key}"));
        } else {
            header.push(key.clone());
        }
    }
    header.push("groups".into());
    header.extend(credential_paths.iter().cloned());
    header
}

/// The cells of one exported user (as its JSON Lines object) under [`csv_header`]'s columns.
pub fn csv_cells(row: &Value, profile_keys: &[String], credential_paths: &[String]) -> Vec<String> {
    let text = |v: Option<&Value>| match v {
        None | Some(Value::Null) => String::new(),
        Some(Value::String(s)) => s.clone(),
        Some(other) => other.to_string(),
    };
    let mut cells = vec![text(row.get("id")), text(row.get("status"))];
    for key in profile_keys {
        cells.push(text(row.get("profile").and_then(|p| p.get(key))));
    }
    let groups: Vec<&str> = row
        .get("groups")
        .and_then(Value::as_array)
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    cells.push(groups.join(";"));
    for path in credential_paths {
        let pointer = format!("/{}", path.replace('.', "/"));
        cells.push(text(row.pointer(&pointer)));
    }
    cells
}

/// Every credential column an export may write.
pub const CREDENTIAL_COLUMNS: [&str; 11] = [
    "credentials.provider.type",
    "credentials.provider.name",
    "credentials.password.hook.type",
    "credentials.password.hash.algorithm",
    "credentials.password.hash.value",
    "credentials.password.hash.salt",
    "credentials.password.hash.saltOrder",
    "credentials.password.hash.workFactor",
    "credentials.password.hash.iterationCount",
    "credentials.password.hash.keySize",
    "credentials.password.hash.digestAlgorithm",
];

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn record(cells: &[&str]) -> csv::StringRecord {
        csv::StringRecord::from(cells.to_vec())
    }

    #[test]
    fn csv_columns_map_to_the_create_request() {
        let columns = CsvColumns::parse(&record(&[
            "id",
            "login",
            "profile.costCenter",
            "password",
            "groups",
            "credentials.password.hash.workFactor",
            "status",
        ]))
        .unwrap();
        let row = columns
            .row(&record(&[
                "00u1",
                "a@example.com",
                "CC1",
                "",
                "Eng; Ops ;",
                "10",
                "STAGED",
            ]))
            .unwrap();
        assert_eq!(
            row,
            json!({
                "profile": {"login": "a@example.com", "costCenter": "CC1"},
                "groups": ["Eng", "Ops"],
                "credentials": {"password": {"hash": {"workFactor": 10}}},
                "status": "STAGED",
            })
        );
    }

    #[test]
    fn bad_headers_and_cells_are_reported() {
        assert!(CsvColumns::parse(&record(&["login", "login"])).is_err());
        assert!(CsvColumns::parse(&record(&["foo.bar"])).is_err());
        assert!(CsvColumns::parse(&record(&["profile..x"])).is_err());
        let columns =
            CsvColumns::parse(&record(&["login", "credentials.password.hash.keySize"])).unwrap();
        assert!(columns.row(&record(&["a", "big"])).is_err());
        assert!(columns.row(&record(&["a"])).is_err());
    }

    #[test]
    fn an_exported_row_reads_back_through_the_import_columns() {
        let keys = vec!["login".to_owned(), "status".to_owned()];
        let creds = vec!["credentials.password.hash.algorithm".to_owned()];
        let header = csv_header(&keys, &creds);
        assert_eq!(
            header,
            [
                "id",
                "status",
                "login",
                "profile.status",
                "groups",
                "credentials.password.hash.algorithm"
            ]
        );
        let row = json!({
            "id": "00u1", "status": "ACTIVE",
            "profile": {"login": "a@example.com", "status": "busy"},
            "groups": ["Eng", "Ops"],
            "credentials": {"password": {"hash": {"algorithm": "BCRYPT"}}},
        });
        let cells = csv_cells(&row, &keys, &creds);
        let columns = CsvColumns::parse(&csv::StringRecord::from(header)).unwrap();
        let back = columns.row(&csv::StringRecord::from(cells)).unwrap();
        let mut expected = row.clone();
        expected.as_object_mut().unwrap().remove("id");
        assert_eq!(back, expected);
    }

    #[test]
    fn formats_follow_the_extension_unless_given() {
        assert_eq!(Format::for_path(Path::new("u.CSV"), None), Format::Csv);
        assert_eq!(Format::for_path(Path::new("u.jsonl"), None), Format::Jsonl);
        assert_eq!(
            Format::for_path(Path::new("-"), Some(Format::Csv)),
            Format::Csv
        );
    }
}
