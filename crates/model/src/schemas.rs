//! Profile schemas (schemas.md; the Schema tag of the Management API): the user schema of
//! each user type, the group schema and each app's app-user schema. A schema is the fixed
//! base attributes plus the custom properties an admin declares; every profile write is
//! checked against it.
//!
//! - [`Stored`] is what a schema keeps: its custom properties, each a normalised property
//!   definition, and the changes made to base attributes of a user schema (the SELF
//!   `permissions` of any, whether `firstName`/`lastName` are required, the `login` pattern).
//! - [`apply_update`] reads a partial update (`POST .../meta/schemas/...`): a custom property
//!   given replaces its definition, `null` removes it; base attributes given may change only
//!   what the reference lets them change, anything else differing from the schema is refused.
//! - [`check_profile`] validates a profile: base rules, then each custom property's type,
//!   `required`, lengths, range, `enum`, `pattern` and `format`; a key the schema does not
//!   declare is refused ("Property name '…' is not defined in profile", Okta's cause), unless
//!   the profile held that key with that value before (a value stored before its schema).
//!
//! `unique` is answered as the Management API spec types it, a boolean (`true`), which the
//! SDKs' typed models read; the older reference pages show the status `"UNIQUE_VALIDATED"`,
//! which is accepted on input as `true`. Uniqueness is checked when it is declared, so there
//! is no `PENDING_UNIQUENESS` state.
//!
//! Invariants: a stored definition always has `type` and `title`, `unique` only as `true` on
//! a string, number or integer property of a user or group schema,
//! at most [`MAX_UNIQUE`] unique properties per schema, and the type of a property never
//! changes once declared. A failed update or check is one E0000001 with one cause per fault,
//! each `"<property>: <reason>"`.

use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};

use crate::error::DomainError;
use crate::users::profile::{self, BaseRules};

/// Whose profiles a schema describes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    User,
    Group,
    App,
}

/// Unique properties a user type or the group profile may declare (schemas.md, "Unique
/// attributes").
pub const MAX_UNIQUE: usize = 5;

/// The longest custom property name.
const NAME_MAX: usize = 100;

/// What is kept of one schema.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Stored {
    /// Custom property name → normalised definition.
    #[serde(default)]
    pub custom: Map<String, Value>,
    /// Base attribute name → the changed settings (`permissions`, `required`, `pattern`).
    #[serde(default)]
    pub base: Map<String, Value>,
}

/// The outcome of a partial update.
#[derive(Debug, Clone, PartialEq)]
pub struct Update {
    pub stored: Stored,
    /// Custom properties removed: their values go from every profile of the schema.
    pub removed: Vec<String>,
    /// Properties unique after the update, and which of them became or stopped being so.
    pub unique: Vec<String>,
    pub added_unique: Vec<String>,
    pub dropped_unique: Vec<String>,
}

/// `Err(E0000001)` with the failures (`(summary name, cause)`) when there are any.
pub fn failed(failures: Vec<(String, String)>) -> Result<(), DomainError> {
    let Some((first, _)) = failures.first() else {
        return Ok(());
    };
    Err(DomainError::Validation {
        summary: first.clone(),
        causes: failures.into_iter().map(|(_, cause)| cause).collect(),
    })
}

/// Names of the unique properties of a schema.
pub fn unique_names(stored: &Stored) -> Vec<String> {
    stored
        .custom
        .iter()
        .filter(|(_, def)| def.get("unique") == Some(&Value::Bool(true)))
        .map(|(name, _)| name.clone())
        .collect()
}

/// Custom properties that hold one string wherever they are set: declared `string` in some
/// of `schemas` and as nothing else in any (a profile write is checked against its type's
/// schema, so a user of a type without the property does not have it). Sorted.
pub fn text_names<'a>(schemas: impl IntoIterator<Item = &'a Stored>) -> Vec<String> {
    let mut kinds: std::collections::BTreeMap<&str, bool> = std::collections::BTreeMap::new();
    for stored in schemas {
        for (name, def) in &stored.custom {
            let is_text = def.get("type").and_then(Value::as_str) == Some("string");
            kinds
                .entry(name.as_str())
                .and_modify(|all| *all &= is_text)
                .or_insert(is_text);
        }
    }
    kinds
        .into_iter()
        .filter(|(_, all)| *all)
        .map(|(name, _)| name.to_owned())
        .collect()
}

/// The base attributes of a target's schema, by name, as rendered (with the stored changes).
pub fn base_properties(target: Target, stored: &Stored) -> Map<String, Value> {
    match target {
        Target::User => profile::base_attributes()
            .map(|a| {
                let mut def = object(json!({
                    "title": a.title,
                    "type": "string",
                    "mutability": "READ_WRITE",
                    "scope": "NONE",
                    "permissions": [{ "principal": "SELF", "action": "READ_WRITE" }],
                    "master": { "type": "PROFILE_MASTER" },
                }));
                if a.required {
                    def.insert("required".into(), json!(true));
                }
                if a.min_length > 0 {
                    def.insert("minLength".into(), json!(a.min_length));
                }
                if let Some(max) = a.max_length {
                    def.insert("maxLength".into(), json!(max));
                }
                if a.email {
                    def.insert("format".into(), json!("email"));
                }
                if a.name == "login" {
                    def.insert("unique".into(), json!(true));
                    def.insert("pattern".into(), Value::Null);
                }
                if let Some(Value::Object(changed)) = stored.base.get(a.name) {
                    for (key, value) in changed {
                        def.insert(key.clone(), value.clone());
                    }
                    if def.get("required") == Some(&json!(false)) {
                        def.remove("required");
                    }
                }
                let def = Value::Object(def);
                (a.name.to_owned(), def)
            })
            .collect(),
        Target::Group => [
            ("name", "Name", 255, true),
            ("description", "Description", 1024, false),
        ]
        .into_iter()
        .map(|(name, title, max, required)| {
            let mut def = object(json!({
                "title": title,
                "description": title,
                "type": "string",
                "maxLength": max,
                "mutability": "READ_WRITE",
                "scope": "NONE",
                "permissions": [{ "principal": "SELF", "action": "READ_WRITE" }],
                "master": { "type": "PROFILE_MASTER" },
            }));
            if required {
                def.insert("required".into(), json!(true));
            }
            (name.to_owned(), Value::Object(def))
        })
        .collect(),
        Target::App => [(
            "userName".to_owned(),
            json!({
                "title": "Username",
                "type": "string",
                "required": true,
                "scope": "NONE",
                "maxLength": 100,
                "master": { "type": "PROFILE_MASTER" },
            }),
        )]
        .into_iter()
        .collect(),
    }
}

/// The `definitions` of a schema document: `base` and `custom`, each with its `required`
/// list.
pub fn definitions(target: Target, stored: &Stored) -> Value {
    let subschema = |id: &str, properties: &Map<String, Value>| {
        let required: Vec<&String> = properties
            .iter()
            .filter(|(_, def)| def.get("required") == Some(&Value::Bool(true)))
            .map(|(name, _)| name)
            .collect();
        json!({ "id": id, "type": "object", "properties": properties, "required": required })
    };
    let base = base_properties(target, stored);
    let mut base_schema = object(subschema("#base", &base));
    if target == Target::User {
        // The reference lists the required base attributes in schema order.
        let required: Vec<&str> = profile::base_attributes()
            .filter(|a| {
                base.get(a.name)
                    .and_then(|d| d.get("required"))
                    .is_some_and(|r| r == &Value::Bool(true))
            })
            .map(|a| a.name)
            .collect();
        base_schema.insert("required".into(), json!(required));
    }
    let base = Value::Object(base_schema);
    json!({ "base": base, "custom": subschema("#custom", &stored.custom) })
}

/// The base rules of a user schema.
pub fn base_rules(stored: &Stored) -> BaseRules {
    let changed = |name: &str, key: &str| stored.base.get(name).and_then(|d| d.get(key));
    let pattern = changed("login", "pattern").and_then(Value::as_str);
    BaseRules {
        any_login: pattern == Some(".+"),
        login_pattern: pattern.filter(|p| *p != ".+").and_then(|p| whole(p).ok()),
        first_name_optional: changed("firstName", "required") == Some(&Value::Bool(false)),
        last_name_optional: changed("lastName", "required") == Some(&Value::Bool(false)),
    }
}

/// `pattern` compiled to match a whole value.
fn whole(pattern: &str) -> Result<regex::Regex, regex::Error> {
    regex::RegexBuilder::new(&format!("^(?:{pattern})$"))
        .size_limit(1 << 20)
        .build()
}

/// Applies a partial update body (`{"definitions": {"custom": …, "base": …}}`) to `current`.
pub fn apply_update(target: Target, current: &Stored, body: &Value) -> Result<Update, DomainError> {
    let mut failures: Vec<(String, String)> = Vec::new();
    let Some(definitions) = body.get("definitions").and_then(Value::as_object) else {
        return Err(invalid(
            "definitions",
            "definitions: The field cannot be left blank",
        ));
    };
    let mut stored = current.clone();
    let mut removed = Vec::new();
    let base_names = base_properties(target, current);

    let section = |name: &str| -> Result<Option<&Map<String, Value>>, DomainError> {
        match definitions.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(sub) => match sub.get("properties") {
                None | Some(Value::Null) => Ok(None),
                Some(Value::Object(props)) => Ok(Some(props)),
                Some(_) => Err(invalid(
                    "definitions",
                    format!("definitions.{name}.properties: The value must be an object"),
                )),
            },
        }
    };

    if let Some(custom) = section("custom")? {
        for (name, def) in custom {
            if def.is_null() {
                if stored.custom.remove(name).is_some() {
                    removed.push(name.clone());
                }
                continue;
            }
            if let Some(reason) = name_fault(name) {
                failures.push((name.clone(), format!("{name}: {reason}")));
                continue;
            }
            if base_names.contains_key(name) {
                failures.push((
                    name.clone(),
                    format!(
                        "{name}: A base property has this name; a custom property needs its own"
                    ),
                ));
                continue;
            }
            match normalize(target, def, current.custom.get(name)) {
                Ok(def) => {
                    stored.custom.insert(name.clone(), def);
                }
                Err(reasons) => failures.extend(
                    reasons
                        .into_iter()
                        .map(|r| (name.clone(), format!("{name}: {r}"))),
                ),
            }
        }
    }

    if let Some(base) = section("base")? {
        // Group and app base attributes cannot be changed whatever is sent (schemas.md,
        // "Group Profile base subschema"); a user schema's may change a few settings.
        if target == Target::User {
            for (name, def) in base {
                let Some(shown) = base_names.get(name) else {
                    failures.push((
                        name.clone(),
                        format!("{name}: Not a property of the base profile"),
                    ));
                    continue;
                };
                match base_change(name, def, shown) {
                    Ok(changed) if changed.is_empty() => {
                        stored.base.remove(name);
                    }
                    Ok(changed) => {
                        stored.base.insert(name.clone(), Value::Object(changed));
                    }
                    Err(reasons) => failures.extend(
                        reasons
                            .into_iter()
                            .map(|r| (name.clone(), format!("{name}: {r}"))),
                    ),
                }
            }
        }
    }

    let unique = unique_names(&stored);
    if unique.len() > MAX_UNIQUE {
        failures.push((
            "unique".into(),
            format!("unique: A profile can have at most {MAX_UNIQUE} unique properties"),
        ));
    }
    failed(failures)?;
    let before = unique_names(current);
    Ok(Update {
        added_unique: unique
            .iter()
            .filter(|n| !before.contains(n))
            .cloned()
            .collect(),
        dropped_unique: before
            .iter()
            .filter(|n| !unique.contains(n) && !removed.contains(n))
            .cloned()
            .collect(),
        unique,
        removed,
        stored,
    })
}

/// The object inside `v` (`json!({...})` literals only).
fn object(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn invalid(summary: &str, cause: impl Into<String>) -> DomainError {
    DomainError::Validation {
        summary: summary.into(),
        causes: vec![cause.into()],
    }
}

/// Why a custom property name is not acceptable: it must be a variable name (a letter, then
/// letters, digits and underscores).
fn name_fault(name: &str) -> Option<&'static str> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphabetic());
    if !first_ok || !chars.all(|c| c.is_ascii_alphanumeric() || c == '_') {
        return Some(
            "A property name starts with a letter and has only letters, digits and underscores",
        );
    }
    (name.len() > NAME_MAX).then_some("A property name has at most 100 characters")
}

const TYPES: [&str; 5] = ["string", "boolean", "number", "integer", "array"];
const ITEM_TYPES: [&str; 4] = ["string", "boolean", "number", "integer"];
const FORMATS: [&str; 10] = [
    "uri",
    "date-time",
    "email",
    "ref-id",
    "encrypted",
    "hashed",
    "country-code",
    "language-code",
    "locale",
    "timezone",
];

/// Checks one custom property definition and returns it as stored, with Okta's defaults.
fn normalize(target: Target, def: &Value, existing: Option<&Value>) -> Result<Value, Vec<String>> {
    let Some(def) = def.as_object() else {
        return Err(vec!["A property definition must be an object".into()]);
    };
    let mut faults: Vec<String> = Vec::new();
    let mut out = Map::new();
    let text = |key: &str, faults: &mut Vec<String>| -> Option<String> {
        match def.get(key) {
            None | Some(Value::Null) => None,
            Some(Value::String(s)) => Some(s.clone()),
            Some(_) => {
                faults.push(format!("{key}: The value must be a string"));
                None
            }
        }
    };

    let kind = text("type", &mut faults);
    match kind.as_deref() {
        Some(k) if TYPES.contains(&k) => {
            if let Some(old) = existing.and_then(|e| e.get("type")).and_then(Value::as_str) {
                if old != k {
                    faults.push(format!(
                        "type: The type of a property cannot be changed (it is {old})"
                    ));
                }
            }
            out.insert("type".into(), json!(k));
        }
        Some(other) => faults.push(format!(
            "type: '{other}' is not one of string, boolean, number, integer, array"
        )),
        None => faults.push("type: The field cannot be left blank".into()),
    }
    let kind = kind.unwrap_or_default();
    match text("title", &mut faults) {
        Some(t) if !t.trim().is_empty() => {
            out.insert("title".into(), json!(t));
        }
        _ => faults.push("title: The field cannot be left blank".into()),
    }
    if let Some(d) = text("description", &mut faults) {
        out.insert("description".into(), json!(d));
    }
    match def.get("required") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => {
            out.insert("required".into(), json!(b));
        }
        Some(_) => faults.push("required: The value must be true or false".into()),
    }

    let number = |key: &str, faults: &mut Vec<String>| -> Option<Value> {
        match def.get(key) {
            None | Some(Value::Null) => None,
            Some(v @ Value::Number(_)) => Some(v.clone()),
            Some(_) => {
                faults.push(format!("{key}: The value must be a number"));
                None
            }
        }
    };
    let length = |key: &str, faults: &mut Vec<String>| -> Option<u64> {
        let v = number(key, faults)?;
        match v.as_u64() {
            Some(n) if kind == "string" => Some(n),
            Some(_) => {
                faults.push(format!("{key}: Only a string property has a length"));
                None
            }
            None => {
                faults.push(format!(
                    "{key}: The value must be a whole number, 0 or more"
                ));
                None
            }
        }
    };
    let min_len = length("minLength", &mut faults);
    let max_len = length("maxLength", &mut faults);
    if let (Some(lo), Some(hi)) = (min_len, max_len) {
        if lo > hi {
            faults.push("minLength: The minimum length is more than the maximum".into());
        }
    }
    for (key, v) in [("minLength", min_len), ("maxLength", max_len)] {
        if let Some(v) = v {
            out.insert(key.into(), json!(v));
        }
    }
    let bound = |key: &str, faults: &mut Vec<String>| -> Option<Value> {
        let v = number(key, faults)?;
        if kind == "number" || kind == "integer" {
            Some(v)
        } else {
            faults.push(format!(
                "{key}: Only a number or integer property has a range"
            ));
            None
        }
    };
    let lo = bound("minimum", &mut faults);
    let hi = bound("maximum", &mut faults);
    if let (Some(l), Some(h)) = (
        lo.as_ref().and_then(Value::as_f64),
        hi.as_ref().and_then(Value::as_f64),
    ) {
        if l > h {
            faults.push("minimum: The minimum is more than the maximum".into());
        }
    }
    for (key, v) in [("minimum", lo), ("maximum", hi)] {
        if let Some(v) = v {
            out.insert(key.into(), v);
        }
    }

    // Arrays take their element type, enum and oneOf under `items`.
    if kind == "array" {
        let items = def
            .get("items")
            .cloned()
            .unwrap_or(json!({ "type": "string" }));
        match items.get("type").and_then(Value::as_str) {
            Some(t) if ITEM_TYPES.contains(&t) => {
                let mut item = Map::new();
                item.insert("type".into(), json!(t));
                if let Some(values) = items.get("enum").filter(|v| !v.is_null()) {
                    match enumeration(values, items.get("oneOf"), t) {
                        Ok((e, one_of)) => {
                            item.insert("enum".into(), e);
                            if let Some(o) = one_of {
                                item.insert("oneOf".into(), o);
                            }
                        }
                        Err(r) => faults.push(format!("items.{r}")),
                    }
                }
                out.insert("items".into(), Value::Object(item));
            }
            _ => faults
                .push("items.type: An array's items are string, boolean, number or integer".into()),
        }
    } else if def.get("items").is_some_and(|v| !v.is_null()) {
        faults.push("items: Only an array property has items".into());
    }
    if kind != "array" {
        if let Some(values) = def.get("enum").filter(|v| !v.is_null()) {
            match enumeration(values, def.get("oneOf"), &kind) {
                Ok((e, one_of)) => {
                    out.insert("enum".into(), e);
                    if let Some(o) = one_of {
                        out.insert("oneOf".into(), o);
                    }
                }
                Err(r) => faults.push(r),
            }
        } else if def.get("oneOf").is_some_and(|v| !v.is_null()) {
            faults.push("oneOf: oneOf names the values of an enum, which is missing".into());
        }
    }

    if let Some(p) = text("pattern", &mut faults) {
        if kind != "string" {
            faults.push("pattern: Only a string property has a pattern".into());
        } else if let Err(e) = whole(&p) {
            faults.push(format!("pattern: Not a valid regular expression ({e})"));
        } else {
            out.insert("pattern".into(), json!(p));
        }
    }
    if let Some(f) = text("format", &mut faults) {
        if !FORMATS.contains(&f.as_str()) {
            faults.push(format!("format: '{f}' is not a supported format"));
        } else if kind != "string" {
            faults.push("format: Only a string property has a format".into());
        } else {
            out.insert("format".into(), json!(f));
        }
    }

    match def.get("unique") {
        None | Some(Value::Null) | Some(Value::Bool(false)) => {}
        Some(Value::String(s)) if s == "NOT_UNIQUE" => {}
        Some(Value::Bool(true)) => {
            unique(target, &kind, &mut out, &mut faults);
        }
        Some(Value::String(s)) if s == "UNIQUE_VALIDATED" || s == "PENDING_UNIQUENESS" => {
            unique(target, &kind, &mut out, &mut faults);
        }
        Some(_) => faults.push("unique: The value must be true or false".into()),
    }

    if target != Target::App {
        let permissions = match def.get("permissions") {
            None | Some(Value::Null) => Ok(json!([{ "principal": "SELF", "action": "READ_ONLY" }])),
            Some(p) => permissions(p),
        };
        match permissions {
            Ok(p) => {
                out.insert("permissions".into(), p);
            }
            Err(r) => faults.push(r),
        }
        match def.get("master") {
            None | Some(Value::Null) => {
                out.insert("master".into(), json!({ "type": "PROFILE_MASTER" }));
            }
            Some(m) => match m.get("type").and_then(Value::as_str) {
                Some("PROFILE_MASTER" | "OKTA" | "OVERRIDE") => {
                    out.insert("master".into(), m.clone());
                }
                _ => faults
                    .push("master.type: The value must be PROFILE_MASTER, OKTA or OVERRIDE".into()),
            },
        }
    }
    let choice =
        |key: &str, allowed: &[&str], default: Option<&str>, faults: &mut Vec<String>| match text(
            key, faults,
        ) {
            Some(v) if allowed.contains(&v.as_str()) => Some(v),
            Some(v) => {
                faults.push(format!("{key}: '{v}' is not one of {}", allowed.join(", ")));
                None
            }
            None => default.map(str::to_owned),
        };
    if let Some(m) = choice(
        "mutability",
        &["READ_WRITE", "READ_ONLY", "WRITE_ONLY", "IMMUTABLE"],
        Some("READ_WRITE"),
        &mut faults,
    ) {
        out.insert("mutability".into(), json!(m));
    }
    if let Some(s) = choice("scope", &["NONE", "SELF"], Some("NONE"), &mut faults) {
        out.insert("scope".into(), json!(s));
    }
    if let Some(u) = choice("union", &["DISABLE", "ENABLE"], None, &mut faults) {
        out.insert("union".into(), json!(u));
    }
    for key in ["externalName", "externalNamespace"] {
        if let Some(v) = text(key, &mut faults) {
            out.insert(key.into(), json!(v));
        }
    }

    const KNOWN: [&str; 24] = [
        "type",
        "title",
        "description",
        "required",
        "minLength",
        "maxLength",
        "minimum",
        "maximum",
        "enum",
        "oneOf",
        "items",
        "pattern",
        "format",
        "unique",
        "permissions",
        "master",
        "mutability",
        "scope",
        "union",
        "externalName",
        "externalNamespace",
        "id",
        "const",
        "default",
    ];
    for (key, value) in def {
        if !value.is_null() && !KNOWN.contains(&key.as_str()) {
            faults.push(format!("{key}: Not an attribute of a profile property"));
        }
    }
    if faults.is_empty() {
        Ok(Value::Object(out))
    } else {
        Err(faults)
    }
}

fn unique(target: Target, kind: &str, out: &mut Map<String, Value>, faults: &mut Vec<String>) {
    if target == Target::App {
        faults.push("unique: App user properties cannot be unique".into());
    } else if !matches!(kind, "string" | "number" | "integer") {
        faults.push("unique: Only a string, number or integer property can be unique".into());
    } else {
        out.insert("unique".into(), json!(true));
    }
}

/// `enum` (unique values of the property's type) and its `oneOf` display names (the same
/// values in the same order, each with a title).
fn enumeration(
    values: &Value,
    one_of: Option<&Value>,
    kind: &str,
) -> Result<(Value, Option<Value>), String> {
    let Some(list) = values.as_array().filter(|l| !l.is_empty()) else {
        return Err("enum: The value must be a list of at least one value".into());
    };
    let list: Vec<Value> = list.iter().map(unspread).collect();
    let list = &list;
    for (i, v) in list.iter().enumerate() {
        if !matches_type(v, kind) {
            return Err(format!("enum: {v} is not a {kind}"));
        }
        if list.iter().take(i).any(|earlier| earlier == v) {
            return Err(format!("enum: {v} is listed twice"));
        }
    }
    let one_of = match one_of {
        None | Some(Value::Null) => None,
        Some(Value::Array(entries)) => {
            let consts: Vec<Option<&Value>> = entries.iter().map(|e| e.get("const")).collect();
            let titled = entries
                .iter()
                .all(|e| e.get("title").and_then(Value::as_str).is_some());
            if consts.len() != list.len()
                || consts.iter().zip(list).any(|(c, v)| *c != Some(v))
                || !titled
            {
                return Err(
                    "oneOf: Each enum value, in the enum's order, needs one entry with its const and a title"
                        .into(),
                );
            }
            Some(Value::Array(entries.clone()))
        }
        Some(_) => return Err("oneOf: The value must be a list".into()),
    };
    Ok((Value::Array(list.clone()), one_of))
}

/// A string the Node SDK (@okta/okta-sdk-nodejs 7 and 8) sent back spread into an object of
/// its characters (`{"0": "r", "1": "e", "2": "d"}`), as its serialiser does with `enum`
/// values on a get-edit-update of a schema; anything else as it is.
fn unspread(v: &Value) -> Value {
    let Some(fields) = v.as_object().filter(|f| !f.is_empty()) else {
        return v.clone();
    };
    let mut text = String::new();
    for i in 0..fields.len() {
        match fields.get(&i.to_string()).and_then(Value::as_str) {
            Some(c) if c.chars().count() == 1 => text.push_str(c),
            _ => return v.clone(),
        }
    }
    Value::String(text)
}

fn permissions(p: &Value) -> Result<Value, String> {
    let list = p
        .as_array()
        .ok_or_else(|| "permissions: The value must be a list".to_owned())?;
    for entry in list {
        let principal = entry.get("principal").and_then(Value::as_str);
        let action = entry.get("action").and_then(Value::as_str);
        if principal != Some("SELF") {
            return Err("permissions.principal: The only principal is SELF".into());
        }
        if !matches!(action, Some("HIDE" | "READ_ONLY" | "READ_WRITE")) {
            return Err(
                "permissions.action: The value must be HIDE, READ_ONLY or READ_WRITE".into(),
            );
        }
    }
    Ok(p.clone())
}

/// The settings a base attribute's definition changes: `permissions` of any, `required` of
/// `firstName`/`lastName`, `pattern` of `login`. Any other attribute of the definition must be
/// as the schema shows it.
fn base_change(name: &str, def: &Value, shown: &Value) -> Result<Map<String, Value>, Vec<String>> {
    let Some(def) = def.as_object() else {
        return Err(vec!["A property definition must be an object".into()]);
    };
    let mut faults = Vec::new();
    let mut changed = Map::new();
    for (key, value) in def {
        match key.as_str() {
            "permissions" if !value.is_null() => match permissions(value) {
                Ok(p) if p != json!([{ "principal": "SELF", "action": "READ_WRITE" }]) => {
                    changed.insert(key.clone(), p);
                }
                Ok(_) => {}
                Err(r) => faults.push(r),
            },
            "required" if name == "firstName" || name == "lastName" => match value {
                Value::Bool(false) => {
                    changed.insert(key.clone(), json!(false));
                }
                Value::Bool(true) | Value::Null => {}
                _ => faults.push("required: The value must be true or false".into()),
            },
            "pattern" if name == "login" => match value {
                Value::Null => {}
                Value::String(p) if login_pattern_ok(p) => {
                    changed.insert(key.clone(), json!(p));
                }
                _ => faults.push(
                    "pattern: A login pattern is .+ or a character set such as [a-z0-9._-]+".into(),
                ),
            },
            // The request's copy of read-only facts must match them; absent ones are fine.
            _ => {
                let same = match shown.get(key) {
                    Some(v) => v == value || (value.is_null() && v.is_null()),
                    None => value.is_null() || (key == "required" && value == &json!(false)),
                };
                if !same {
                    faults.push(format!(
                        "{key}: This setting of a base property cannot be changed"
                    ));
                }
            }
        }
    }
    if faults.is_empty() {
        Ok(changed)
    } else {
        Err(faults)
    }
}

/// The login patterns the reference allows: `.+`, or `[…]+` (a character set).
fn login_pattern_ok(p: &str) -> bool {
    p == ".+" || (p.starts_with('[') && p.ends_with("]+") && p.len() > 3 && whole(p).is_ok())
}

fn matches_type(v: &Value, kind: &str) -> bool {
    match kind {
        "string" => v.is_string(),
        "boolean" => v.is_boolean(),
        "number" => v.is_number(),
        "integer" => {
            v.as_i64().is_some_and(|n| i32::try_from(n).is_ok())
                || v.as_f64()
                    .is_some_and(|f| f.fract() == 0.0 && f.abs() <= f64::from(i32::MAX))
        }
        _ => false,
    }
}

/// The reason a value breaks a custom property, if it does. `None` and `null` are absent.
fn check_value(def: &Value, value: Option<&Value>) -> Option<String> {
    let kind = def.get("type").and_then(Value::as_str).unwrap_or("string");
    let required = def.get("required") == Some(&Value::Bool(true));
    let value = match value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) if kind == "string" && s.is_empty() => None,
        Some(v) => Some(v),
    };
    let Some(value) = value else {
        return required.then(|| "The field cannot be left blank".into());
    };
    if kind == "array" {
        let Some(items) = value.as_array() else {
            return Some("The value must be an array".into());
        };
        let item = def
            .get("items")
            .cloned()
            .unwrap_or(json!({ "type": "string" }));
        let item_kind = item.get("type").and_then(Value::as_str).unwrap_or("string");
        for v in items {
            if !matches_type(v, item_kind) {
                return Some(format!("Each element must be a {item_kind}"));
            }
            if let Some(Value::Array(allowed)) = item.get("enum") {
                if !allowed.contains(v) {
                    return Some(format!("{v} is not one of the allowed values"));
                }
            }
        }
        if required && items.is_empty() {
            return Some("The field cannot be left blank".into());
        }
        return None;
    }
    if !matches_type(value, kind) {
        let article = if kind == "integer" { "an" } else { "a" };
        return Some(format!("The value must be {article} {kind}"));
    }
    if let Some(Value::Array(allowed)) = def.get("enum") {
        if !allowed.contains(value) {
            return Some("Does not match any of the allowed values".into());
        }
    }
    if let Some(text) = value.as_str() {
        let length = u64::try_from(text.chars().count()).unwrap_or(u64::MAX);
        if let Some(min) = def.get("minLength").and_then(Value::as_u64) {
            if length < min {
                return Some(format!("Must be at least '{min}' characters long."));
            }
        }
        if let Some(max) = def.get("maxLength").and_then(Value::as_u64) {
            if length > max {
                return Some(format!("Cannot be more than '{max}' characters long."));
            }
        }
        if let Some(p) = def.get("pattern").and_then(Value::as_str) {
            if whole(p).is_ok_and(|re| !re.is_match(text)) {
                return Some("Does not match required pattern".into());
            }
        }
        match def.get("format").and_then(Value::as_str) {
            Some("email") if !profile::is_email(text) => {
                return Some("Does not match required pattern".into());
            }
            Some("country-code")
                if !(text.len() == 2 && text.chars().all(|c| c.is_ascii_uppercase())) =>
            {
                return Some("Must be an ISO 3166-1 alpha-2 country code".into());
            }
            _ => {}
        }
    }
    if let Some(n) = value.as_f64() {
        if let Some(min) = def.get("minimum").and_then(Value::as_f64) {
            if n < min {
                return Some(format!("Must be at least {min}"));
            }
        }
        if let Some(max) = def.get("maximum").and_then(Value::as_f64) {
            if n > max {
                return Some(format!("Must be at most {max}"));
            }
        }
    }
    None
}

/// Checks a whole profile (after a merge, for a partial update) against a schema.
/// `previous` is the stored profile it replaces: keys it held with the same value are not
/// refused for being undeclared.
pub fn check_profile(
    target: Target,
    stored: &Stored,
    profile: &Map<String, Value>,
    previous: Option<&Map<String, Value>>,
) -> Result<(), DomainError> {
    let mut failures = match target {
        Target::User => profile::base_failures(profile, &base_rules(stored)),
        Target::Group | Target::App => Vec::new(),
    };
    let base = base_properties(target, stored);
    for (name, def) in &stored.custom {
        if let Some(reason) = check_value(def, profile.get(name)) {
            failures.push((name.clone(), format!("{name}: {reason}")));
        }
    }
    for (name, value) in profile {
        if base.contains_key(name) || stored.custom.contains_key(name) || value.is_null() {
            continue;
        }
        let kept = previous.and_then(|p| p.get(name)) == Some(value);
        if !kept {
            failures.push((
                name.clone(),
                format!("Property name '{name}' is not defined in profile"),
            ));
        }
    }
    failed(failures)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    fn causes(r: Result<impl std::fmt::Debug, DomainError>) -> Vec<String> {
        match r {
            Err(DomainError::Validation { causes, .. }) => causes,
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    fn add(target: Target, current: &Stored, props: Value) -> Result<Update, DomainError> {
        apply_update(
            target,
            current,
            &json!({ "definitions": { "custom": { "properties": props } } }),
        )
    }

    fn user() -> Map<String, Value> {
        map(json!({
            "login": "ada@example.com", "email": "ada@example.com",
            "firstName": "Ada", "lastName": "Lovelace",
        }))
    }

    #[test]
    fn a_property_is_added_with_defaults_changed_and_removed() {
        let up = add(
            Target::User,
            &Stored::default(),
            json!({ "twitter": { "title": "Twitter", "type": "string", "maxLength": 20 } }),
        )
        .unwrap();
        assert_eq!(
            up.stored.custom["twitter"],
            json!({
                "title": "Twitter", "type": "string", "maxLength": 20,
                "mutability": "READ_WRITE", "scope": "NONE",
                "permissions": [{ "principal": "SELF", "action": "READ_ONLY" }],
                "master": { "type": "PROFILE_MASTER" },
            })
        );
        let up = add(
            Target::User,
            &up.stored,
            json!({ "twitter": { "title": "Twitter", "type": "string", "maxLength": 10, "unique": true } }),
        )
        .unwrap();
        assert_eq!(up.stored.custom["twitter"]["maxLength"], 10);
        assert_eq!(up.added_unique, ["twitter"]);
        let gone = add(Target::User, &up.stored, json!({ "twitter": null })).unwrap();
        assert!(gone.stored.custom.is_empty());
        assert_eq!(gone.removed, ["twitter"]);
        assert!(
            gone.dropped_unique.is_empty(),
            "removed, not merely made non-unique"
        );
    }

    #[test]
    fn bad_definitions_get_one_cause_each() {
        let c = causes(add(
            Target::User,
            &Stored::default(),
            json!({
                "9lives": { "title": "x", "type": "string" },
                "email": { "title": "x", "type": "string" },
                "size": { "title": "Size", "type": "string", "enum": ["S", "S"] },
                "age": { "title": "Age", "type": "integer", "minLength": 1 },
                "tags": { "title": "Tags", "type": "array", "unique": true },
            }),
        ));
        assert_eq!(c.len(), 5, "{c:?}");
        assert!(c.iter().any(|c| c.starts_with("9lives: A property name")));
        assert!(c.iter().any(|c| c.starts_with("email: A base property")));
        assert!(
            c.contains(&"size: enum: \"S\" is listed twice".to_owned()),
            "{c:?}"
        );
        assert!(c.contains(&"age: minLength: Only a string property has a length".to_owned()));
        assert!(c.iter().any(|c| c.starts_with("tags: unique:")));
    }

    #[test]
    fn a_type_never_changes_and_six_unique_properties_are_too_many() {
        let up = add(
            Target::Group,
            &Stored::default(),
            json!({ "n": { "title": "N", "type": "integer" } }),
        )
        .unwrap();
        let c = causes(add(
            Target::Group,
            &up.stored,
            json!({ "n": { "title": "N", "type": "string" } }),
        ));
        assert_eq!(
            c,
            ["n: type: The type of a property cannot be changed (it is integer)"]
        );
        let six: Map<String, Value> = (0..6)
            .map(|i| {
                (
                    format!("u{i}"),
                    json!({ "title": "U", "type": "string", "unique": true }),
                )
            })
            .collect();
        let c = causes(add(Target::User, &Stored::default(), Value::Object(six)));
        assert_eq!(
            c,
            ["unique: A profile can have at most 5 unique properties"]
        );
    }

    #[test]
    fn profiles_are_checked_against_custom_properties() {
        let up = add(
            Target::User,
            &Stored::default(),
            json!({
                "code": { "title": "Code", "type": "string", "minLength": 2, "maxLength": 4, "required": true },
                "size": { "title": "Size", "type": "string", "enum": ["S", "M"],
                          "oneOf": [{ "const": "S", "title": "Small" }, { "const": "M", "title": "Medium" }] },
                "level": { "title": "Level", "type": "integer", "minimum": 1, "maximum": 9 },
                "vip": { "title": "VIP", "type": "boolean" },
                "tags": { "title": "Tags", "type": "array", "items": { "type": "string", "enum": ["a", "b"] } },
            }),
        )
        .unwrap();
        let s = up.stored;
        let mut p = user();
        p.insert("code".into(), json!("AB"));
        assert_eq!(check_profile(Target::User, &s, &p, None), Ok(()));
        for (key, value, reason) in [
            (
                "code",
                json!("A"),
                "code: Must be at least '2' characters long.",
            ),
            ("code", json!(""), "code: The field cannot be left blank"),
            (
                "size",
                json!("XL"),
                "size: Does not match any of the allowed values",
            ),
            ("level", json!(10), "level: Must be at most 9"),
            ("level", json!(1.5), "level: The value must be an integer"),
            ("vip", json!("yes"), "vip: The value must be a boolean"),
            (
                "tags",
                json!(["a", "c"]),
                "tags: \"c\" is not one of the allowed values",
            ),
            (
                "other",
                json!(1),
                "Property name 'other' is not defined in profile",
            ),
        ] {
            let mut bad = p.clone();
            bad.insert(key.into(), value.clone());
            assert_eq!(
                causes(check_profile(Target::User, &s, &bad, None)),
                [reason],
                "{key} = {value}"
            );
        }
        // An undeclared value stored before is kept through later updates.
        let mut old = p.clone();
        old.insert("legacy".into(), json!("x"));
        assert_eq!(check_profile(Target::User, &s, &old, Some(&old)), Ok(()));
    }

    #[test]
    fn enum_values_spread_by_the_node_sdk_are_read_back_as_strings() {
        let up = add(
            Target::User,
            &Stored::default(),
            json!({ "c": { "title": "C", "type": "string",
                           "enum": [{ "0": "r", "1": "e", "2": "d" }, "blue"] } }),
        )
        .unwrap();
        assert_eq!(up.stored.custom["c"]["enum"], json!(["red", "blue"]));
        let c = causes(add(
            Target::User,
            &Stored::default(),
            json!({ "c": { "title": "C", "type": "string", "enum": [{ "a": "b" }] } }),
        ));
        assert_eq!(c, ["c: enum: {\"a\":\"b\"} is not a string"]);
    }

    #[test]
    fn base_settings_change_only_where_the_reference_allows() {
        let body = json!({ "definitions": { "base": { "properties": {
            "firstName": { "title": "First name", "type": "string", "required": false,
                           "permissions": [{ "principal": "SELF", "action": "READ_ONLY" }] },
            "login": { "pattern": ".+" },
        } } } });
        let up = apply_update(Target::User, &Stored::default(), &body).unwrap();
        let rules = base_rules(&up.stored);
        assert!(rules.first_name_optional && rules.any_login);
        let mut p = user();
        p.remove("firstName");
        p.insert("login".into(), json!("ada"));
        assert_eq!(check_profile(Target::User, &up.stored, &p, None), Ok(()));
        let defs = definitions(Target::User, &up.stored);
        assert_eq!(
            defs["base"]["required"],
            json!(["login", "lastName", "email"])
        );
        assert_eq!(
            defs["base"]["properties"]["firstName"]["permissions"][0]["action"],
            "READ_ONLY"
        );
        let bad = json!({ "definitions": { "base": { "properties": {
            "email": { "required": false, "maxLength": 5 },
            "login": { "pattern": "(a|b)*" },
        } } } });
        let c = causes(apply_update(Target::User, &Stored::default(), &bad));
        assert_eq!(c.len(), 3, "{c:?}");
        let charset = json!({ "definitions": { "base": { "properties": {
            "login": { "pattern": "[a-z.]+" } } } } });
        let up = apply_update(Target::User, &Stored::default(), &charset).unwrap();
        let mut p = user();
        p.insert("login".into(), json!("ada.l"));
        assert_eq!(check_profile(Target::User, &up.stored, &p, None), Ok(()));
        p.insert("login".into(), json!("Ada.L"));
        assert_eq!(
            causes(check_profile(Target::User, &up.stored, &p, None)),
            ["login: Does not match required pattern"]
        );
    }
}
