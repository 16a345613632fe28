//! The password policy a new password must meet, until the Policies API lets an admin change it.
//!
//! [`PasswordPolicy::default`] is the default policy of a new Okta org (users.md, "Password
//! object" → "Default Password Policy"): at least 8 characters, one lower-case letter, one
//! upper-case letter, one digit, no symbol, and no part of the sign-in ID. The fields are the
//! complexity settings of a PASSWORD policy (`PasswordPolicyPasswordSettingsComplexity` in the
//! Management OpenAPI spec: `minLength`, `minLowerCase`, `minUpperCase`, `minNumber`,
//! `minSymbol`, `excludeUsername`, `excludeAttributes`), plus `maxLength`, which is not a policy
//! setting but the 72-character limit of the Password object's `value`. Note that the spec's
//! per-field default for `minSymbol` (1) describes a newly created policy, not the org default.
//!
//! "Parts of the sign-in ID": the login split on `,` `.` `_` `#` `@` `-`, keeping parts of at
//! least four characters and leaving out the parent domain (`com` in `isaac.brock@example.com`).
//! Comparisons ignore case. `excludeAttributes` may name `firstName` and `lastName`; the default
//! policy names neither.
//!
//! Wording: a password that breaks any complexity rule gets one cause that lists the whole
//! policy, as Okta's does: "Password requirements were not met. Password requirements: at least
//! 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username."
//! The causes carry no field prefix; the caller adds the one its endpoint uses (`password: `).
//! The classic Authn API words the same list as "Passwords must have ..." (authn.md, "Change
//! password"); [`PasswordPolicy::describe`] gives the list for that.
//!
//! `exclude_common` is the policy's `dictionary.common.exclude`: the password, lower-cased, may
//! not be one of the common passwords shipped in `policy/common_passwords.txt`. Breaking it
//! gets its own cause, as Okta words it.
//!
//! Invariant: [`PasswordPolicy::check`] is `Ok` exactly when [`PasswordPolicy::broken_rules`]
//! is empty.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// The Password object's `maxLength`.
pub const MAX_LENGTH: usize = 72;

/// The separators the sign-in ID is split on to find its parts.
const LOGIN_SEPARATORS: [char; 6] = [',', '.', '_', '#', '@', '-'];

/// Parts of the sign-in ID shorter than this are allowed in a password.
const MIN_LOGIN_PART: usize = 4;

/// The complexity settings of a PASSWORD policy, with Okta's names on the wire.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PasswordPolicy {
    pub min_length: usize,
    /// `0` or `1` in Okta: whether a lower-case letter is required. Read here as a count.
    pub min_lower_case: usize,
    pub min_upper_case: usize,
    pub min_number: usize,
    pub min_symbol: usize,
    pub exclude_username: bool,
    /// Profile attributes whose value may not appear in the password (`firstName`,
    /// `lastName`).
    pub exclude_attributes: Vec<String>,
    /// Not an Okta policy setting: the Password object's limit, kept beside the policy so one
    /// check covers both.
    #[serde(skip, default = "default_max_length")]
    pub max_length: usize,
    /// `dictionary.common.exclude`: refuse the common passwords.
    #[serde(skip)]
    pub exclude_common: bool,
}

fn default_max_length() -> usize {
    MAX_LENGTH
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self {
            min_length: 8,
            min_lower_case: 1,
            min_upper_case: 1,
            min_number: 1,
            min_symbol: 0,
            exclude_username: true,
            exclude_attributes: Vec::new(),
            max_length: MAX_LENGTH,
            exclude_common: false,
        }
    }
}

/// One rule of the policy a password can break.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rule {
    MinLength,
    MinLowerCase,
    MinUpperCase,
    MinNumber,
    MinSymbol,
    /// The password contains the sign-in ID or one of its parts.
    ExcludeUsername,
    /// The password contains the value of this profile attribute.
    ExcludeAttribute(String),
    MaxLength,
    /// The password is a common one (`dictionary.common.exclude`).
    CommonPassword,
}

/// The common-password list, lower-cased (comment lines start with `#`).
const COMMON_PASSWORDS: &str = include_str!("policy/common_passwords.txt");

/// Whether `password` (compared lower-cased) is on the common-password list.
pub fn is_common(password: &str) -> bool {
    let lower = password.to_lowercase();
    COMMON_PASSWORDS
        .lines()
        .filter(|line| !line.starts_with('#'))
        .any(|line| line == lower)
}

/// A symbol is any character that is neither a letter, a digit nor white space
/// (`!@#$%^&*` in Okta's description of `minSymbol`).
fn is_symbol(c: char) -> bool {
    !c.is_alphanumeric() && !c.is_whitespace()
}

impl PasswordPolicy {
    /// The rules `password` breaks, in the order [`Self::requirements`] lists them, then
    /// `MaxLength`.
    pub fn broken_rules(
        &self,
        password: &str,
        login: &str,
        profile: &Map<String, Value>,
    ) -> Vec<Rule> {
        let count = |pred: fn(char) -> bool| password.chars().filter(|&c| pred(c)).count();
        let lower_password = password.to_lowercase();
        let mut broken = Vec::new();
        if password.chars().count() < self.min_length {
            broken.push(Rule::MinLength);
        }
        if count(char::is_lowercase) < self.min_lower_case {
            broken.push(Rule::MinLowerCase);
        }
        if count(char::is_uppercase) < self.min_upper_case {
            broken.push(Rule::MinUpperCase);
        }
        if count(|c| c.is_ascii_digit()) < self.min_number {
            broken.push(Rule::MinNumber);
        }
        if count(is_symbol) < self.min_symbol {
            broken.push(Rule::MinSymbol);
        }
        if self.exclude_username
            && login_parts(login)
                .iter()
                .any(|part| lower_password.contains(part.as_str()))
        {
            broken.push(Rule::ExcludeUsername);
        }
        for attribute in &self.exclude_attributes {
            let value = profile
                .get(attribute)
                .and_then(Value::as_str)
                .map(|v| v.trim().to_lowercase())
                .unwrap_or_default();
            if !value.is_empty() && lower_password.contains(&value) {
                broken.push(Rule::ExcludeAttribute(attribute.clone()));
            }
        }
        if password.chars().count() > self.max_length {
            broken.push(Rule::MaxLength);
        }
        if self.exclude_common && is_common(password) {
            broken.push(Rule::CommonPassword);
        }
        broken
    }

    /// The cause texts for a password that breaks the policy: one listing every requirement
    /// when a complexity rule is broken, and one for a password over the maximum length.
    pub fn check(
        &self,
        password: &str,
        login: &str,
        profile: &Map<String, Value>,
    ) -> Result<(), Vec<String>> {
        let broken = self.broken_rules(password, login, profile);
        let mut causes = Vec::new();
        if broken
            .iter()
            .any(|rule| !matches!(rule, Rule::MaxLength | Rule::CommonPassword))
        {
            causes.push(format!(
                "Password requirements were not met. Password requirements: {}.",
                self.describe()
            ));
        }
        if broken.contains(&Rule::MaxLength) {
            causes.push(format!(
                "Password requirements were not met. Password requirements: maximum {} characters.",
                self.max_length
            ));
        }
        if broken.contains(&Rule::CommonPassword) {
            causes.push(
                "This password was found in a list of commonly used passwords. Please try another password."
                    .to_owned(),
            );
        }
        if causes.is_empty() {
            Ok(())
        } else {
            Err(causes)
        }
    }

    /// The policy's requirements as Okta words them, in Okta's order.
    pub fn requirements(&self) -> Vec<String> {
        let mut list = Vec::new();
        if self.min_length > 0 {
            list.push(format!("at least {} characters", self.min_length));
        }
        if self.min_lower_case > 0 {
            list.push("a lowercase letter".to_owned());
        }
        if self.min_upper_case > 0 {
            list.push("an uppercase letter".to_owned());
        }
        if self.min_number > 0 {
            list.push("a number".to_owned());
        }
        if self.min_symbol > 0 {
            list.push("a symbol".to_owned());
        }
        if self.exclude_username {
            list.push("no parts of your username".to_owned());
        }
        for attribute in &self.exclude_attributes {
            list.push(match attribute.as_str() {
                "firstName" => "does not include your first name".to_owned(),
                "lastName" => "does not include your last name".to_owned(),
                other => format!("does not include your {other}"),
            });
        }
        list
    }

    /// The requirements joined as one phrase: "at least 8 characters, a lowercase letter, ...".
    pub fn describe(&self) -> String {
        self.requirements().join(", ")
    }
}

/// The lower-cased pieces of a sign-in ID a password may not contain: the whole ID, and its
/// parts of at least four characters when split on `, . _ # @ -`, without the parent domain
/// (the last label after the `@`).
pub fn login_parts(login: &str) -> Vec<String> {
    let login = login.trim().to_lowercase();
    if login.is_empty() {
        return Vec::new();
    }
    let without_parent_domain = match login.rsplit_once('@') {
        Some((local, domain)) => match domain.rsplit_once('.') {
            Some((rest, _parent)) => format!("{local}@{rest}"),
            None => login.clone(),
        },
        None => login.clone(),
    };
    let mut parts: Vec<String> = without_parent_domain
        .split(LOGIN_SEPARATORS)
        .filter(|part| part.chars().count() >= MIN_LOGIN_PART)
        .map(str::to_owned)
        .collect();
    parts.push(login);
    parts
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const LOGIN: &str = "isaac.brock@example.com";
    const DEFAULT_CAUSE: &str = "Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username.";

    fn profile() -> Map<String, Value> {
        match json!({ "login": LOGIN, "firstName": "Isaac", "lastName": "Brock" }) {
            Value::Object(m) => m,
            _ => unreachable!(),
        }
    }

    fn broken(policy: &PasswordPolicy, password: &str) -> Vec<Rule> {
        policy.broken_rules(password, LOGIN, &profile())
    }

    #[test]
    fn the_default_is_okta_s_default_policy() {
        let p = PasswordPolicy::default();
        assert_eq!(
            (
                p.min_length,
                p.min_lower_case,
                p.min_upper_case,
                p.min_number,
                p.min_symbol
            ),
            (8, 1, 1, 1, 0)
        );
        assert!(p.exclude_username);
        assert!(p.exclude_attributes.is_empty());
        assert_eq!(p.max_length, 72);
    }

    #[test]
    fn a_password_meeting_the_default_policy_passes() {
        let p = PasswordPolicy::default();
        assert_eq!(p.check("Tr0ub4dor&3Zebra", LOGIN, &profile()), Ok(()));
        assert_eq!(p.check("uTVM,TPw55", LOGIN, &profile()), Ok(()));
        assert_eq!(p.check("Abcdefg1", LOGIN, &profile()), Ok(()));
    }

    #[test]
    fn each_default_rule_alone() {
        let p = PasswordPolicy::default();
        assert_eq!(broken(&p, "Abcdef1"), [Rule::MinLength]);
        assert_eq!(broken(&p, "ABCDEFG1"), [Rule::MinLowerCase]);
        assert_eq!(broken(&p, "abcdefg1"), [Rule::MinUpperCase]);
        assert_eq!(broken(&p, "Abcdefgh"), [Rule::MinNumber]);
        assert_eq!(broken(&p, "brockR0cks!"), [Rule::ExcludeUsername]);
        assert_eq!(
            broken(&p, &format!("Aa1{}", "x".repeat(70))),
            [Rule::MaxLength]
        );
        assert!(broken(&p, &format!("Aa1{}", "x".repeat(69))).is_empty());
    }

    #[test]
    fn no_symbol_is_required_by_default_but_can_be() {
        let mut p = PasswordPolicy::default();
        assert!(broken(&p, "Abcdefg1").is_empty());
        p.min_symbol = 1;
        assert_eq!(broken(&p, "Abcdefg1"), [Rule::MinSymbol]);
        assert!(broken(&p, "Abcdefg1!").is_empty());
        assert!(
            broken(&p, "Abcdefg1 ").contains(&Rule::MinSymbol),
            "a space is not a symbol"
        );
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let p = PasswordPolicy::default();
        assert_eq!(
            broken(&p, "brock"),
            [
                Rule::MinLength,
                Rule::MinUpperCase,
                Rule::MinNumber,
                Rule::ExcludeUsername
            ]
        );
    }

    #[test]
    fn username_parts_follow_the_reference() {
        assert_eq!(
            login_parts(LOGIN),
            ["isaac", "brock", "example", "isaac.brock@example.com"]
        );
        // Parts under four characters do not count.
        assert_eq!(login_parts("al.bo@ex.io"), ["al.bo@ex.io"]);
        // Every separator splits; the parent domain is never a part.
        assert_eq!(
            login_parts("first,second_third#fourth-fifth@corp.online"),
            [
                "first",
                "second",
                "third",
                "fourth",
                "fifth",
                "corp",
                "first,second_third#fourth-fifth@corp.online"
            ]
        );
        // A login that is not an email address has no parent domain.
        assert_eq!(
            login_parts("isaac.brock"),
            ["isaac", "brock", "isaac.brock"]
        );
        assert!(login_parts("").is_empty());
    }

    #[test]
    fn username_parts_match_case_insensitively_and_short_parts_are_allowed() {
        let p = PasswordPolicy::default();
        assert_eq!(broken(&p, "ISAACrules9"), [Rule::ExcludeUsername]);
        assert_eq!(broken(&p, "Example2024"), [Rule::ExcludeUsername]);
        // "com", the parent domain, and three-letter pieces are fine.
        assert!(broken(&p, "Dotcom2024").is_empty());
        assert!(broken(&p, "Isa-Bro-9x").is_empty());
        let short =
            PasswordPolicy::default().broken_rules("Al.bo@ex.io1", "al.bo@ex.io", &Map::new());
        assert_eq!(
            short,
            [Rule::ExcludeUsername],
            "the whole login still counts"
        );
        assert!(PasswordPolicy::default()
            .broken_rules("Alboexio1", "al.bo@ex.io", &Map::new())
            .is_empty());
    }

    #[test]
    fn username_exclusion_can_be_turned_off() {
        let p = PasswordPolicy {
            exclude_username: false,
            ..PasswordPolicy::default()
        };
        assert!(broken(&p, "brockR0cks!").is_empty());
        assert_eq!(
            p.check("short", LOGIN, &profile()).unwrap_err(),
            ["Password requirements were not met. Password requirements: at least 8 characters, a lowercase letter, an uppercase letter, a number."]
        );
    }

    #[test]
    fn excluded_attributes() {
        let p = PasswordPolicy {
            exclude_username: false,
            exclude_attributes: vec!["firstName".into(), "lastName".into()],
            ..PasswordPolicy::default()
        };
        assert_eq!(
            broken(&p, "xISAACx12Q"),
            [Rule::ExcludeAttribute("firstName".into())]
        );
        assert_eq!(
            broken(&p, "Isaac-Brock-1"),
            [
                Rule::ExcludeAttribute("firstName".into()),
                Rule::ExcludeAttribute("lastName".into())
            ]
        );
        // A missing or empty attribute excludes nothing.
        let none = p.broken_rules("Isaac-Brock-1", LOGIN, &Map::new());
        assert!(none.is_empty());
    }

    #[test]
    fn the_default_wording() {
        let p = PasswordPolicy::default();
        assert_eq!(
            p.describe(),
            "at least 8 characters, a lowercase letter, an uppercase letter, a number, no parts of your username"
        );
        for bad in ["short", "alllowercase1", "brockR0cks!", ""] {
            assert_eq!(
                p.check(bad, LOGIN, &profile()).unwrap_err(),
                [DEFAULT_CAUSE],
                "{bad:?}"
            );
        }
    }

    #[test]
    fn the_full_wording_lists_every_setting_in_okta_s_order() {
        let p = PasswordPolicy {
            min_length: 12,
            min_symbol: 1,
            exclude_attributes: vec!["firstName".into(), "lastName".into()],
            ..PasswordPolicy::default()
        };
        assert_eq!(
            p.check("x", LOGIN, &profile()).unwrap_err(),
            ["Password requirements were not met. Password requirements: at least 12 characters, a lowercase letter, an uppercase letter, a number, a symbol, no parts of your username, does not include your first name, does not include your last name."]
        );
    }

    #[test]
    fn too_long_has_its_own_cause() {
        let p = PasswordPolicy::default();
        let long = format!("Aa1{}", "x".repeat(70));
        assert_eq!(
            p.check(&long, LOGIN, &profile()).unwrap_err(),
            ["Password requirements were not met. Password requirements: maximum 72 characters."]
        );
        let long_and_weak = "x".repeat(80);
        assert_eq!(
            p.check(&long_and_weak, LOGIN, &profile())
                .unwrap_err()
                .len(),
            2
        );
    }

    #[test]
    fn common_passwords_are_refused_only_when_the_dictionary_is_on() {
        let mut p = PasswordPolicy {
            min_upper_case: 0,
            min_number: 0,
            ..PasswordPolicy::default()
        };
        assert!(broken(&p, "sunshine").is_empty());
        p.exclude_common = true;
        assert_eq!(broken(&p, "sunshine"), [Rule::CommonPassword]);
        assert_eq!(
            broken(&p, "SunShine"),
            [Rule::CommonPassword],
            "ignores case"
        );
        assert!(broken(&p, "sunshine-lantern-9").is_empty());
        assert_eq!(
            p.check("password", LOGIN, &profile()).unwrap_err(),
            ["This password was found in a list of commonly used passwords. Please try another password."]
        );
        assert!(is_common("123456") && is_common("qwerty") && !is_common("# The 3,000"));
    }

    #[test]
    fn lengths_count_characters() {
        let p = PasswordPolicy::default();
        assert!(broken(&p, "Ééééé1a").contains(&Rule::MinLength));
        assert!(broken(&p, "Éééééé1a").is_empty());
    }

    #[test]
    fn serde_uses_okta_names_and_skips_max_length() {
        let json = serde_json::to_value(PasswordPolicy::default()).unwrap();
        assert_eq!(
            json,
            json!({
                "minLength": 8,
                "minLowerCase": 1,
                "minUpperCase": 1,
                "minNumber": 1,
                "minSymbol": 0,
                "excludeUsername": true,
                "excludeAttributes": [],
            })
        );
        let back: PasswordPolicy = serde_json::from_value(json).unwrap();
        assert_eq!(back, PasswordPolicy::default());
    }
}
