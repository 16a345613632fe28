//! Table tests for conditions, evaluation, settings and lockout.

use serde_json::json;

use super::eval::{evaluate, AuthType, Subject};
use super::lockout::{self, Failures, LockoutStatus};
use super::password::{self, Settings};
use super::*;

fn rule(id: &str, policy: &str, priority: i64, status: Status, conditions: Value) -> Rule {
    Rule {
        id: id.into(),
        policy_id: policy.into(),
        status,
        priority,
        conditions: Conditions::from_stored(&conditions),
    }
}

fn policy(id: &str, priority: i64, status: Status, conditions: Value) -> Policy {
    Policy {
        id: id.into(),
        policy_type: PolicyType::Password,
        status,
        priority,
        conditions: Conditions::from_stored(&conditions),
    }
}

fn subject<'a>(groups: &'a [String], zones: &'a [String]) -> Subject<'a> {
    Subject {
        user_id: "00uME",
        group_ids: groups,
        zone_ids: zones,
        auth_type: AuthType::Any,
        provider: "OKTA",
    }
}

#[test]
#[allow(clippy::type_complexity)]
fn evaluation_table() {
    use Status::{Active as A, Inactive as I};
    let admins = json!({ "people": { "groups": { "include": ["00gADMIN"] } } });
    let everyone = json!({ "people": { "groups": { "include": ["00gEVERY"] } } });
    let anywhere = json!({ "network": { "connection": "ANYWHERE" } });
    let office = json!({ "network": { "connection": "ZONE", "include": ["nzoOFFICE"] } });
    let not_blocked = json!({ "network": { "connection": "ZONE", "exclude": ["nzoBLOCK"] } });
    let any_zone = json!({ "network": { "connection": "ZONE", "include": ["ALL_ZONES"] } });
    let not_me = json!({ "people": { "users": { "exclude": ["00uME"] } } });
    let g = |ids: &[&str]| ids.iter().map(|s| (*s).to_owned()).collect::<Vec<_>>();
    // (policies, rules, groups, zones, expected (policy, rule))
    let cases: Vec<(
        Vec<Policy>,
        Vec<Rule>,
        Vec<String>,
        Vec<String>,
        Option<(&str, &str)>,
    )> = vec![
        // The default applies when nothing else does.
        (
            vec![
                policy("p1", 1, A, admins.clone()),
                policy("pd", 2, A, everyone.clone()),
            ],
            vec![
                rule("r1", "p1", 1, A, anywhere.clone()),
                rule("rd", "pd", 1, A, anywhere.clone()),
            ],
            g(&["00gEVERY"]),
            vec![],
            Some(("pd", "rd")),
        ),
        // A member of the first policy's group gets it.
        (
            vec![
                policy("p1", 1, A, admins.clone()),
                policy("pd", 2, A, everyone.clone()),
            ],
            vec![
                rule("r1", "p1", 1, A, anywhere.clone()),
                rule("rd", "pd", 1, A, anywhere.clone()),
            ],
            g(&["00gEVERY", "00gADMIN"]),
            vec![],
            Some(("p1", "r1")),
        ),
        // Priority, not list order, decides.
        (
            vec![
                policy("pd", 2, A, everyone.clone()),
                policy("p1", 1, A, everyone.clone()),
            ],
            vec![
                rule("rd", "pd", 1, A, anywhere.clone()),
                rule("r1", "p1", 1, A, anywhere.clone()),
            ],
            g(&["00gEVERY"]),
            vec![],
            Some(("p1", "r1")),
        ),
        // An inactive policy is skipped.
        (
            vec![
                policy("p1", 1, I, everyone.clone()),
                policy("pd", 2, A, everyone.clone()),
            ],
            vec![
                rule("r1", "p1", 1, A, anywhere.clone()),
                rule("rd", "pd", 1, A, anywhere.clone()),
            ],
            g(&["00gEVERY"]),
            vec![],
            Some(("pd", "rd")),
        ),
        // A policy with no rules never applies.
        (
            vec![
                policy("p1", 1, A, everyone.clone()),
                policy("pd", 2, A, everyone.clone()),
            ],
            vec![rule("rd", "pd", 1, A, anywhere.clone())],
            g(&["00gEVERY"]),
            vec![],
            Some(("pd", "rd")),
        ),
        // An inactive rule is skipped; the next rule of the same policy applies.
        (
            vec![policy("p1", 1, A, everyone.clone())],
            vec![
                rule("r1", "p1", 1, I, anywhere.clone()),
                rule("r2", "p1", 2, A, anywhere.clone()),
            ],
            g(&["00gEVERY"]),
            vec![],
            Some(("p1", "r2")),
        ),
        // Rule priority decides within a policy.
        (
            vec![policy("p1", 1, A, everyone.clone())],
            vec![
                rule("r2", "p1", 2, A, anywhere.clone()),
                rule("r1", "p1", 1, A, anywhere.clone()),
            ],
            g(&["00gEVERY"]),
            vec![],
            Some(("p1", "r1")),
        ),
        // A zone rule outside the zone falls through to the next policy.
        (
            vec![
                policy("p1", 1, A, everyone.clone()),
                policy("pd", 2, A, everyone.clone()),
            ],
            vec![
                rule("r1", "p1", 1, A, office.clone()),
                rule("rd", "pd", 1, A, anywhere.clone()),
            ],
            g(&["00gEVERY"]),
            g(&["nzoHOME"]),
            Some(("pd", "rd")),
        ),
        // ...and inside it applies.
        (
            vec![
                policy("p1", 1, A, everyone.clone()),
                policy("pd", 2, A, everyone.clone()),
            ],
            vec![
                rule("r1", "p1", 1, A, office.clone()),
                rule("rd", "pd", 1, A, anywhere.clone()),
            ],
            g(&["00gEVERY"]),
            g(&["nzoOFFICE"]),
            Some(("p1", "r1")),
        ),
        // Exclude: in the blocked zone the rule does not match.
        (
            vec![policy("p1", 1, A, everyone.clone())],
            vec![rule("r1", "p1", 1, A, not_blocked.clone())],
            g(&["00gEVERY"]),
            g(&["nzoBLOCK"]),
            None,
        ),
        (
            vec![policy("p1", 1, A, everyone.clone())],
            vec![rule("r1", "p1", 1, A, not_blocked.clone())],
            g(&["00gEVERY"]),
            vec![],
            Some(("p1", "r1")),
        ),
        // ALL_ZONES: any zone at all.
        (
            vec![policy("p1", 1, A, everyone.clone())],
            vec![rule("r1", "p1", 1, A, any_zone.clone())],
            g(&["00gEVERY"]),
            vec![],
            None,
        ),
        (
            vec![policy("p1", 1, A, everyone.clone())],
            vec![rule("r1", "p1", 1, A, any_zone.clone())],
            g(&["00gEVERY"]),
            g(&["nzoANY"]),
            Some(("p1", "r1")),
        ),
        // A rule that excludes the user.
        (
            vec![
                policy("p1", 1, A, everyone.clone()),
                policy("pd", 2, A, everyone.clone()),
            ],
            vec![
                rule("r1", "p1", 1, A, not_me.clone()),
                rule("rd", "pd", 1, A, anywhere.clone()),
            ],
            g(&["00gEVERY"]),
            vec![],
            Some(("pd", "rd")),
        ),
        // Nothing matches: no policy.
        (
            vec![policy("p1", 1, A, admins.clone())],
            vec![rule("r1", "p1", 1, A, anywhere.clone())],
            g(&["00gEVERY"]),
            vec![],
            None,
        ),
    ];
    for (i, (policies, rules, groups, zones, expected)) in cases.iter().enumerate() {
        let got = evaluate(policies, rules, &subject(groups, zones))
            .map(|(p, r)| (p.id.as_str(), r.id.as_str()));
        assert_eq!(got, *expected, "case {i}");
    }
}

#[test]
fn auth_context_and_provider_conditions() {
    let groups: Vec<String> = vec![];
    let mut s = subject(&groups, &[]);
    let ldap = Conditions::from_stored(&json!({ "authContext": { "authType": "LDAP_INTERFACE" } }));
    assert!(!eval::conditions_hold(&ldap, &s));
    s.auth_type = AuthType::LdapInterface;
    assert!(eval::conditions_hold(&ldap, &s));
    let ad =
        Conditions::from_stored(&json!({ "authProvider": { "provider": "ACTIVE_DIRECTORY" } }));
    assert!(!eval::conditions_hold(&ad, &s));
    let okta = Conditions::from_stored(&json!({ "authProvider": { "provider": "OKTA" } }));
    assert!(eval::conditions_hold(&okta, &s));
    s.provider = "IMPORT";
    assert!(
        eval::conditions_hold(&okta, &s),
        "imported hashes are Okta passwords"
    );
}

#[test]
fn each_type_allows_only_its_conditions() {
    let people = json!({ "people": { "groups": { "include": ["00g1"] } } });
    let network = json!({ "network": { "connection": "ANYWHERE" } });
    let auth_context = json!({ "authContext": { "authType": "ANY" } });
    let auth_provider = json!({ "authProvider": { "provider": "OKTA" } });
    let risk = json!({ "riskScore": { "level": "ANY" } });
    use Level::{Policy as P, Rule as R};
    use PolicyType::{MfaEnroll as M, OktaSignOn as S, Password as W};
    let cases = [
        (S, P, &people, true),
        (S, P, &network, false),
        (S, P, &auth_provider, false),
        (S, R, &people, true),
        (S, R, &network, true),
        (S, R, &auth_context, true),
        (S, R, &auth_provider, false),
        (S, R, &risk, false),
        (W, P, &people, true),
        (W, P, &auth_provider, true),
        (W, P, &network, false),
        (W, R, &network, true),
        (W, R, &auth_context, false),
        (M, P, &people, true),
        (M, P, &network, true),
        (M, P, &auth_context, false),
        (M, R, &network, true),
        (M, R, &auth_provider, false),
    ];
    for (t, level, conditions, ok) in cases {
        assert_eq!(
            validate_conditions(t, level, Some(conditions)).is_ok(),
            ok,
            "{t:?} {level:?} {conditions}"
        );
    }
}

#[test]
fn condition_shapes_are_checked() {
    let t = PolicyType::OktaSignOn;
    let bad = [
        json!({ "network": { "connection": "SOMEWHERE" } }),
        json!({ "network": { "connection": "ZONE" } }),
        json!({ "network": { "connection": "ZONE", "include": [] } }),
        json!({ "authContext": { "authType": "RADIUS" } }),
        json!({ "people": { "groups": { "include": "00g1" } } }),
        json!("people"),
    ];
    for c in bad {
        let err = validate_conditions(t, Level::Rule, Some(&c)).unwrap_err();
        assert!(matches!(err, DomainError::Validation { .. }), "{c}");
    }
    // A policy names groups only.
    assert!(validate_conditions(
        t,
        Level::Policy,
        Some(&json!({ "people": { "users": { "include": ["00u1"] } } }))
    )
    .is_err());
    // Null members are absent.
    let c = validate_conditions(t, Level::Policy, Some(&json!({ "network": null }))).unwrap();
    assert_eq!(c, Conditions::default());
    let zones = validate_conditions(
        t,
        Level::Rule,
        Some(&json!({ "network": { "connection": "ZONE", "include": ["nzo1", "ALL_ZONES"], "exclude": ["nzo2"] } })),
    )
    .unwrap();
    assert_eq!(referenced_zones(&zones), ["nzo1", "nzo2"]);
}

#[test]
fn password_settings_defaults_ranges_and_rules() {
    let created: Settings =
        serde_json::from_value(password::validate_settings(None).unwrap()).unwrap();
    assert_eq!(created, Settings::new_policy());
    assert_eq!(created.password.complexity.min_symbol, 1);
    let org = Settings::org_default();
    assert_eq!(
        org.complexity_rules(),
        crate::password::PasswordPolicy::default()
    );
    assert_eq!(org.password.age.history_count, 4);
    let given = json!({ "password": { "complexity": { "minLength": 12, "dictionary": { "common": { "exclude": true } }, "excludeAttributes": ["firstName"] }, "age": { "historyCount": 5, "minAgeMinutes": 60 } } });
    let s: Settings =
        serde_json::from_value(password::validate_settings(Some(&given)).unwrap()).unwrap();
    let rules = s.complexity_rules();
    assert_eq!(rules.min_length, 12);
    assert!(rules.exclude_common);
    assert_eq!(rules.exclude_attributes, ["firstName"]);
    assert_eq!(password::history_depth(&s), 5);
    for bad in [
        json!({ "password": { "complexity": { "minLength": 3 } } }),
        json!({ "password": { "complexity": { "minLength": 31 } } }),
        json!({ "password": { "complexity": { "minNumber": 2 } } }),
        json!({ "password": { "complexity": { "excludeAttributes": ["email"] } } }),
        json!({ "password": { "age": { "historyCount": -1 } } }),
        json!({ "password": { "age": { "historyCount": 31 } } }),
        json!({ "password": { "lockout": { "maxAttempts": 101 } } }),
        json!({ "password": { "complexity": { "minLength": "eight" } } }),
    ] {
        assert!(password::validate_settings(Some(&bad)).is_err(), "{bad}");
    }
}

#[test]
fn password_age_rules() {
    let mut s = Settings::org_default();
    let minute = 60_000;
    let day = 86_400_000;
    assert!(password::min_age_allows(&s, Some(0), 1));
    s.password.age.min_age_minutes = 10;
    assert!(!password::min_age_allows(&s, Some(0), 10 * minute - 1));
    assert!(password::min_age_allows(&s, Some(0), 10 * minute));
    assert!(password::min_age_allows(&s, None, 0), "never set");
    assert!(!password::is_expired(&s, Some(0), 10_000 * day));
    s.password.age.max_age_days = 90;
    s.password.age.expire_warn_days = 7;
    assert!(!password::is_expired(&s, Some(0), 90 * day - 1));
    assert!(password::is_expired(&s, Some(0), 90 * day));
    assert!(!password::in_warning_period(&s, Some(0), 83 * day - 1));
    assert!(password::in_warning_period(&s, Some(0), 83 * day));
    assert!(!password::in_warning_period(&s, Some(0), 90 * day));
    s.password.age.history_count = 99;
    assert_eq!(password::history_depth(&s), password::HISTORY_CAP);
}

#[test]
fn lockout_table() {
    let mut s = Settings::org_default();
    s.password.lockout.max_attempts = 3;
    let f = |count, locked_at| Failures {
        count,
        last_failure: 0,
        locked_at,
    };
    assert_eq!(
        lockout::status(&s, None, 0),
        LockoutStatus::Open { remaining: Some(3) }
    );
    assert_eq!(
        lockout::status(&s, Some(&f(2, None)), 0),
        LockoutStatus::Open { remaining: Some(1) }
    );
    assert_eq!(
        lockout::status(&s, Some(&f(3, Some(100))), 200),
        LockoutStatus::Locked { until: None }
    );
    s.password.lockout.auto_unlock_minutes = 1;
    assert_eq!(
        lockout::status(&s, Some(&f(3, Some(100))), 200),
        LockoutStatus::Locked {
            until: Some(60_100)
        }
    );
    assert_eq!(
        lockout::status(&s, Some(&f(3, Some(100))), 60_100),
        LockoutStatus::AutoUnlockDue
    );
    s.password.lockout.max_attempts = 0;
    assert_eq!(
        lockout::status(&s, Some(&f(50, None)), 0),
        LockoutStatus::Open { remaining: None }
    );
}

#[test]
fn rule_actions_per_type() {
    let ok = sign_on::validate_actions(Some(&json!({ "signon": { "access": "ALLOW" } }))).unwrap();
    assert_eq!(ok, sign_on::default_actions());
    for bad in [
        json!({}),
        json!({ "signon": { "access": "MAYBE" } }),
        json!({ "signon": { "access": "ALLOW", "requireFactor": true } }),
        json!({ "signon": { "access": "ALLOW", "factorPromptMode": "NEVER" } }),
    ] {
        assert!(sign_on::validate_actions(Some(&bad)).is_err(), "{bad}");
    }
    assert!(sign_on::validate_actions(Some(&json!({ "signon": { "access": "ALLOW", "requireFactor": true, "factorPromptMode": "SESSION", "factorLifetime": 15 } }))).is_ok());
    assert_eq!(
        password::validate_actions(Some(&json!({ "passwordChange": { "access": "ALLOW" } })))
            .unwrap(),
        json!({ "passwordChange": { "access": "ALLOW" }, "selfServicePasswordReset": { "access": "DENY" }, "selfServiceUnlock": { "access": "DENY" } })
    );
    assert!(
        password::validate_actions(Some(&json!({ "passwordChange": { "access": "YES" } })))
            .is_err()
    );
    assert!(mfa_enroll::validate_actions(Some(&json!({ "enroll": { "self": "LOGIN" } }))).is_ok());
    assert!(
        mfa_enroll::validate_actions(Some(&json!({ "enroll": { "self": "ALWAYS" } }))).is_err()
    );
    assert!(mfa_enroll::validate_actions(None).is_err());
    assert!(mfa_enroll::validate_settings(Some(
        &json!({ "factors": { "okta_sms": { "enroll": { "self": "REQUIRED" } } } })
    ))
    .is_ok());
    assert!(
        mfa_enroll::validate_settings(Some(&json!({ "factors": { "carrier_pigeon": {} } })))
            .is_err()
    );
    assert!(mfa_enroll::validate_settings(Some(
        &json!({ "factors": { "okta_sms": { "enroll": { "self": "SOMETIMES" } } } })
    ))
    .is_err());
}

/// The Classic `factors` form and the SDK 8.x `authenticators` form of MFA_ENROLL settings
/// are one setting: either stores both, consistent; disagreement and unknown keys are refused.
#[test]
fn mfa_enroll_settings_accept_factors_and_authenticators_alike() {
    let req = json!({ "self": "REQUIRED" });
    let opt = json!({ "self": "OPTIONAL" });
    let from_list = mfa_enroll::validate_settings(Some(&json!({
        "type": "AUTHENTICATORS",
        "authenticators": [
            { "key": "phone_number", "enroll": req },
            { "key": "google_otp", "enroll": opt },
        ]
    })))
    .unwrap();
    assert_eq!(from_list["type"], "AUTHENTICATORS");
    assert_eq!(from_list["factors"]["okta_sms"]["enroll"], req);
    assert_eq!(from_list["factors"]["okta_call"]["enroll"], req);
    assert_eq!(from_list["factors"]["google_otp"]["enroll"], opt);
    assert!(from_list["factors"].get("okta_email").is_none());
    assert_eq!(
        from_list["authenticators"],
        json!([
            { "key": "phone_number", "enroll": req },
            { "key": "google_otp", "enroll": opt },
        ])
    );
    // What the SDK sends back after reading a Classic policy: type FACTORS, no factors, the
    // authenticators it was shown. Nothing is lost.
    let classic = mfa_enroll::default_settings();
    let round_trip = mfa_enroll::validate_settings(Some(&json!({
        "type": "FACTORS",
        "authenticators": classic["authenticators"],
    })))
    .unwrap();
    assert_eq!(round_trip["factors"], classic["factors"]);
    assert_eq!(round_trip["authenticators"], classic["authenticators"]);
    // Both forms given must agree.
    assert!(mfa_enroll::validate_settings(Some(&json!({
        "factors": { "okta_sms": { "enroll": req }, "okta_call": { "enroll": req } },
        "authenticators": [{ "key": "phone_number", "enroll": req }],
    })))
    .is_ok());
    assert!(mfa_enroll::validate_settings(Some(&json!({
        "factors": { "okta_sms": { "enroll": opt } },
        "authenticators": [{ "key": "phone_number", "enroll": req }],
    })))
    .is_err());
    // A replace that sends back both forms as read, one of them edited: the edited one wins.
    let current = mfa_enroll::default_settings();
    let mut edited_factors = current.clone();
    edited_factors["factors"]["okta_sms"]["enroll"]["self"] = json!("REQUIRED");
    let next = mfa_enroll::validate_settings_over(Some(&current), Some(&edited_factors)).unwrap();
    assert_eq!(next["factors"]["okta_sms"]["enroll"], req);
    assert_eq!(next["factors"]["okta_call"]["enroll"], opt);
    let mut edited_list = current.clone();
    for a in edited_list["authenticators"].as_array_mut().unwrap() {
        if a["key"] == "phone_number" {
            a["enroll"]["self"] = json!("NOT_ALLOWED");
        }
    }
    let next = mfa_enroll::validate_settings_over(Some(&current), Some(&edited_list)).unwrap();
    assert_eq!(next["factors"]["okta_sms"]["enroll"]["self"], "NOT_ALLOWED");
    assert_eq!(
        next["factors"]["okta_call"]["enroll"]["self"],
        "NOT_ALLOWED"
    );
    assert_eq!(next["factors"]["okta_email"]["enroll"], opt);
    // An authenticator this server cannot enroll is refused, not dropped.
    assert!(mfa_enroll::validate_settings(Some(&json!({
        "authenticators": [{ "key": "custom_app", "enroll": opt }],
    })))
    .is_err());
}

#[test]
fn type_lookup() {
    assert_eq!(
        PolicyType::lookup("PASSWORD"),
        TypeLookup::Supported(PolicyType::Password)
    );
    assert_eq!(PolicyType::lookup("ACCESS_POLICY"), TypeLookup::Unsupported);
    assert_eq!(PolicyType::lookup("password"), TypeLookup::Unknown);
    for t in PolicyType::ALL {
        assert_eq!(PolicyType::parse(t.as_str()), Some(t));
    }
}

#[test]
fn defaults_validate_as_their_own_type() {
    for t in PolicyType::ALL {
        let d = default_policy(t, "00gEVERY");
        validate_conditions(t, Level::Policy, Some(&d.conditions.to_value())).unwrap();
        validate_conditions(t, Level::Rule, Some(&d.rule_conditions.to_value())).unwrap();
        assert_eq!(
            validate_actions(t, Some(&d.rule_actions)).unwrap(),
            d.rule_actions,
            "{t:?}"
        );
        assert_eq!(d.name, "Default Policy");
        assert_eq!(d.rule_name, "Default Rule");
    }
}

#[test]
fn recovery_needs_the_rule_action_and_an_active_factor() {
    use super::password::{
        recovery_allows, recovery_question_required, recovery_token_minutes, Settings,
    };
    let settings = Settings::org_default();
    let rule = serde_json::json!({
        "passwordChange": { "access": "ALLOW" },
        "selfServicePasswordReset": { "access": "ALLOW" },
        "selfServiceUnlock": { "access": "DENY" }
    });
    assert!(recovery_allows(
        &settings,
        Some(&rule),
        "PASSWORD",
        Some("EMAIL")
    ));
    assert!(recovery_allows(&settings, Some(&rule), "PASSWORD", None));
    assert!(
        !recovery_allows(&settings, Some(&rule), "PASSWORD", Some("SMS")),
        "okta_sms is INACTIVE by default"
    );
    assert!(
        !recovery_allows(&settings, Some(&rule), "UNLOCK", Some("EMAIL")),
        "unlock is DENY by default"
    );
    assert!(
        !recovery_allows(&settings, None, "PASSWORD", Some("EMAIL")),
        "no rule, no recovery"
    );
    assert!(!recovery_allows(
        &settings,
        Some(&rule),
        "PASSWORD",
        Some("PIGEON")
    ));
    assert!(recovery_question_required(&settings));
    assert_eq!(recovery_token_minutes(&settings), 10080);
}
