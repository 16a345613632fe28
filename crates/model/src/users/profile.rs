//! The user profile (users.md, "Profile object", "Default Profile properties", "Okta login",
//! "Custom Profile properties"; `UserProfile` in the Management OpenAPI spec; schemas.md,
//! "Login pattern validation"; users.md, "Get User with Login Shortname").
//!
//! - [`base_failures`] checks the base attributes: `login`, `email`, `firstName` and
//!   `lastName` are required (a schema may make the two names optional); `login` must be
//!   email-shaped unless the schema sets a login pattern (a null pattern means "an email
//!   address"); `email` and `secondEmail` are email-shaped; lengths are the reference's
//!   `minLength`/`maxLength`. Custom attributes are the schema's business
//!   (`crate::schemas::check_profile`); [`validate`] is the check without a schema.
//! - [`merge`] is the partial update (POST): top-level keys replace, `null` removes.
//!   [`replace`] is the full update (PUT): the body is the whole profile.
//! - [`login_lower`] is the key logins are unique under: Okta treats logins that differ only in
//!   case or diacritical marks as the same.
//! - [`LoginLookup`] resolves an `{idOrLogin}` path key that is not an id: a login, else a
//!   login shortname when it names exactly one user.
//!
//! Invariants: a failed validation is one `DomainError::Validation` (E0000001) whose summary is
//! the first failing attribute and which has one cause per failing attribute, each
//! `"<attribute>: <reason>"`, in the order of the default schema, then custom keys.
//!
//! Where the reasons' wording comes from: "The field cannot be left blank" is the spec's
//! wording for a missing required field (its E0000001 examples); the users reference gives no
//! text for a malformed login or email, so those are the texts Okta is observed to answer
//! ("Username must be in the form of an email address", "Does not match required pattern");
//! length reasons follow Okta's documented length messages for another field (apps.md,
//! `client_secret`); the two type reasons are Latchkey's own.

use serde_json::{Map, Value};

use crate::error::DomainError;

/// How an attribute's string value is checked beyond its length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Text,
    /// The default login pattern: an email address.
    Login,
    Email,
}

/// One attribute of the default (`#base`) user schema.
struct Attribute {
    name: &'static str,
    title: &'static str,
    required: bool,
    min: usize,
    max: Option<usize>,
    format: Format,
}

const fn attr(name: &'static str, title: &'static str, max: Option<usize>) -> Attribute {
    Attribute {
        name,
        title,
        required: false,
        min: 0,
        max,
        format: Format::Text,
    }
}

/// The default profile, in the order of the reference's table (required ones first, as the
/// default schema's `required` list has them). Lengths: users.md "Default Profile properties"
/// and the spec's `UserProfile`.
const BASE: &[Attribute] = &[
    Attribute {
        name: "login",
        title: "Username",
        required: true,
        min: 5,
        max: Some(100),
        format: Format::Login,
    },
    Attribute {
        name: "firstName",
        title: "First name",
        required: true,
        min: 1,
        max: Some(50),
        format: Format::Text,
    },
    Attribute {
        name: "lastName",
        title: "Last name",
        required: true,
        min: 1,
        max: Some(50),
        format: Format::Text,
    },
    Attribute {
        name: "email",
        title: "Primary email",
        required: true,
        min: 5,
        max: Some(100),
        format: Format::Email,
    },
    Attribute {
        name: "secondEmail",
        title: "Secondary email",
        required: false,
        min: 5,
        max: Some(100),
        format: Format::Email,
    },
    attr("middleName", "Middle name", None),
    attr("honorificPrefix", "Honorific prefix", None),
    attr("honorificSuffix", "Honorific suffix", None),
    attr("title", "Title", None),
    attr("displayName", "Display name", None),
    attr("nickName", "Nickname", None),
    attr("profileUrl", "Profile Url", None),
    attr("primaryPhone", "Primary phone", Some(100)),
    attr("mobilePhone", "Mobile phone", Some(100)),
    attr("streetAddress", "Street address", Some(1024)),
    attr("city", "City", Some(128)),
    attr("state", "State", Some(128)),
    attr("zipCode", "Zip code", Some(50)),
    attr("countryCode", "Country code", Some(2)),
    attr("postalAddress", "Postal Address", Some(4096)),
    attr("preferredLanguage", "Preferred language", None),
    attr("locale", "Locale", None),
    attr("timezone", "Time zone", None),
    attr("userType", "User type", None),
    attr("employeeNumber", "Employee number", None),
    attr("costCenter", "Cost center", None),
    attr("organization", "Organization", None),
    attr("division", "Division", None),
    attr("department", "Department", None),
    attr("managerId", "ManagerId", None),
    attr("manager", "Manager", None),
];

/// True for an attribute of the default profile (as opposed to a custom one).
pub fn is_base_attribute(name: &str) -> bool {
    BASE.iter().any(|a| a.name == name)
}

/// What a schema may change of the base attributes (schemas.md, "User Profile base
/// subschema"): a `login` pattern, and whether `firstName` and `lastName` are required.
#[derive(Debug, Clone, Default)]
pub struct BaseRules {
    /// The login pattern (`None`: an email address), matched against the whole login.
    pub login_pattern: Option<regex::Regex>,
    /// `.+`: any login; the minimum length is not enforced either.
    pub any_login: bool,
    pub first_name_optional: bool,
    pub last_name_optional: bool,
}

/// A base attribute as a schema shows it.
#[derive(Debug, Clone, Copy)]
pub struct BaseAttribute {
    pub name: &'static str,
    pub title: &'static str,
    pub required: bool,
    pub min_length: usize,
    pub max_length: Option<usize>,
    /// An email address (`format: email`).
    pub email: bool,
}

/// The base attributes in the default schema's order.
pub fn base_attributes() -> impl Iterator<Item = BaseAttribute> {
    BASE.iter().map(|a| BaseAttribute {
        name: a.name,
        title: a.title,
        required: a.required,
        min_length: a.min,
        max_length: a.max,
        email: a.format == Format::Email,
    })
}

/// Checks a complete profile (after a merge, for a partial update) against the default
/// schema with no custom attributes declared: the base rules, and any other key holding a
/// custom value. The server checks against the org's stored schema instead
/// (`crate::schemas::check_profile`).
pub fn validate(profile: &Map<String, Value>) -> Result<(), DomainError> {
    let mut failures = base_failures(profile, &BaseRules::default());
    for (name, value) in profile {
        if !is_base_attribute(name) && !is_custom_value(value) {
            failures.push((
                name.clone(),
                format!(
                    "{name}: The value must be a string, number, boolean, null or an array of those"
                ),
            ));
        }
    }
    crate::schemas::failed(failures)
}

/// The failing base attributes of `profile` with their reasons, in schema order.
pub fn base_failures(profile: &Map<String, Value>, rules: &BaseRules) -> Vec<(String, String)> {
    BASE.iter()
        .filter_map(|attribute| {
            check_base(attribute, profile.get(attribute.name), rules).map(|reason| {
                (
                    attribute.name.to_owned(),
                    format!("{}: {reason}", attribute.name),
                )
            })
        })
        .collect()
}

/// The reason a base attribute is invalid, if it is.
fn check_base(attribute: &Attribute, value: Option<&Value>, rules: &BaseRules) -> Option<String> {
    let required = match attribute.name {
        "firstName" => !rules.first_name_optional,
        "lastName" => !rules.last_name_optional,
        _ => attribute.required,
    };
    let text = match value {
        None | Some(Value::Null) => None,
        Some(Value::String(s)) => Some(s.as_str()),
        Some(_) => return Some("The value must be a string".into()),
    };
    // An optional attribute set to "" is treated as unset, as clients send "" for a cleared form
    // field; a required one set to "" or blanks is missing.
    let text = match text {
        Some(t) if !t.trim().is_empty() => t,
        Some(_) | None if required => {
            return Some("The field cannot be left blank".into());
        }
        Some(_) | None => return None,
    };
    match attribute.format {
        Format::Login if rules.any_login => {}
        Format::Login => match &rules.login_pattern {
            Some(pattern) if !pattern.is_match(text) => {
                return Some("Does not match required pattern".into());
            }
            Some(_) => {}
            None if !is_email(text) => {
                return Some("Username must be in the form of an email address".into());
            }
            None => {}
        },
        Format::Email if !is_email(text) => return Some("Does not match required pattern".into()),
        Format::Email | Format::Text => {}
    }
    let name = attribute.name;
    let length = text.chars().count();
    let min = if attribute.format == Format::Login && rules.any_login {
        1
    } else {
        attribute.min
    };
    if length < min {
        return Some(format!(
            "'{name}' must be at least '{min}' characters long."
        ));
    }
    match attribute.max {
        Some(max) if length > max => Some(format!(
            "'{name}' cannot be more than '{max}' characters long."
        )),
        _ => None,
    }
}

/// A custom attribute may be a string, number, boolean or null, or an array of those (Okta's
/// custom attribute types: string, number, integer, boolean, array).
fn is_custom_value(value: &Value) -> bool {
    match value {
        Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_) => true,
        Value::Array(items) => items.iter().all(|v| {
            matches!(
                v,
                Value::Null | Value::Bool(_) | Value::Number(_) | Value::String(_)
            )
        }),
        Value::Object(_) => false,
    }
}

/// An email address as Okta's default login pattern and the `email` format accept it: one `@`,
/// a non-empty local part of dot-separated atoms (RFC 5322 atext, and any non-ASCII character
/// as RFC 6531 allows), and a domain of at least two dot-separated labels of letters, digits
/// and inner hyphens. Quoted local parts and address literals are not accepted.
pub fn is_email(s: &str) -> bool {
    let Some((local, domain)) = s.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local
            .split('.')
            .all(|atom| !atom.is_empty() && atom.chars().all(is_atext));
    let labels: Vec<&str> = domain.split('.').collect();
    let domain_ok = labels.len() >= 2
        && labels.iter().all(|label| {
            !label.is_empty()
                && !label.starts_with('-')
                && !label.ends_with('-')
                && label.chars().all(|c| c == '-' || c.is_alphanumeric())
        });
    local_ok && domain_ok
}

/// RFC 5322 `atext`, widened by RFC 6531 to any non-ASCII character.
fn is_atext(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || "!#$%&'*+-/=?^_`{|}~".contains(c)
        || (!c.is_ascii() && !c.is_whitespace())
}

/// The uniqueness key of a login: lower case, without diacritical marks (users.md, "Okta
/// login": `isáàc.bröck@example.com` and `Isaac.Brock@example.com` are the same login).
/// Marks are removed from the precomposed Latin letters that decompose to a base letter plus
/// marks (Latin-1 Supplement and Latin Extended-A) and as combining characters
/// (U+0300–U+036F); letters that are distinct rather than accented (`ø`, `ł`, `æ`) stay.
pub fn login_lower(login: &str) -> String {
    login
        .chars()
        .flat_map(char::to_lowercase)
        .filter(|c| !('\u{0300}'..='\u{036f}').contains(c))
        .map(strip_mark)
        .collect()
}

/// The base letter of a lower-case Latin letter with diacritical marks.
fn strip_mark(c: char) -> char {
    match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ă' | 'ą' => 'a',
        'ç' | 'ć' | 'ĉ' | 'ċ' | 'č' => 'c',
        'ď' => 'd',
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ĕ' | 'ė' | 'ę' | 'ě' => 'e',
        'ĝ' | 'ğ' | 'ġ' | 'ģ' => 'g',
        'ĥ' => 'h',
        'ì' | 'í' | 'î' | 'ï' | 'ĩ' | 'ī' | 'ĭ' | 'į' => 'i',
        'ĵ' => 'j',
        'ķ' => 'k',
        'ĺ' | 'ļ' | 'ľ' => 'l',
        'ñ' | 'ń' | 'ņ' | 'ň' => 'n',
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ō' | 'ŏ' | 'ő' => 'o',
        'ŕ' | 'ŗ' | 'ř' => 'r',
        'ś' | 'ŝ' | 'ş' | 'š' => 's',
        'ţ' | 'ť' => 't',
        'ù' | 'ú' | 'û' | 'ü' | 'ũ' | 'ū' | 'ŭ' | 'ů' | 'ű' | 'ų' => 'u',
        'ŵ' => 'w',
        'ý' | 'ÿ' | 'ŷ' => 'y',
        'ź' | 'ż' | 'ž' => 'z',
        other => other,
    }
}

/// A partial update (POST `/api/v1/users/{id}`): each top-level key of `partial` replaces the
/// one in `base`; a `null` removes it. Keys not in `partial` are kept.
pub fn merge(base: &Map<String, Value>, partial: &Map<String, Value>) -> Map<String, Value> {
    let mut merged = base.clone();
    for (key, value) in partial {
        if value.is_null() {
            merged.remove(key);
        } else {
            merged.insert(key.clone(), value.clone());
        }
    }
    merged
}

/// A full update (PUT `/api/v1/users/{id}`): `full` is the whole new profile, and a key it
/// omits is gone. `null` values are dropped, so a cleared attribute is stored the same way
/// whichever update cleared it.
pub fn replace(full: &Map<String, Value>) -> Map<String, Value> {
    full.iter()
        .filter(|(_, value)| !value.is_null())
        .map(|(key, value)| (key.clone(), value.clone()))
        .collect()
}

/// The login shortname: the part of a login before its `@` (users.md, "Okta login":
/// `isaac.brock` for `isaac.brock@example.com`). `None` for a login without `@`.
pub fn shortname(login: &str) -> Option<&str> {
    login.rsplit_once('@').map(|(local, _)| local)
}

/// How a `GET /api/v1/users/{idOrLogin}` key that is not a user id finds its user
/// (users.md, "Get User with ID" and "Get User with Login Shortname"):
/// 1. the user whose login is the key, compared as [`login_lower`];
/// 2. failing that, when the key has no `@`, the user whose login shortname is the key —
///    only if exactly one user has that shortname ([`unambiguous`]); otherwise not found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginLookup {
    /// The key as a login uniqueness key.
    pub login_lower: String,
    /// The key as a shortname (normalised like a login), when it can be one.
    pub shortname_lower: Option<String>,
}

impl LoginLookup {
    pub fn parse(key: &str) -> Self {
        let login_lower = login_lower(key);
        let shortname_lower = (!key.is_empty() && !key.contains('@')).then(|| login_lower.clone());
        Self {
            login_lower,
            shortname_lower,
        }
    }

    /// True when `login` has the shortname this key names.
    pub fn matches_shortname(&self, login: &str) -> bool {
        match (&self.shortname_lower, shortname(login)) {
            (Some(wanted), Some(short)) => login_lower(short) == *wanted,
            _ => false,
        }
    }
}

/// The one match of a shortname lookup, or `None` when there is none or more than one (an
/// ambiguous shortname names no user). Callers fetch at least two candidates to tell.
pub fn unambiguous<T>(matches: impl IntoIterator<Item = T>) -> Option<T> {
    let mut matches = matches.into_iter();
    let first = matches.next()?;
    match matches.next() {
        Some(_) => None,
        None => Some(first),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn map(v: Value) -> Map<String, Value> {
        match v {
            Value::Object(m) => m,
            other => panic!("not an object: {other}"),
        }
    }

    fn valid() -> Map<String, Value> {
        map(json!({
            "login": "isaac.brock@example.com",
            "email": "isaac.brock@example.com",
            "firstName": "Isaac",
            "lastName": "Brock",
        }))
    }

    fn causes(profile: &Map<String, Value>) -> (String, Vec<String>) {
        match validate(profile) {
            Err(DomainError::Validation { summary, causes }) => (summary, causes),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn the_minimal_default_profile_is_valid() {
        assert_eq!(validate(&valid()), Ok(()));
    }

    #[test]
    fn every_base_attribute_accepts_a_string_or_null() {
        let mut profile = valid();
        for attribute in BASE.iter().filter(|a| !a.required) {
            profile.insert(attribute.name.into(), Value::Null);
        }
        assert_eq!(validate(&profile), Ok(()));
        profile.insert("secondEmail".into(), json!("isaac@example.org"));
        profile.insert("mobilePhone".into(), json!("+1-555-415-1337"));
        profile.insert("countryCode".into(), json!("US"));
        profile.insert("preferredLanguage".into(), json!("en-US"));
        assert_eq!(validate(&profile), Ok(()));
    }

    #[test]
    fn missing_required_attributes_each_get_a_cause_in_schema_order() {
        let (summary, causes) = causes(&Map::new());
        assert_eq!(summary, "login");
        assert_eq!(
            causes,
            [
                "login: The field cannot be left blank",
                "firstName: The field cannot be left blank",
                "lastName: The field cannot be left blank",
                "email: The field cannot be left blank",
            ]
        );
    }

    #[test]
    fn null_empty_and_blank_required_values_are_missing() {
        for blank in [Value::Null, json!(""), json!("   ")] {
            let mut profile = valid();
            profile.insert("lastName".into(), blank.clone());
            let (summary, causes) = causes(&profile);
            assert_eq!(summary, "lastName", "{blank}");
            assert_eq!(causes, ["lastName: The field cannot be left blank"]);
        }
    }

    #[test]
    fn login_must_be_an_email_address_by_default() {
        for login in [
            "isaac.brock",
            "isaac@brock",
            "test@test@test.com",
            "a b@example.com",
            "@example.com",
            "isaac.@example.com",
            "isaac@-example.com",
        ] {
            let mut profile = valid();
            profile.insert("login".into(), json!(login));
            let (summary, causes) = causes(&profile);
            assert_eq!(summary, "login", "{login}");
            assert_eq!(
                causes,
                ["login: Username must be in the form of an email address"],
                "{login}"
            );
        }
    }

    #[test]
    fn emails_must_be_email_shaped() {
        let mut profile = valid();
        profile.insert("email".into(), json!("not-an-email"));
        profile.insert("secondEmail".into(), json!("also@not"));
        let (summary, causes) = causes(&profile);
        assert_eq!(summary, "email");
        assert_eq!(
            causes,
            [
                "email: Does not match required pattern",
                "secondEmail: Does not match required pattern",
            ]
        );
    }

    #[test]
    fn email_shapes_okta_accepts() {
        for email in [
            "isaac.brock@example.com",
            "Isaac.Brock+okta@sub.example.co.uk",
            "o'neil@example.com",
            "isáàc.bröck@exämple.com",
            "a@b.co",
        ] {
            assert!(is_email(email), "{email}");
        }
    }

    #[test]
    fn an_empty_optional_second_email_is_unset() {
        let mut profile = valid();
        profile.insert("secondEmail".into(), json!(""));
        assert_eq!(validate(&profile), Ok(()));
    }

    #[test]
    fn lengths_follow_the_reference() {
        let long = |n: usize| "x".repeat(n);
        let mut profile = valid();
        profile.insert("firstName".into(), json!(long(50)));
        profile.insert("zipCode".into(), json!(long(50)));
        profile.insert("countryCode".into(), json!("US"));
        assert_eq!(validate(&profile), Ok(()));

        profile.insert("firstName".into(), json!(long(51)));
        profile.insert("lastName".into(), json!("Brock"));
        profile.insert("zipCode".into(), json!(long(51)));
        profile.insert("countryCode".into(), json!("USA"));
        profile.insert("mobilePhone".into(), json!(long(101)));
        profile.insert("city".into(), json!(long(129)));
        profile.insert("streetAddress".into(), json!(long(1025)));
        profile.insert("postalAddress".into(), json!(long(4097)));
        let (summary, causes) = causes(&profile);
        assert_eq!(summary, "firstName");
        assert_eq!(
            causes,
            [
                "firstName: 'firstName' cannot be more than '50' characters long.",
                "mobilePhone: 'mobilePhone' cannot be more than '100' characters long.",
                "streetAddress: 'streetAddress' cannot be more than '1024' characters long.",
                "city: 'city' cannot be more than '128' characters long.",
                "zipCode: 'zipCode' cannot be more than '50' characters long.",
                "countryCode: 'countryCode' cannot be more than '2' characters long.",
                "postalAddress: 'postalAddress' cannot be more than '4096' characters long.",
            ]
        );
    }

    #[test]
    fn login_and_email_lengths() {
        let mut profile = valid();
        let local = "a".repeat(90);
        let long_email = format!("{local}@example.com");
        assert_eq!(long_email.chars().count(), 102);
        profile.insert("login".into(), json!(long_email));
        profile.insert("email".into(), json!(long_email));
        let (_, causes) = causes(&profile);
        assert_eq!(
            causes,
            [
                "login: 'login' cannot be more than '100' characters long.",
                "email: 'email' cannot be more than '100' characters long.",
            ]
        );

        // "a@b.c" is email-shaped and exactly 5 characters: the minimum.
        profile.insert("login".into(), json!("a@b.c"));
        profile.insert("email".into(), json!("a@b.c"));
        assert_eq!(validate(&profile), Ok(()));
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut profile = valid();
        profile.insert("firstName".into(), json!("é".repeat(50)));
        assert_eq!(validate(&profile), Ok(()));
    }

    #[test]
    fn base_attributes_must_be_strings() {
        let mut profile = valid();
        profile.insert("firstName".into(), json!(42));
        profile.insert("title".into(), json!(["Director"]));
        let (summary, causes) = causes(&profile);
        assert_eq!(summary, "firstName");
        assert_eq!(
            causes,
            [
                "firstName: The value must be a string",
                "title: The value must be a string",
            ]
        );
    }

    #[test]
    fn custom_attributes_are_stored_as_given() {
        let mut profile = valid();
        profile.insert("twitterUserName".into(), json!("isaac"));
        profile.insert("employeeCount".into(), json!(42));
        profile.insert("ratio".into(), json!(0.5));
        profile.insert("contractor".into(), json!(true));
        profile.insert(
            "arrayAttr".into(),
            json!(["arrayAttrVal1", "arrayAttrVal2"]),
        );
        profile.insert("nothing".into(), Value::Null);
        assert_eq!(validate(&profile), Ok(()));
    }

    #[test]
    fn custom_objects_and_nested_arrays_are_refused() {
        let mut profile = valid();
        profile.insert("address".into(), json!({ "city": "Paris" }));
        profile.insert("matrix".into(), json!([[1, 2], [3, 4]]));
        let (summary, causes) = causes(&profile);
        assert_eq!(summary, "address");
        assert_eq!(
            causes,
            [
                "address: The value must be a string, number, boolean, null or an array of those",
                "matrix: The value must be a string, number, boolean, null or an array of those",
            ]
        );
    }

    #[test]
    fn base_failures_come_before_custom_ones() {
        let mut profile = valid();
        profile.insert("aaa".into(), json!({}));
        profile.remove("email");
        let (summary, causes) = causes(&profile);
        assert_eq!(summary, "email");
        assert_eq!(causes.len(), 2);
        assert!(causes[1].starts_with("aaa: "));
    }

    #[test]
    fn logins_differing_in_case_or_marks_share_a_key() {
        assert_eq!(
            login_lower("Isaac.Brock@Example.com"),
            "isaac.brock@example.com"
        );
        assert_eq!(
            login_lower("isáàc.bröck@example.com"),
            "isaac.brock@example.com"
        );
        // The same marks as combining characters.
        assert_eq!(
            login_lower("isa\u{0301}ac.bro\u{0308}ck@example.com"),
            "isaac.brock@example.com"
        );
        assert_eq!(
            login_lower("ŽOFIA.ŁUKASIEWICZ@EXAMPLE.COM"),
            "zofia.łukasiewicz@example.com"
        );
        // Distinct letters are not accents.
        assert_ne!(
            login_lower("bjørn@example.com"),
            login_lower("bjorn@example.com")
        );
    }

    #[test]
    fn merge_replaces_given_keys_and_null_clears() {
        let base = map(json!({
            "login": "isaac.brock@example.com",
            "firstName": "Isaac",
            "mobilePhone": "555-0100",
            "nickName": "issac",
        }));
        let partial =
            map(json!({ "nickName": "Amazing", "mobilePhone": null, "title": "Director" }));
        let merged = merge(&base, &partial);
        assert_eq!(
            Value::Object(merged),
            json!({
                "login": "isaac.brock@example.com",
                "firstName": "Isaac",
                "nickName": "Amazing",
                "title": "Director",
            })
        );
    }

    #[test]
    fn merge_replaces_arrays_whole() {
        let base = map(json!({ "arrayAttr": ["a", "b"] }));
        let partial = map(json!({ "arrayAttr": ["c"] }));
        assert_eq!(merge(&base, &partial).get("arrayAttr"), Some(&json!(["c"])));
    }

    #[test]
    fn merge_of_a_required_null_fails_validation() {
        let merged = merge(&valid(), &map(json!({ "firstName": null })));
        let (summary, causes) = causes(&merged);
        assert_eq!(summary, "firstName");
        assert_eq!(causes, ["firstName: The field cannot be left blank"]);
    }

    #[test]
    fn replace_keeps_only_the_body() {
        let full = map(json!({
            "login": "isaac.brock@example.com",
            "email": "isaac.brock@example.com",
            "firstName": "Ada",
            "lastName": "Lovelace",
            "mobilePhone": null,
        }));
        let replaced = replace(&full);
        assert_eq!(replaced.len(), 4);
        assert!(!replaced.contains_key("mobilePhone"));
    }

    #[test]
    fn shortname_is_the_part_before_the_at() {
        assert_eq!(shortname("isaac.brock@example.com"), Some("isaac.brock"));
        assert_eq!(shortname("isaac.brock"), None);
    }

    #[test]
    fn a_key_with_an_at_is_only_a_login() {
        let lookup = LoginLookup::parse("Isaac.Brock@Example.com");
        assert_eq!(lookup.login_lower, "isaac.brock@example.com");
        assert_eq!(lookup.shortname_lower, None);
        assert!(!lookup.matches_shortname("isaac.brock@example.com"));
    }

    #[test]
    fn a_key_without_an_at_is_a_login_or_a_shortname() {
        let lookup = LoginLookup::parse("Isaac.Brock");
        assert_eq!(lookup.login_lower, "isaac.brock");
        assert_eq!(lookup.shortname_lower.as_deref(), Some("isaac.brock"));
        assert!(lookup.matches_shortname("isaac.brock@example.com"));
        assert!(lookup.matches_shortname("ISAAC.BRÖCK@other.example"));
        assert!(!lookup.matches_shortname("isaac.brock2@example.com"));
        assert!(!lookup.matches_shortname("isaac.brock"));
        assert_eq!(LoginLookup::parse("").shortname_lower, None);
    }

    #[test]
    fn only_an_unambiguous_shortname_names_a_user() {
        assert_eq!(unambiguous(Vec::<u8>::new()), None);
        assert_eq!(unambiguous(vec![1]), Some(1));
        assert_eq!(unambiguous(vec![1, 2]), None);
    }
}
