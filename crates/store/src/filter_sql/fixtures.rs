//! Seeded users and `filter`/`search`/`q`/`sortBy` cases with the exact ids each must return,
//! in order (users.md, "List Users"), and the runner each backend's tests drive against a
//! real database: full results, keyset pages, and SQL sort keys equal to `user_sort_key`.

use super::*;
use model::expr::users;
use model::time::Timestamp;
use serde_json::json;

/// The columns the compiled SQL reads, in the order [`seed_rows`] binds them.
pub const INSERT: &str = "INSERT INTO users (id, status, created, activated, status_changed, \
    last_login, last_updated, password_changed, type_id, login_lower, profile) \
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)";

fn at(iso: &str) -> i64 {
    Timestamp::parse_iso(iso).unwrap().millis()
}

fn user(
    id: &str,
    status: &str,
    created: &str,
    activated: Option<&str>,
    last_updated: &str,
    type_id: &str,
    profile: Json,
) -> UserRecord {
    let Json::Object(profile) = profile else {
        panic!("profiles are objects")
    };
    UserRecord {
        id: id.to_owned(),
        status: status.to_owned(),
        transitioning_to_status: None,
        created: at(created),
        activated: activated.map(at),
        status_changed: activated.map(at),
        last_login: None,
        last_updated: at(last_updated),
        password_changed: None,
        type_id: type_id.to_owned(),
        profile,
        password_hash: None,
        recovery_question: None,
        recovery_answer_hash: None,
        provider_type: "OKTA".to_owned(),
        provider_name: "OKTA".to_owned(),
        secrets: Default::default(),
        version: 0,
    }
}

const DEFAULT_TYPE: &str = "otyDefault";

/// Ten users. Ids are chosen so bytewise order (`0` < `B` < `a`) differs from a
/// case-insensitive or locale order.
pub fn seed_rows() -> Vec<UserRecord> {
    vec![
        user(
            "00u01",
            "ACTIVE",
            "2013-01-01T00:00:00.000Z",
            Some("2013-01-02T00:00:00.000Z"),
            "2013-06-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "Isaac.Brock@example.com", "email": "isaac.brock@example.com",
                   "firstName": "Isaac", "lastName": "Brock", "department": "Engineering",
                   "age": 42, "score": 8.5, "admin": true, "tags": ["blue", "Green"],
                   "nums": [5, 8]}),
        ),
        user(
            "00u02",
            "STAGED",
            "2013-02-01T00:00:00.000Z",
            None,
            "2013-07-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "eric.judy@example.com", "email": "eric.judy@example.com",
                   "firstName": "Eric", "lastName": "Judy", "department": "engineering",
                   "age": 30, "admin": false, "tags": ["red"]}),
        ),
        user(
            "00u03",
            "PROVISIONED",
            "2013-03-01T00:00:00.000Z",
            None,
            "2013-08-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "ann@smith.org", "email": "ann@smith.org", "firstName": "Ann",
                   "lastName": "Smith", "department": "Sales", "age": 7, "tags": []}),
        ),
        user(
            "00u04",
            "LOCKED_OUT",
            "2014-01-01T00:00:00.000Z",
            Some("2014-01-02T00:00:00.000Z"),
            "2014-02-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "bob@x.io", "email": "bob@x.io", "firstName": "Bob",
                   "lastName": "smithers", "department": "Eng%Ops", "nums": [10]}),
        ),
        user(
            "00u05",
            "SUSPENDED",
            "2014-02-01T00:00:00.000Z",
            Some("2014-02-02T00:00:00.000Z"),
            "2014-03-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "carla@x.io", "email": "carla@x.io", "firstName": "Carla",
                   "lastName": "O\"Brien", "department": "Eng_Ops",
                   "mobilePhone": "555-1234", "secondEmail": "carla@home.io"}),
        ),
        user(
            "00u06",
            "DEPROVISIONED",
            "2014-03-01T00:00:00.000Z",
            Some("2014-03-02T00:00:00.000Z"),
            "2014-04-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "dave@x.io", "email": "dave@x.io", "firstName": "Dave",
                   "lastName": "Zed", "secondEmail": "", "age": "42"}),
        ),
        user(
            "00u07",
            "RECOVERY",
            "2014-04-01T00:00:00.000Z",
            Some("2014-04-02T00:00:00.000Z"),
            "2014-05-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "elodie@x.io", "email": "elodie@x.io", "firstName": "élodie",
                   "lastName": "Ünal"}),
        ),
        user(
            "00u08",
            "PASSWORD_EXPIRED",
            "2014-05-01T00:00:00.000Z",
            Some("2014-05-02T00:00:00.000Z"),
            "2014-06-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "fay@x.io", "email": "fay@x.io", "firstName": "Fay",
                   "lastName": "Smith", "department": null}),
        ),
        user(
            "00uB9",
            "ACTIVE",
            "2014-06-01T00:00:00.000Z",
            Some("2014-06-02T00:00:00.000Z"),
            "2014-07-01T00:00:00.000Z",
            "otyContractor",
            json!({"login": "gus@example.com", "email": "GUS@EXAMPLE.COM",
                   "firstName": "Gus", "lastName": "Brock", "score": 10}),
        ),
        user(
            "00ua0",
            "ACTIVE",
            "2014-07-01T00:00:00.000Z",
            Some("2014-07-02T00:00:00.000Z"),
            "2014-08-01T00:00:00.000Z",
            DEFAULT_TYPE,
            json!({"login": "isaac@newton.org", "email": "isaac@newton.org",
                   "firstName": "isaac", "lastName": "Newton", "tags": ["green", "blue"]}),
        ),
    ]
}

/// The insert parameters of one seeded user; None is SQL NULL.
pub fn insert_values(user: &UserRecord) -> Vec<Option<SqlValue>> {
    let millis = |v: Option<i64>| v.map(SqlValue::Int);
    vec![
        Some(SqlValue::Text(user.id.clone())),
        Some(SqlValue::Text(user.status.clone())),
        Some(SqlValue::Int(user.created)),
        millis(user.activated),
        millis(user.status_changed),
        millis(user.last_login),
        Some(SqlValue::Int(user.last_updated)),
        millis(user.password_changed),
        Some(SqlValue::Text(user.type_id.clone())),
        Some(SqlValue::Text(user.login_lower())),
        Some(SqlValue::Text(
            Json::Object(user.profile.clone()).to_string(),
        )),
    ]
}

/// Which parameter an expression came from.
#[derive(Debug, Clone, Copy)]
pub enum Mode {
    Filter,
    Search,
    Q,
}

/// One expression, an optional `sortBy`/`sortOrder`, and the ids it must return in order
/// (id order when unsorted).
pub struct Case {
    pub mode: Mode,
    pub input: &'static str,
    pub sort: Option<(&'static str, Option<&'static str>)>,
    pub expected: &'static [&'static str],
}

const fn case(mode: Mode, input: &'static str, expected: &'static [&'static str]) -> Case {
    Case {
        mode,
        input,
        sort: None,
        expected,
    }
}

const fn sorted(
    input: &'static str,
    sort_by: &'static str,
    sort_order: Option<&'static str>,
    expected: &'static [&'static str],
) -> Case {
    Case {
        mode: Mode::Search,
        input,
        sort: Some((sort_by, sort_order)),
        expected,
    }
}

use Mode::{Filter, Search, Q};

pub const CASES: &[Case] = &[
    // filter=
    case(
        Filter,
        r#"status eq "ACTIVE""#,
        &["00u01", "00uB9", "00ua0"],
    ),
    case(
        Filter,
        r#"status eq "ACTIVE" or status eq "STAGED""#,
        &["00u01", "00u02", "00uB9", "00ua0"],
    ),
    case(
        Filter,
        r#"lastUpdated gt "2013-06-01T00:00:00.000Z" and lastUpdated lt "2014-01-01T00:00:00.000Z""#,
        &["00u02", "00u03"],
    ),
    case(
        Filter,
        r#"lastUpdated eq "2013-06-01T02:00:00.000+02:00""#,
        &["00u01"],
    ),
    case(
        Filter,
        r#"lastUpdated ge "2014-07-01T00:00:00.000Z" or id eq "00u02""#,
        &["00u02", "00uB9", "00ua0"],
    ),
    case(
        Filter,
        r#"profile.login eq "ISAAC.BROCK@example.COM""#,
        &["00u01"],
    ),
    // Logins fold case and Latin diacritics (users.md, "Okta login").
    case(Filter, r#"profile.login eq "ÉLODIE@x.io""#, &["00u07"]),
    case(Filter, r#"profile.firstName eq "isaac""#, &["00ua0"]),
    case(Filter, r#"profile.email eq "gus@example.com""#, &[]),
    case(Filter, r#"profile.email eq "GUS@EXAMPLE.COM""#, &["00uB9"]),
    case(Filter, r#"type.id eq "otyContractor""#, &["00uB9"]),
    case(Filter, r#"profile.lastName eq "O\"Brien""#, &["00u05"]),
    case(
        Filter,
        r#"(status eq "ACTIVE" or status eq "SUSPENDED") and lastUpdated lt "2014-07-15T00:00:00.000Z""#,
        &["00u01", "00u05", "00uB9"],
    ),
    // search=
    case(
        Search,
        r#"profile.department eq "ENGINEERING""#,
        &["00u01", "00u02"],
    ),
    case(Search, r#"profile.department sw "eng%""#, &["00u04"]),
    case(Search, r#"profile.department sw "Eng_""#, &["00u05"]),
    case(
        Search,
        r#"profile.department sw "eng""#,
        &["00u01", "00u02", "00u04", "00u05"],
    ),
    case(Search, r#"profile.tags eq "green""#, &["00u01", "00ua0"]),
    case(
        Search,
        r#"profile.tags eq "GREEN" and profile.tags eq "blue""#,
        &["00u01", "00ua0"],
    ),
    case(Search, "profile.nums gt 7", &["00u01", "00u04"]),
    case(Search, "profile.nums eq 5", &["00u01"]),
    // Same SQL text as the line above with a decimal literal: a PostgreSQL statement
    // cached with an int8 parameter must not receive float8 bytes.
    case(Search, "profile.nums eq 5.0", &["00u01"]),
    case(Search, "profile.nums eq 8", &["00u01"]),
    case(
        Search,
        "profile.nums lt 6 or profile.nums gt 9",
        &["00u01", "00u04"],
    ),
    case(Search, "profile.age ge 30", &["00u01", "00u02"]),
    case(Search, "profile.age eq 42.0", &["00u01"]),
    case(Search, r#"profile.age eq "42""#, &["00u06"]),
    case(Search, "profile.score gt 8.75", &["00uB9"]),
    case(Search, "profile.score le 8.5", &["00u01"]),
    case(Search, "profile.admin eq true", &["00u01"]),
    case(Search, "profile.admin eq false", &["00u02"]),
    case(Search, "profile.secondEmail pr", &["00u05"]),
    case(Search, "profile.tags pr", &["00u01", "00u02", "00ua0"]),
    case(
        Search,
        "profile.department pr",
        &["00u01", "00u02", "00u03", "00u04", "00u05"],
    ),
    case(
        Search,
        "not profile.department pr",
        &["00u06", "00u07", "00u08", "00uB9", "00ua0"],
    ),
    case(Search, "profile.missing pr", &[]),
    case(
        Search,
        r#"not (status eq "ACTIVE")"#,
        &[
            "00u02", "00u03", "00u04", "00u05", "00u06", "00u07", "00u08",
        ],
    ),
    case(
        Search,
        r#"not activated gt "2014-01-01T00:00:00.000Z""#,
        &["00u01", "00u02", "00u03"],
    ),
    case(
        Search,
        r#"status lt "STAGED" or status gt "STAGED""#,
        &[
            "00u01", "00u03", "00u04", "00u05", "00u06", "00u07", "00u08", "00uB9", "00ua0",
        ],
    ),
    case(
        Search,
        r#"status ge "recovery""#,
        &["00u02", "00u05", "00u07"],
    ),
    case(
        Search,
        r#"profile.lastName co "MIT""#,
        &["00u03", "00u04", "00u08"],
    ),
    case(Search, r#"profile.lastName eq "o\"brien""#, &["00u05"]),
    case(
        Search,
        r#"created lt "2014-01-01T00:00:00.000Z" and (status eq "active" or profile.department eq "sales")"#,
        &["00u01", "00u03"],
    ),
    case(
        Search,
        r#"status eq "active" and not profile.department sw "eng""#,
        &["00uB9", "00ua0"],
    ),
    case(Search, r#"profile.login sw "isaac""#, &["00u01", "00ua0"]),
    case(
        Search,
        r#"profile.login co "@X.IO""#,
        &["00u04", "00u05", "00u06", "00u07", "00u08"],
    ),
    case(
        Search,
        r#"profile.email co "example""#,
        &["00u01", "00u02", "00uB9"],
    ),
    case(
        Search,
        "activated pr",
        &[
            "00u01", "00u04", "00u05", "00u06", "00u07", "00u08", "00uB9", "00ua0",
        ],
    ),
    case(Search, r#"id sw "00uB""#, &["00uB9"]),
    case(Search, r#"id sw "00ub""#, &[]),
    case(Search, r#"type.id eq "otycontractor""#, &[]),
    case(Search, r#"profile.firstName sw "él""#, &["00u07"]),
    // Only ASCII letters fold, on both backends.
    case(Search, r#"profile.firstName sw "ÉL""#, &[]),
    // q=
    case(Q, "isa", &["00u01", "00ua0"]),
    case(Q, "SMI", &["00u03", "00u04", "00u08"]),
    case(Q, "eric.j", &["00u02"]),
    case(Q, "dave", &[]),
    case(Q, "%", &[]),
    // sortBy / sortOrder
    sorted(
        "created pr",
        "profile.lastName",
        None,
        &[
            "00u01", "00uB9", "00u02", "00ua0", "00u05", "00u03", "00u08", "00u04", "00u06",
            "00u07",
        ],
    ),
    sorted(
        "created pr",
        "profile.lastName",
        Some("desc"),
        &[
            "00u07", "00u06", "00u04", "00u08", "00u03", "00u05", "00ua0", "00u02", "00uB9",
            "00u01",
        ],
    ),
    sorted(
        "created pr",
        "activated",
        Some("asc"),
        &[
            "00u02", "00u03", "00u01", "00u04", "00u05", "00u06", "00u07", "00u08", "00uB9",
            "00ua0",
        ],
    ),
    sorted(
        r#"status eq "ACTIVE""#,
        "lastUpdated",
        Some("DESC"),
        &["00ua0", "00uB9", "00u01"],
    ),
    sorted(
        "created pr",
        "profile.department",
        None,
        &[
            "00u06", "00u07", "00u08", "00uB9", "00ua0", "00u04", "00u05", "00u01", "00u02",
            "00u03",
        ],
    ),
    sorted(
        "created pr",
        "id",
        Some("desc"),
        &[
            "00uB9", "00ua0", "00u08", "00u07", "00u06", "00u05", "00u04", "00u03", "00u02",
            "00u01",
        ],
    ),
    sorted(
        "created pr",
        "profile.login",
        None,
        &[
            "00u03", "00u04", "00u05", "00u06", "00u07", "00u02", "00u08", "00uB9", "00u01",
            "00ua0",
        ],
    ),
    sorted(
        "created pr",
        "status",
        None,
        &[
            "00u01", "00uB9", "00ua0", "00u06", "00u04", "00u08", "00u03", "00u07", "00u02",
            "00u05",
        ],
    ),
    sorted(
        r#"profile.department sw "eng""#,
        "profile.department",
        Some("desc"),
        &["00u02", "00u01", "00u05", "00u04"],
    ),
];

/// The case's WHERE condition and order, with parameters numbered from 1.
pub fn compile_case(dialect: &dyn SqlDialect, case: &Case) -> (String, SortSql, Params) {
    let expr = match case.mode {
        Mode::Filter => users::parse_filter(case.input).unwrap(),
        Mode::Search => users::parse_search(case.input).unwrap(),
        Mode::Q => users::find(case.input),
    };
    let mut params = Params::default();
    let condition = compile_filter(dialect, &USERS, &expr, &mut params).unwrap();
    let sort = match case.sort {
        Some((by, order)) => {
            let sort = users::parse_sort(by, order).unwrap();
            compile_sort(dialect, &USERS, &sort, &mut params).unwrap()
        }
        None => SortSql::by_id(dialect, &USERS, SortOrder::Ascending),
    };
    (condition, sort, params)
}

/// The `after` cursor key for a page ending with the user `id`.
pub fn cursor_key(case: &Case, id: &str) -> Json {
    match case.sort {
        Some((by, order)) => {
            let sort = users::parse_sort(by, order).unwrap();
            let user = seed_rows().into_iter().find(|u| u.id == id).unwrap();
            user_sort_key(&sort, &user)
        }
        None => Json::Null,
    }
}

/// Runs statements for [`check_all`] on one database.
pub trait Fetch {
    /// The `id` column of each row.
    async fn ids(&mut self, sql: &str, params: Vec<SqlValue>) -> Vec<String>;
    /// The `id` and `k` columns of each row, `k` read as `kind`.
    async fn keys(
        &mut self,
        sql: &str,
        params: Vec<SqlValue>,
        kind: KeyKind,
    ) -> Vec<(String, Json)>;
}

/// Every case: the full result in order, the same rows again page by page through the
/// keyset predicate, and each row's SQL sort key equal to [`user_sort_key`].
pub async fn check_all(dialect: &dyn SqlDialect, db: &mut impl Fetch) {
    for case in CASES {
        let (condition, sort, params) = compile_case(dialect, case);
        let order = sort.order_by();
        let all = db
            .ids(
                &format!("SELECT id FROM users WHERE {condition} ORDER BY {order}"),
                params.values().to_vec(),
            )
            .await;
        assert_eq!(all, case.expected, "{:?} {}", case.mode, case.input);

        let mut paged: Vec<String> = Vec::new();
        for _ in 0..=case.expected.len() {
            let mut page_params = params.clone();
            let after = match paged.last() {
                Some(id) => sort
                    .after(&cursor_key(case, id), id, &mut page_params)
                    .unwrap(),
                None => "1 = 1".to_owned(),
            };
            let limit = page_params.push(SqlValue::Int(2));
            let sql = format!(
                "SELECT id FROM users WHERE {condition} AND {after} ORDER BY {order} \
                 LIMIT {limit}"
            );
            let page = db.ids(&sql, page_params.into_values()).await;
            if page.is_empty() {
                break;
            }
            paged.extend(page);
        }
        assert_eq!(paged, case.expected, "paged: {}", case.input);

        if let (Some(key), Some(kind)) = (sort.key_sql(), sort.key_kind()) {
            let sql = format!("SELECT id, {key} AS k FROM users WHERE {condition}");
            for (id, stored) in db.keys(&sql, params.values().to_vec(), kind).await {
                assert_eq!(stored, cursor_key(case, &id), "key of {id}: {}", case.input);
            }
        }
    }
}
