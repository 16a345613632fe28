//! Table tests of the group-rule expression subset: what each valid expression yields for one
//! user, what evaluation errors arise, and the cause of each refused expression.

use serde_json::json;

use super::functions::Function;
use super::*;

/// Ada: a profile with strings, numbers, Booleans, arrays, blanks, a null and an object, in
/// two groups by id and three by name.
fn ada() -> MapContext {
    let profile = json!({
        "login": "ada@example.com",
        "email": "ada@example.com",
        "firstName": "Ada",
        "lastName": "Lovelace",
        "department": "Engineering",
        "city": "San Francisco",
        "title": "Senior Engineer",
        "salary": 1_500_000,
        "rating": 4.5,
        "isContractor": false,
        "hasBadge": true,
        "favoriteColors": ["blue", "green"],
        "scores": [10, 20, 30],
        "nickName": "",
        "middleName": null,
        "employeeNumber": "00042",
        "address": {"street": "1 Main St"},
    });
    MapContext {
        profile: profile.as_object().cloned().unwrap(),
        group_ids: vec!["00gEng".into(), "00gEveryone".into()],
        group_names: vec![
            "Engineering".into(),
            "Everyone".into(),
            "San Francisco Office".into(),
        ],
    }
}

const VALID: &[(&str, bool)] = &[
    // Literals and keywords (any case).
    ("true", true),
    ("TRUE", true),
    ("False", false),
    ("null == null", true),
    ("NULL == user.missing", true),
    (r#"'single' == "single""#, true),
    (r#"'It''s' == "It's""#, true),
    (r#""say ""hi""" == 'say "hi"'"#, true),
    (r#""a\b" == 'a\b'"#, true),
    (r#"String.len("\") == 1"#, true),
    ("1 == 1.0", true),
    ("-5 < 0", true),
    ("2.5 > 2", true),
    ("10 >= 10", true),
    ("3 <= 2", false),
    ("1 != 2", true),
    ("{1, 'a'} == {1, 'a'}", true),
    ("{} == {}", true),
    ("{1, 2} == {2, 1}", false),
    // Profile properties; a missing one is null; comparisons are case-sensitive.
    (r#"user.department == "Engineering""#, true),
    (r#"user.department == "engineering""#, false),
    (r#"user.department != "Sales""#, true),
    (r#"user.city == "San Francisco""#, true),
    ("user.salary >= 1000000", true),
    ("user.salary > 1000000 AND !user.isContractor", true),
    ("user.rating > 4", true),
    ("user.rating == 4.5", true),
    ("!user.isContractor", true),
    ("user.hasBadge", true),
    ("user.missing == null", true),
    ("user.middleName == null", true),
    ("user.missing != null", false),
    (r#"user.missing == """#, false),
    (r#"user.nickName == """#, true),
    ("user.address == null", true),
    ("user.status == null", true),
    (r#"user.favoriteColors == {"blue", "green"}"#, true),
    // Ordering: numbers or strings only; null and mixed types are false either way.
    ("user.missing > 5", false),
    ("user.missing < 5", false),
    ("user.missing <= 5", false),
    ("null >= null", false),
    ("user.department > 5", false),
    ("user.department < 5", false),
    ("user.department == 5", false),
    ("user.department != 5", true),
    ("user.employeeNumber == 42", false),
    (r#"user.title > "A""#, true),
    (r#""a" < "b""#, true),
    (r#""B" < "a""#, true),
    ("true > false", false),
    // Logical operators, symbolic and word forms.
    (
        r#"user.department == "Engineering" && user.city == "Paris""#,
        false,
    ),
    (
        r#"user.department == "Engineering" and user.city == "San Francisco""#,
        true,
    ),
    (
        r#"user.department == "Sales" || user.city == "San Francisco""#,
        true,
    ),
    (
        r#"user.department == "Sales" OR user.city == "Paris""#,
        false,
    ),
    (r#"user.department == "Sales" Or user.hasBadge"#, true),
    ("NOT user.isContractor", true),
    ("not user.hasBadge", false),
    ("!!user.hasBadge", true),
    ("user.hasBadge || user.missing", true),
    ("user.isContractor && user.missing", false),
    // Word comparisons.
    ("user.salary eq 1500000", true),
    ("user.salary NE 1", true),
    ("user.salary gt 1", true),
    ("user.salary ge 1500000", true),
    ("user.salary lt 2000000", true),
    ("user.salary le 1500000", true),
    // Precedence.
    ("true || false && false", true),
    ("(true || false) && false", false),
    ("false && false || true", true),
    ("!true == false", true),
    ("!(user.salary > 1)", false),
    ("1 + 2 == 3", true),
    // Conditional and Elvis.
    (
        r#"user.hasBadge ? user.city == "San Francisco" : false"#,
        true,
    ),
    (
        r#"user.isContractor ? true : user.department == "Engineering""#,
        true,
    ),
    ("true ? false : true", false),
    ("false ? true : true ? false : true", false),
    (r#"(user.nickName ?: "none") == "none""#, true),
    (r#"(user.missing ?: "x") == "x""#, true),
    (r#"(user.firstName ?: "x") == "Ada""#, true),
    // + and -.
    (
        r#"user.firstName + " " + user.lastName == "Ada Lovelace""#,
        true,
    ),
    (r#""a" + 1 + 2 == "a12""#, true),
    (r#"1 + 2 + "a" == "3a""#, true),
    (r#""x" + user.missing == "xnull""#, true),
    (
        r#""n=" + 2.0 + "," + 2.5 + "," + true == "n=2.0,2.5,true""#,
        true,
    ),
    ("user.salary - 500000 == 1000000", true),
    ("2.5 + 1 == 3.5", true),
    ("10 - 2.5 == 7.5", true),
    ("-user.salary < 0", true),
    ("-(1 + 1) == -2", true),
    // String functions.
    (r#"String.stringContains(user.email, "@example.com")"#, true),
    (r#"String.stringContains(user.email, "EXAMPLE")"#, false),
    (r#"String.stringContains(user.missing, "a")"#, false),
    (r#"String.startsWith(user.firstName, "Ad")"#, true),
    (r#"String.startsWith(user.firstName, "ad")"#, false),
    (r#"String.endsWith(user.email, ".com")"#, true),
    (r#"String.endsWith(user.missing, ".com")"#, false),
    (
        r#"String.toLowerCase(user.department) == "engineering""#,
        true,
    ),
    (r#"String.toUpperCase(user.city) == "SAN FRANCISCO""#, true),
    ("String.toLowerCase(user.missing) == null", true),
    ("String.len(user.firstName) == 3", true),
    ("String.len(user.missing) == 0", true),
    (r#"String.len("héllo") == 5"#, true),
    ("String.len(user.salary) == 7", true),
    (
        r#"String.substring("This is a test", 2, 9) == "is is a""#,
        true,
    ),
    (r#"String.substring(user.firstName, 0, 1) == "A""#, true),
    (r#"String.substring("abc", 1, 99) == "bc""#, true),
    (r#"String.substring("abc", -4, 1.0) == "a""#, true),
    (r#"String.substring("abc", 2, 1) == """#, true),
    ("String.substring(user.missing, 0, 1) == null", true),
    (r#"String.substringBefore(user.email, "@") == "ada""#, true),
    (r#"String.substringBefore("abc", "z") == "abc""#, true),
    (r#"String.substringBefore(user.missing, "@") == null"#, true),
    (
        r#"String.substringAfter(user.email, "@") == "example.com""#,
        true,
    ),
    (r#"String.substringAfter("abc", "z") == """#, true),
    (r#"String.substringAfter("abc", user.missing) == """#, true),
    (
        r#"String.append("This is", " a test") == "This is a test""#,
        true,
    ),
    (r#"String.append(user.missing, "x") == "x""#, true),
    (
        r#"String.join(",", "This", "is", "a", "test") == "This,is,a,test""#,
        true,
    ),
    (
        r#"String.join("", user.firstName, user.lastName) == "AdaLovelace""#,
        true,
    ),
    (r#"String.join("-") == """#, true),
    (
        r#"String.removeSpaces("This is a test") == "Thisisatest""#,
        true,
    ),
    (
        r#"String.stringSwitch(user.title, "other", "Senior", "senior", "Junior", "junior") == "senior""#,
        true,
    ),
    (
        r#"String.stringSwitch("abc", "default", "z", "v") == "default""#,
        true,
    ),
    (
        r#"String.stringSwitch("First match wins", "default", "absent", "value1", "wins", "value2", "match", "value3") == "value2""#,
        true,
    ),
    (
        r#"String.stringSwitch(user.missing, "default") == "default""#,
        true,
    ),
    // Array functions.
    (r#"Arrays.contains(user.favoriteColors, "blue")"#, true),
    (r#"Arrays.contains(user.favoriteColors, "Blue")"#, false),
    ("Arrays.contains({10, 20, 30}, 10)", true),
    ("Arrays.contains({10, 20, 30}, 50)", false),
    ("Arrays.contains(user.scores, 20.0)", true),
    (r#"Arrays.contains(user.missing, "x")"#, false),
    (r#"Arrays.contains(user.department, "Engineering")"#, true),
    ("Arrays.isEmpty(user.missing)", true),
    ("Arrays.isEmpty({})", true),
    ("Arrays.isEmpty(user.favoriteColors)", false),
    ("Arrays.size(user.scores) == 3", true),
    ("Arrays.size(NULL) == 0", true),
    (
        r#"Arrays.toCsvString(user.favoriteColors) == "blue,green""#,
        true,
    ),
    (
        r#"Arrays.toCsvString({"This", "is", " a ", "test"}) == "This,is, a ,test""#,
        true,
    ),
    ("Arrays.get(user.scores, 0) == 10", true),
    ("Arrays.get(user.scores, 9) == null", true),
    ("Arrays.get(user.scores, -1) == null", true),
    ("Arrays.add({10, 20}, 30) == {10, 20, 30}", true),
    ("Arrays.remove({10, 20, 30, 20}, 20) == {10, 30, 20}", true),
    ("Arrays.clear({1}) == {}", true),
    (
        "Arrays.flatten(10, {20, {30}}, 40) == {10, 20, 30, 40}",
        true,
    ),
    // Group membership, classic functions.
    (r#"isMemberOfGroup("00gEng")"#, true),
    (r#"isMemberOfGroup("00gOther")"#, false),
    (r#"isMemberOfAnyGroup("00gOther", "00gEveryone")"#, true),
    (r#"isMemberOfAnyGroup("00gX", "00gY")"#, false),
    (r#"isMemberOfGroupName("Engineering")"#, true),
    (r#"isMemberOfGroupName("engineering")"#, false),
    ("isMemberOfGroupName(user.department)", true),
    ("isMemberOfGroupName(user.missing)", false),
    (r#"isMemberOfGroupNameStartsWith("San Fr")"#, true),
    (r#"isMemberOfGroupNameStartsWith("Fr")"#, false),
    (r#"isMemberOfGroupNameContains("Office")"#, true),
    (r#"isMemberOfGroupNameContains("admin")"#, false),
    // Group membership, user.isMemberOf.
    ("user.isMemberOf({'group.id': '00gEng'})", true),
    (
        "user.isMemberOf({'group.id': {'00gX', '00gEveryone'}})",
        true,
    ),
    (
        "user.isMemberOf({'group.id': '00gjitX9HqABSoqTB0g3'})",
        false,
    ),
    (
        "!user.isMemberOf({'group.id': '00gjitX9HqABSoqTB0g3'})",
        true,
    ),
    ("user.isMemberOf({'group.profile.name': 'Everyone'})", true),
    (
        "user.isMemberOf({'group.profile.name': 'Every', 'operator': 'EXACT'})",
        false,
    ),
    (
        "user.isMemberOf({'operator': 'STARTS_WITH', 'group.profile.name': 'Every'})",
        true,
    ),
    (
        r#"user.isMemberOf({"group.profile.name": {"Sales", "Engineering"}})"#,
        true,
    ),
    (
        "user.isMemberOf({'group.id': '00gEng'}) && user.isMemberOf({'group.id': '00gX'})",
        false,
    ),
    // Okta's group rule samples (okta-expression-language, "Samples using group rules").
    (r#"String.stringContains(user.firstName, "dummy")"#, false),
    ("user.salary > 1000000 AND !user.isContractor", true),
    // Whitespace anywhere between tokens.
    (
        "  user.firstName    ==    'Ada'   AND   (user.lastName==\"Lovelace\")  ",
        true,
    ),
];

#[test]
fn valid_expressions_evaluate_as_expected() {
    let ctx = ada();
    for (source, want) in VALID {
        let expression = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(expression.evaluate(&ctx), Ok(*want), "{source}");
    }
}

#[test]
fn every_function_has_a_valid_case() {
    for function in Function::ALL {
        let call = format!("{}(", function.name());
        assert!(
            VALID.iter().any(|(source, _)| source.contains(&call)),
            "no case calls {}",
            function.name()
        );
    }
}

#[test]
fn evaluation_errors() {
    let mismatch = |operation, expected, found| EvalError::TypeMismatch {
        operation,
        expected,
        found,
    };
    let cases: &[(&str, EvalError)] = &[
        (
            "user.department",
            EvalError::NotBoolean { found: "a string" },
        ),
        ("user.missing", EvalError::NotBoolean { found: "null" }),
        (
            "Arrays.get(user.scores, 0)",
            EvalError::NotBoolean { found: "a number" },
        ),
        (
            "String.stringSwitch('a', user.favoriteColors)",
            EvalError::NotBoolean { found: "a list" },
        ),
        ("!user.missing", mismatch("'!'", "a Boolean", "null")),
        (
            "user.department && true",
            mismatch("'&&'", "a Boolean", "a string"),
        ),
        (
            "user.missing || true",
            mismatch("'||'", "a Boolean", "null"),
        ),
        (
            "user.missing ? true : false",
            mismatch("The condition of '?'", "a Boolean", "null"),
        ),
        (
            "user.salary + user.hasBadge > 0",
            mismatch("'+'", "numbers", "a Boolean"),
        ),
        (
            "user.hasBadge - 1 > 0",
            mismatch("'-'", "numbers", "a Boolean"),
        ),
        (
            r#"user.scores + "x" == """#,
            mismatch("'+'", "a string or a single value", "a list"),
        ),
        (
            "String.len(user.scores) > 0",
            mismatch("String.len", "a string", "a list"),
        ),
        (
            r#"String.substring(user.firstName, "a", 2) == """#,
            mismatch("String.substring", "an integer", "a string"),
        ),
        (
            "Arrays.get(user.scores, 0.5) == 10",
            mismatch("Arrays.get", "an integer", "a number"),
        ),
        (
            "Arrays.toCsvString({{1}}) == ''",
            mismatch("Arrays.toCsvString", "a string", "a list"),
        ),
        (
            "-user.department == 0",
            mismatch("'-'", "numbers", "a string"),
        ),
        (
            "user.salary + 9223372036854775807 > 0",
            EvalError::Overflow { operation: "'+'" },
        ),
        (
            "-9223372036854775807 - 2 < 0",
            EvalError::Overflow { operation: "'-'" },
        ),
    ];
    let ctx = ada();
    for (source, want) in cases {
        let expression = parse(source).unwrap_or_else(|e| panic!("{source}: {e}"));
        assert_eq!(expression.evaluate(&ctx).as_ref(), Err(want), "{source}");
    }
}

/// Each refused expression and a fragment of its cause (after the field prefix).
const INVALID: &[(&str, &str)] = &[
    // Empty, too long (see also `length_limit`), stray characters.
    ("", "The expression is empty"),
    ("   \t ", "The expression is empty"),
    ("#", "Unexpected character '#' at position 0"),
    (
        "99999999999999999999 > 1",
        "Number 99999999999999999999 at position 0 is too large",
    ),
    // Unknown functions and wrong arity.
    (
        "String.foo(user.a)",
        "Unknown function String.foo at position 0",
    ),
    ("foo(1)", "Unknown function foo at position 0"),
    ("string.len('a') == 1", "Unknown function string.len"),
    ("user.foo()", "Unknown function user.foo at position 0"),
    (
        "String.len('a', 'b') == 1",
        "String.len takes 1 argument, not 2 at position 0",
    ),
    (
        "String.stringContains('a')",
        "String.stringContains takes 2 arguments, not 1",
    ),
    (
        "String.substring('abc', 1) == 'b'",
        "String.substring takes 3 arguments, not 2",
    ),
    (
        "String.join() == ''",
        "String.join takes at least 1 argument, not 0",
    ),
    (
        "isMemberOfAnyGroup()",
        "isMemberOfAnyGroup takes at least 1 argument, not 0",
    ),
    (
        "isMemberOfGroup('a', 'b')",
        "isMemberOfGroup takes 1 argument, not 2",
    ),
    (
        "String.stringSwitch('a', 'b', 'c') == 'd'",
        "String.stringSwitch takes an input, a default and key/value pairs, not 3 arguments",
    ),
    (
        "isMemberOfGroup(user.department)",
        "isMemberOfGroup at position 0 takes group ids as quoted strings",
    ),
    (
        "isMemberOfAnyGroup('00g1', ' ')",
        "takes group ids as quoted strings",
    ),
    // Unbalanced parentheses, trailing and missing tokens.
    (
        "(user.a == 'x'",
        "Unexpected end of expression at position 14; expected ')' to close '(' at position 0",
    ),
    ("((true)", "Unexpected end of expression at position 7"),
    ("user.a == 'x')", "Unexpected token ')' at position 13"),
    ("'é' == \"é\" )", "Unexpected token ')' at position 11"),
    (
        "user.a == 'x' user.b",
        "Unexpected token 'user' at position 14",
    ),
    (
        "user.a == 'x' &&",
        "Unexpected end of expression at position 16; expected a value",
    ),
    ("user.a == == 'x'", "Unexpected token '==' at position 10"),
    (
        "user.a == 'x' == true",
        "Unexpected token '==' at position 14",
    ),
    ("AND true", "Unexpected token 'AND' at position 0"),
    ("true ? false", "expected ':' in a conditional expression"),
    (
        "String.len('a' == 1",
        "expected ',' or ')' in the arguments of String.len",
    ),
    (
        "{1, 2 == {}",
        "expected ',' or '}' to close '{' at position 0",
    ),
    ("()", "Unexpected token ')' at position 1; expected a value"),
    // Unterminated strings.
    (
        "user.a == \"x",
        "Unterminated string starting at position 10",
    ),
    (
        "user.a == 'x''",
        "Unterminated string starting at position 10",
    ),
    // Operators Okta's rules do not take.
    (
        "user.a = 'x'",
        "Assignment '=' at position 7 is not allowed; compare with '=='",
    ),
    ("user.a & true", "Unexpected '&' at position 7; use '&&'"),
    ("user.a | true", "Unexpected '|' at position 7; use '||'"),
    (
        "user.salary * 2 > 1",
        "The '*' operator at position 12 is not supported",
    ),
    ("user.salary / 2 > 1", "The '/' operator"),
    ("user.salary % 2 == 1", "The '%' operator"),
    (
        "user.title matches 'x'",
        "The 'matches' operator at position 11 is not supported",
    ),
    // References outside user profile properties.
    (
        "user",
        "'user' at position 0 must be followed by .<property>",
    ),
    (
        "user.",
        "Unexpected end of expression at position 5; expected a property name",
    ),
    (
        "user.profile.department == 'x'",
        "Invalid property user.profile.department at position 0",
    ),
    (
        "user.department.contains('x')",
        "Methods of values (user.department.contains at position 0) are not supported",
    ),
    (
        "appuser.firstName == 'x'",
        "Invalid property appuser.firstName at position 0",
    ),
    ("org.name == 'x'", "Invalid property org.name"),
    (
        "firstName == 'x'",
        "Unknown identifier 'firstName' at position 0",
    ),
    (
        "String.len == 1",
        "String.len at position 0 is a function and needs arguments",
    ),
    (
        "'abc'.length() == 3",
        "Properties and methods of values (at position 5)",
    ),
    (
        "user.scores[0] == 10",
        "Indexing with '[' at position 11 is not supported",
    ),
    // Function families Okta refuses in rules, and ones Latchkey does not evaluate.
    (
        "Convert.toInt('2018') == user.yearJoined",
        "Convert.toInt is not allowed in group rules",
    ),
    (
        "Convert.toNum('1') == 1",
        "Convert.toNum is not allowed in group rules",
    ),
    (
        "Time.now() == 'x'",
        "Time.now is not allowed in group rules",
    ),
    (
        "Iso3166Convert.toName('US') == 'x'",
        "Iso3166Convert.toName is not allowed",
    ),
    (
        "Groups.contains('OKTA', 'x', 10) == {}",
        "Groups.contains works only in group claims",
    ),
    (
        "getFilteredGroups({'00g'}, 'group.name', 40) == {}",
        "getFilteredGroups works only in group claims",
    ),
    (
        "isMemberOfGroupNameRegex('/.*admin.*')",
        "isMemberOfGroupNameRegex is not supported by Latchkey",
    ),
    (
        "String.replace('a', 'b', 'c') == 'x'",
        "String.replace is not supported by Latchkey",
    ),
    (
        "toUpperCase(user.a) == 'X'",
        "toUpperCase is deprecated and not available in group rules",
    ),
    (
        "hasWorkdayUser()",
        "hasWorkdayUser is not available in group rules",
    ),
    (
        "user.getGroups() == {}",
        "user.getGroups is not supported by Latchkey",
    ),
    (
        "user.getLinkedObject('manager') == null",
        "user.getLinkedObject is not supported",
    ),
    // Results and operands that can never be Booleans.
    (
        "'abc'",
        "The expression must evaluate to a Boolean, not a string",
    ),
    ("1 + 2", "must evaluate to a Boolean, not a number"),
    (
        "String.toLowerCase(user.a)",
        "must evaluate to a Boolean, not a string",
    ),
    ("null", "must evaluate to a Boolean, not null"),
    ("{true}", "must evaluate to a Boolean, not a list"),
    (
        "Arrays.add(user.a, 1)",
        "must evaluate to a Boolean, not a list",
    ),
    ("!'abc'", "'!' needs a Boolean, not a string"),
    ("true && 5", "'&&' needs a Boolean, not a number"),
    ("null || true", "'||' needs a Boolean, not null"),
    (
        "'x' ? true : false",
        "The condition of '?' needs a Boolean, not a string",
    ),
    ("-'x' == 1", "'-' needs a number, not a string"),
    // user.isMemberOf criteria.
    ("user.isMemberOf('00g1')", "expected a criteria map"),
    (
        "user.isMemberOf({})",
        "expects a quoted criterion name at position 17",
    ),
    (
        "user.isMemberOf({'group.type': {'OKTA_GROUP'}})",
        "the 'group.type' criterion is not supported by Latchkey",
    ),
    (
        "user.isMemberOf({'group.source.id': '0oa1'})",
        "'group.source.id' criterion is not supported",
    ),
    (
        "user.isMemberOf({'colour': 'x'})",
        "unknown criterion 'colour'",
    ),
    (
        "user.isMemberOf({'group.id': '00g1', 'operator': 'EXACT'})",
        "'operator' applies only to 'group.profile.name'",
    ),
    (
        "user.isMemberOf({'group.profile.name': 'x', 'operator': 'CONTAINS'})",
        "'operator' is 'EXACT' or 'STARTS_WITH'",
    ),
    (
        "user.isMemberOf({'group.id': '00g1', 'group.profile.name': 'x'})",
        "combining 'group.id' and 'group.profile.name' is not supported",
    ),
    (
        "user.isMemberOf({'group.id': '00g1'}, {'group.profile.name': 'x'})",
        "several criteria maps are not supported",
    ),
    (
        "user.isMemberOf({'group.id': '00g1', 'group.id': '00g2'})",
        "names 'group.id' twice",
    ),
    (
        "user.isMemberOf({'operator': 'EXACT'})",
        "needs 'group.id' or 'group.profile.name'",
    ),
    (
        "user.isMemberOf({'group.id': ''})",
        "must be a quoted string or a list of them, none blank",
    ),
    ("user.isMemberOf({'group.id': {}})", "none blank"),
    ("user.isMemberOf({'group.id': user.a})", "none blank"),
    (
        "user.getInternalProperty('login') == 'x'",
        "user.getInternalProperty at position 0 takes one quoted name, \"id\" or \"status\"",
    ),
    ("user.getInternalProperty() == 'x'", "takes one quoted name"),
];

fn cause(source: &str) -> String {
    match parse(source) {
        Ok(_) => panic!("{source}: parsed"),
        Err(DomainError::Validation { summary, causes }) => {
            assert_eq!(summary, "conditions.expression.value", "{source}");
            assert_eq!(causes.len(), 1, "{source}");
            let only = causes.into_iter().next().unwrap();
            only.strip_prefix("conditions.expression.value: ")
                .unwrap_or_else(|| panic!("{source}: {only}"))
                .to_owned()
        }
        Err(other) => panic!("{source}: {other:?}"),
    }
}

#[test]
fn invalid_expressions_are_refused_with_a_cause() {
    for (source, fragment) in INVALID {
        let cause = cause(source);
        assert!(cause.contains(fragment), "{source}: {cause}");
    }
}

#[test]
fn error_is_one_validation_cause_on_the_expression_field() {
    assert_eq!(
        parse("foo(1)"),
        Err(DomainError::Validation {
            summary: "conditions.expression.value".into(),
            causes: vec!["conditions.expression.value: Unknown function foo at position 0".into()],
        })
    );
}

#[test]
fn length_limit() {
    let longest = format!("{}true", " ".repeat(MAX_SOURCE_CHARS - 4));
    assert!(parse(&longest).is_ok());
    let too_long = format!("{}true", " ".repeat(MAX_SOURCE_CHARS - 3));
    assert_eq!(
        cause(&too_long),
        format!("The expression is 1025 characters long; at most {MAX_SOURCE_CHARS} are allowed")
    );
    // Characters, not bytes.
    let accents = format!("'{}' == ''", "é".repeat(MAX_SOURCE_CHARS - 8));
    assert_eq!(accents.chars().count(), MAX_SOURCE_CHARS);
    assert!(parse(&accents).is_ok());
}

#[test]
fn depth_limit() {
    let deepest = format!(
        "{}true{}",
        "(".repeat(MAX_DEPTH - 1),
        ")".repeat(MAX_DEPTH - 1)
    );
    assert_eq!(parse(&deepest).unwrap().evaluate(&ada()), Ok(true));
    let parens = format!("{}true{}", "(".repeat(MAX_DEPTH), ")".repeat(MAX_DEPTH));
    assert_eq!(
        cause(&parens),
        format!("The expression nests deeper than {MAX_DEPTH} levels at position {MAX_DEPTH}")
    );
    for hostile in [
        format!("{}true", "!".repeat(1000)),
        format!("{}1 == 1", "-".repeat(1000)),
        format!("{}{}", "{".repeat(500), "}".repeat(500)),
        format!("{}{}", "String.len(".repeat(80), ")".repeat(80)),
        format!("true{}", " ? true".repeat(100)),
    ] {
        assert!(cause(&hostile).contains("nests deeper than"), "{hostile}");
    }
    // Long flat chains are fine: they are one node, not a deep tree.
    let chain = vec!["true"; 120].join(" || ");
    assert_eq!(parse(&chain).unwrap().evaluate(&ada()), Ok(true));
    let sum = format!("{} == 200", vec!["1"; 200].join(" + "));
    assert_eq!(parse(&sum).unwrap().evaluate(&ada()), Ok(true));
}

#[test]
fn referenced_group_ids_lists_id_literals_once_in_order() {
    let expression = parse(
        "isMemberOfGroup('00g1') || isMemberOfAnyGroup('00g2', '00g1') \
         || user.isMemberOf({'group.id': {'00g3'}}) || isMemberOfGroupName('x') \
         || user.isMemberOf({'group.profile.name': 'y'})",
    )
    .unwrap();
    assert_eq!(expression.referenced_group_ids(), ["00g1", "00g2", "00g3"]);
    assert!(parse("user.a == 'x'")
        .unwrap()
        .referenced_group_ids()
        .is_empty());
}

#[test]
fn referenced_attributes_lists_profile_properties_once_in_order() {
    let expression = parse(
        "user.department == 'x' && String.stringContains(user.email, user.department) \
         || user.getInternalProperty('status') == 'ACTIVE' || Arrays.size({user.zip}) > 0",
    )
    .unwrap();
    assert_eq!(
        expression.referenced_attributes(),
        ["department", "email", "zip"]
    );
    assert!(parse("isMemberOfGroup('00g1')")
        .unwrap()
        .referenced_attributes()
        .is_empty());
}

/// A context that also knows the user's id and status.
struct WithStatus(MapContext, &'static str);

impl EvalContext for WithStatus {
    fn attribute(&self, name: &str) -> Option<serde_json::Value> {
        self.0.attribute(name)
    }
    fn is_member_of(&self, group_id: &str) -> bool {
        self.0.is_member_of(group_id)
    }
    fn group_names(&self) -> Vec<String> {
        self.0.group_names()
    }
    fn internal_property(&self, property: InternalProperty) -> Option<String> {
        match property {
            InternalProperty::Id => Some("00u1".to_owned()),
            InternalProperty::Status => Some(self.1.to_owned()),
        }
    }
}

#[test]
fn internal_properties_come_from_the_context() {
    let active = parse("user.getInternalProperty(\"status\") == \"ACTIVE\"").unwrap();
    let id = parse("user.getInternalProperty('id') == '00u1'").unwrap();
    assert_eq!(active.evaluate(&WithStatus(ada(), "ACTIVE")), Ok(true));
    assert_eq!(active.evaluate(&WithStatus(ada(), "SUSPENDED")), Ok(false));
    assert_eq!(id.evaluate(&WithStatus(ada(), "ACTIVE")), Ok(true));
    // A context that does not provide them reads null.
    assert_eq!(active.evaluate(&ada()), Ok(false));
    assert_eq!(InternalProperty::Status.name(), "status");
}

#[test]
fn source_is_kept_as_written() {
    let source = "user.role==\"Engineer\"";
    let expression = parse(source).unwrap();
    assert_eq!(expression.source(), source);
    assert_eq!(expression.to_string(), source);
    let engineer = MapContext {
        profile: json!({"role": "Engineer"}).as_object().cloned().unwrap(),
        ..MapContext::default()
    };
    assert_eq!(expression.evaluate(&engineer), Ok(true));
    assert_eq!(expression.evaluate(&MapContext::default()), Ok(false));
}

#[test]
fn evaluation_error_messages() {
    assert_eq!(
        EvalError::NotBoolean { found: "null" }.to_string(),
        "the expression evaluated to null, not a Boolean"
    );
    assert_eq!(
        EvalError::TypeMismatch {
            operation: "'!'",
            expected: "a Boolean",
            found: "a string"
        }
        .to_string(),
        "'!' needs a Boolean, not a string"
    );
    assert_eq!(
        EvalError::Overflow { operation: "'+'" }.to_string(),
        "'+' overflowed the integer range"
    );
}
