"""The Users API through Okta's Python SDK (okta 3.4.6).

Every call goes through the SDK, which authenticates with `Authorization: SSWS<token>`
(no space), deserialises every answer into strict pydantic models (an enum value or a
type off the spec raises inside the client) and runs json.loads on every
application/json body, so an empty JSON body on a lifecycle call fails the test.
Each test makes its own users with unique logins; none depends on another.
"""

import asyncio
from datetime import datetime, timedelta, timezone

from okta.models import (
    ChangePasswordRequest, CreateUserRequest, UpdateUserRequest, UserCredentials, UserNextLogin,
)
from okta.pagination import PaginationHelper

from helpers import (
    FIRST_NAME, NEW_PASSWORD, PASSWORD, THIRD_PASSWORD, api_error, assert_timestamp,
    create_user, new_login, ok, profile, raw, split, suffix,
)


async def get(client, user_id):
    user, _ = ok(await client.get_user(user_id))
    assert user is not None, f"get_user({user_id}) returned no user"
    return user


def assert_okta_provider(user_or_credentials):
    credentials = getattr(user_or_credentials, "credentials", user_or_credentials)
    assert credentials is not None and credentials.provider is not None, "no credentials.provider"
    assert credentials.provider.type == "OKTA"
    assert credentials.provider.name == "OKTA"


# ---------------------------------------------------------------- create


async def test_create_without_credentials_and_activate_false_is_staged(client, org_url):
    login = new_login()
    before = datetime.now(timezone.utc) - timedelta(minutes=5)
    user = await create_user(client, login=login, activate=False, mobilePhone="555-415-1337")

    assert user.status == "STAGED"
    assert user.id.startswith("00u") and len(user.id) == 20, user.id
    assert assert_timestamp(user.created, "created") > before
    assert assert_timestamp(user.last_updated, "lastUpdated") >= user.created
    assert user.activated is None
    assert user.password_changed is None
    assert user.profile.login == login
    assert user.profile.email == login
    assert user.profile.first_name == FIRST_NAME
    assert user.profile.last_name == "Hopper"
    assert user.profile.mobile_phone == "555-415-1337"
    assert_okta_provider(user)
    assert user.credentials.password is None
    assert user.links.var_self.href == f"{org_url}/api/v1/users/{user.id}"
    assert user.links.activate.href == f"{org_url}/api/v1/users/{user.id}/lifecycle/activate"


async def test_create_with_password_activates_by_default(client):
    # `activate` defaults to true: no query parameter at all.
    user = await create_user(client, password=PASSWORD)

    assert user.status == "ACTIVE"
    assert_timestamp(user.created, "created")
    assert_timestamp(user.password_changed, "passwordChanged")
    assert user.credentials.password is not None, "credentials.password ({}) missing"
    assert user.credentials.password.value is None, "the password value was echoed back"
    assert_okta_provider(user)
    # Okta's own example answers `activated: null` on create (activation is asynchronous);
    # once read back, an ACTIVE user has its activation time.
    assert_timestamp((await get(client, user.id)).activated, "activated")


async def test_create_with_password_and_activate_false_is_staged(client):
    user = await create_user(client, password=PASSWORD, activate=False)
    assert user.status == "STAGED"
    assert user.activated is None


async def test_create_with_password_and_recovery_question(client):
    user = await create_user(client, password=PASSWORD, activate=True,
                             question=("Favourite colour of the sea?", "ultramarine"))
    assert user.status == "ACTIVE"
    assert user.credentials.recovery_question.question == "Favourite colour of the sea?"
    assert user.credentials.recovery_question.answer is None, "the answer was echoed back"
    assert_okta_provider(user)


async def test_create_without_credentials_and_activate_true_is_provisioned(client):
    user = await create_user(client, activate=True)
    assert user.status == "PROVISIONED"


async def test_create_with_next_login_change_password_expires_the_password(client):
    body = CreateUserRequest.from_dict(
        {"profile": profile(), "credentials": {"password": {"value": PASSWORD}}})
    user, _ = ok(await client.create_user(body, activate=True,
                                          next_login=UserNextLogin.CHANGEPASSWORD))
    assert user.status == "PASSWORD_EXPIRED"
    assert (await get(client, user.id)).status == "PASSWORD_EXPIRED"


async def test_create_duplicate_login_is_rejected(client):
    login = new_login()
    await create_user(client, login=login, activate=False)

    result = await client.create_user(
        CreateUserRequest.from_dict({"profile": profile(login=login)}), activate=False)
    error = api_error(result, 400, "E0000001")
    summaries = " ".join(cause.get("errorSummary", "") for cause in error.error_causes)
    assert "login" in summaries, f"errorCauses do not name the login: {error.error_causes}"


async def test_logins_are_unique_regardless_of_case(client):
    login = new_login()
    await create_user(client, login=login, activate=False)

    upper = login.upper()
    result = await client.create_user(
        CreateUserRequest.from_dict({"profile": profile(login=upper)}), activate=False)
    api_error(result, 400, "E0000001")


async def test_create_without_required_profile_field_is_rejected(client):
    body = profile()
    del body["lastName"]
    result = await client.create_user(CreateUserRequest.from_dict({"profile": body}),
                                      activate=False)
    error = api_error(result, 400, "E0000001")
    assert error.error_causes, "errorCauses should name the missing property"


# ---------------------------------------------------------------- read


async def test_get_user_by_id_login_and_shortname(client, org_url):
    login = new_login()
    created = await create_user(client, login=login, activate=False)

    by_id = await get(client, created.id)
    assert by_id.id == created.id
    assert by_id.profile.login == login
    assert by_id.created == created.created
    assert by_id.links.var_self.href == f"{org_url}/api/v1/users/{created.id}"

    by_login = await get(client, login)
    assert by_login.id == created.id

    shortname = login.split("@")[0]
    by_shortname = await get(client, shortname)
    assert by_shortname.id == created.id


async def test_get_unknown_user_is_404(client):
    result = await client.get_user("00u" + "z" * 17)
    error = api_error(result, 404, "E0000007")
    assert error.error_summary.startswith("Not found"), error.error_summary

    result = await client.get_user(new_login())
    api_error(result, 404, "E0000007")


async def test_every_response_carries_request_id_and_rate_limit_headers(client):
    # CLIENTS.md 8: the SDKs read Date and X-Rate-Limit-* to back off on 429.
    user = await create_user(client, activate=False)
    _, response = ok(await client.get_user(user.id))
    headers = {name.lower(): value for name, value in response.headers.items()}
    for name in ("x-okta-request-id", "x-rate-limit-limit", "x-rate-limit-remaining",
                 "x-rate-limit-reset", "date"):
        assert headers.get(name), f"response lacks {name}: {sorted(headers)}"
    assert int(headers["x-rate-limit-limit"]) >= int(headers["x-rate-limit-remaining"]) >= 0
    reset = int(headers["x-rate-limit-reset"])
    assert abs(reset - datetime.now(timezone.utc).timestamp()) < 3600, reset


async def test_bad_token_is_rejected_with_e0000011(org_url):
    from okta.client import Client
    stranger = Client({"orgUrl": org_url, "token": "00" + suffix() * 3})
    result = await stranger.list_users(limit=1)
    api_error(result, 401, "E0000011")


# ---------------------------------------------------------------- update


async def test_partial_update_keeps_other_profile_fields(client):
    user = await create_user(client, activate=False, mobilePhone="555-0100")

    updated, _ = ok(await client.update_user(
        user.id, UpdateUserRequest.from_dict({"profile": {"nickName": "Amazing"}})))
    assert updated.profile.nick_name == "Amazing"
    assert updated.profile.mobile_phone == "555-0100"
    assert updated.profile.first_name == FIRST_NAME
    assert updated.profile.login == user.profile.login
    assert updated.last_updated >= user.last_updated
    assert updated.status == "STAGED"

    fetched = await get(client, user.id)
    assert fetched.profile.nick_name == "Amazing"
    assert fetched.profile.mobile_phone == "555-0100"


async def test_replace_user_drops_omitted_profile_fields(client):
    login = new_login()
    user = await create_user(client, login=login, activate=False, mobilePhone="555-0101")

    replacement = profile(login=login, firstName="Ada", lastName="Lovelace")
    replaced, _ = ok(await client.replace_user(
        user.id, UpdateUserRequest.from_dict({"profile": replacement})))
    assert replaced.profile.first_name == "Ada"
    assert replaced.profile.last_name == "Lovelace"
    assert replaced.profile.mobile_phone is None, "PUT must replace the whole profile"

    fetched = await get(client, user.id)
    assert fetched.profile.first_name == "Ada"
    assert fetched.profile.mobile_phone is None


async def test_update_can_set_a_password(client):
    user = await create_user(client, password=PASSWORD)

    updated, _ = ok(await client.update_user(
        user.id, UpdateUserRequest.from_dict({"credentials": {"password": {"value": NEW_PASSWORD}}})))
    assert updated.password_changed >= user.password_changed
    assert updated.credentials.password.value is None

    # The new password is now the current one.
    request = ChangePasswordRequest.from_dict(
        {"oldPassword": {"value": NEW_PASSWORD}, "newPassword": {"value": THIRD_PASSWORD}})
    ok(await client.change_password(user.id, request))


async def test_update_to_a_taken_login_is_rejected(client):
    taken = await create_user(client, activate=False)
    user = await create_user(client, activate=False)
    result = await client.update_user(
        user.id, UpdateUserRequest.from_dict({"profile": {"login": taken.profile.login}}))
    api_error(result, 400, "E0000001")


async def test_update_unknown_user_is_404(client):
    result = await client.update_user(
        "00u" + "y" * 17, UpdateUserRequest.from_dict({"profile": {"nickName": "x"}}))
    api_error(result, 404, "E0000007")


# ---------------------------------------------------------------- list


async def list_pages(client, **params):
    """Follows the `next` cursor the way the 3.4.6 SDK offers it: from the Link header,
    through okta.pagination.PaginationHelper (which sees only the last Link header)."""
    pages = []
    after = None
    while True:
        users, response = ok(await client.list_users(after=after, **params))
        assert users is not None
        pages.append(users)
        after = PaginationHelper.extract_next_cursor(response.headers)
        if after is None:
            return pages
        assert len(pages) < 50, "pagination does not end"


async def seed(client, count, last_name, **kwargs):
    return await asyncio.gather(*(create_user(client, lastName=last_name, activate=False, **kwargs)
                                  for _ in range(count)))


async def test_search_paginates_with_link_headers(client):
    tag = "Pg" + suffix()
    seeded = await seed(client, 25, tag)

    pages = await list_pages(client, search=f'profile.lastName eq "{tag}"', limit=10)
    sizes = [len(page) for page in pages]
    assert sizes == [10, 10, 5], f"page sizes {sizes}"
    ids = [user.id for page in pages for user in page]
    assert len(ids) == len(set(ids)), "a user was listed twice"
    assert set(ids) == {user.id for user in seeded}


async def test_link_headers_self_first_next_last_and_absolute(client, org_url):
    # CLIENTS.md 2 and 3: raw Link headers, read through the SDK's request executor.
    tag = "Ln" + suffix()
    await seed(client, 3, tag)
    response, _ = await raw(client, "GET",
                            f"/api/v1/users?limit=2&filter=profile.lastName%20eq%20%22{tag}%22")
    assert response.status == 200
    links = [part.strip() for header in response.headers.getall("Link", [])
             for part in header.split(",")]
    assert links, "no Link header"
    assert links[0].endswith('rel="self"'), links
    assert links[-1].endswith('rel="next"'), links
    for link in links:
        assert link.startswith(f"<{org_url}/api/v1/users?"), link


async def test_filter_by_login(client):
    user = await create_user(client, activate=False)
    users, _ = ok(await client.list_users(filter=f'profile.login eq "{user.profile.login}"'))
    assert [u.id for u in users] == [user.id]
    assert users[0].profile.login == user.profile.login


async def test_filter_by_status_and_last_name(client):
    tag = "St" + suffix()
    staged = await seed(client, 2, tag)
    active = await asyncio.gather(*(create_user(client, lastName=tag, password=PASSWORD, activate=True)
                                    for _ in range(2)))

    users, _ = ok(await client.list_users(
        filter=f'status eq "STAGED" and profile.lastName eq "{tag}"'))
    assert {u.id for u in users} == {u.id for u in staged}
    assert all(u.status == "STAGED" for u in users)

    users, _ = ok(await client.list_users(
        filter=f'status eq "ACTIVE" and profile.lastName eq "{tag}"'))
    assert {u.id for u in users} == {u.id for u in active}


async def test_filter_by_last_updated(client):
    tag = "Lu" + suffix()
    old = await create_user(client, lastName=tag, activate=False)
    cutoff = old.last_updated
    newer = await create_user(client, lastName=tag, activate=False)
    assert newer.last_updated >= cutoff
    stamp = cutoff.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + \
        f"{cutoff.microsecond // 1000:03d}Z"

    users, _ = ok(await client.list_users(
        filter=f'lastUpdated gt "{stamp}" and profile.lastName eq "{tag}"'))
    ids = {u.id for u in users}
    assert old.id not in ids
    if newer.last_updated > cutoff:
        assert newer.id in ids


async def test_search_with_starts_with(client):
    tag = "Sw" + suffix()
    seeded = await seed(client, 3, tag)
    await seed(client, 1, "Other" + tag)
    users, _ = ok(await client.list_users(search=f'profile.lastName sw "{tag}"'))
    assert {u.id for u in users} == {u.id for u in seeded}


async def test_q_matches_name_prefix_and_honours_limit(client):
    tag = "Qq" + suffix()
    seeded = await seed(client, 3, tag, firstName=tag + "first")

    users, _ = ok(await client.list_users(q=tag))
    assert {u.id for u in users} == {u.id for u in seeded}

    users, response = ok(await client.list_users(q=tag, limit=2))
    assert len(users) == 2
    # Okta: `q` "doesn't support pagination, but you can use limit" - no next link, or
    # the Node SDK's collection follows it past the limit.
    assert PaginationHelper.extract_next_cursor(response.headers) is None, \
        f"q answered with a next link: {response.headers.get('Link')}"


async def test_q_omits_deprovisioned_but_filter_includes_them(client):
    tag = "Dp" + suffix()
    keep, gone = await seed(client, 2, tag, firstName=tag)
    ok(await client.deactivate_user(gone.id))

    users, _ = ok(await client.list_users(q=tag))
    assert {u.id for u in users} == {keep.id}

    users, _ = ok(await client.list_users(filter=f'profile.lastName eq "{tag}"'))
    by_id = {u.id: u for u in users}
    assert set(by_id) == {keep.id, gone.id}
    assert by_id[gone.id].status == "DEPROVISIONED"


async def test_malformed_filter_is_a_400(client):
    result = await client.list_users(filter='profile.login eq')
    data, _, error = split(result)
    assert error is not None, f"a malformed filter was accepted: {data!r}"
    assert error.status == 400, error
    assert error.error_code in ("E0000031", "E0000001"), error.error_code


# ---------------------------------------------------------------- lifecycle


async def test_activate_staged_user_without_password_returns_activation_token(client, org_url):
    user = await create_user(client, activate=False)

    token, _ = ok(await client.activate_user(user.id, send_email=False))
    assert token is not None, "activate with sendEmail=false must return the activation token"
    assert token.activation_token
    assert token.activation_url.startswith(f"{org_url}/"), token.activation_url
    assert token.activation_url.endswith(token.activation_token)

    assert (await get(client, user.id)).status == "PROVISIONED"


async def test_activate_staged_user_with_password_makes_it_active(client):
    user = await create_user(client, password=PASSWORD, activate=False)
    ok(await client.activate_user(user.id, send_email=False))
    fetched = await get(client, user.id)
    assert fetched.status == "ACTIVE"
    assert_timestamp(fetched.activated, "activated")
    assert assert_timestamp(fetched.status_changed, "statusChanged") >= user.created


async def test_activate_active_user_is_rejected(client):
    user = await create_user(client, password=PASSWORD)
    result = await client.activate_user(user.id, send_email=False)
    api_error(result, 403, "E0000016")


async def test_suspend_and_unsuspend(client):
    user = await create_user(client, password=PASSWORD)

    ok(await client.suspend_user(user.id))
    suspended = await get(client, user.id)
    assert suspended.status == "SUSPENDED"
    assert assert_timestamp(suspended.status_changed, "statusChanged") >= user.created

    ok(await client.unsuspend_user(user.id))
    assert (await get(client, user.id)).status == "ACTIVE"


async def test_suspend_requires_active_and_unsuspend_requires_suspended(client):
    staged = await create_user(client, activate=False)
    api_error(await client.suspend_user(staged.id), 400, "E0000001")

    active = await create_user(client, password=PASSWORD)
    api_error(await client.unsuspend_user(active.id), 400, "E0000001")


async def test_lifecycle_on_unknown_user_is_404(client):
    missing = "00u" + "x" * 17
    api_error(await client.suspend_user(missing), 404, "E0000007")
    api_error(await client.deactivate_user(missing), 404, "E0000007")
    api_error(await client.activate_user(missing, send_email=False), 404, "E0000007")


async def test_deactivate_and_activate_again(client):
    user = await create_user(client, password=PASSWORD)

    ok(await client.deactivate_user(user.id))
    deactivated = await get(client, user.id)
    assert deactivated.status == "DEPROVISIONED"

    ok(await client.activate_user(user.id, send_email=False))
    assert (await get(client, user.id)).status in ("ACTIVE", "PROVISIONED")


async def test_reactivate_provisioned_user(client, org_url):
    user = await create_user(client, activate=True)
    assert user.status == "PROVISIONED"

    token, _ = ok(await client.reactivate_user(user.id, send_email=False))
    assert token is not None and token.activation_token
    assert token.activation_url.startswith(f"{org_url}/")
    assert (await get(client, user.id)).status == "PROVISIONED"


async def test_reactivate_active_user_is_rejected(client):
    user = await create_user(client, password=PASSWORD)
    api_error(await client.reactivate_user(user.id, send_email=False), 403, "E0000038")


async def test_unlock_and_reset_factors_keep_an_active_user_active(client):
    user = await create_user(client, password=PASSWORD)
    ok(await client.unlock_user(user.id))
    assert (await get(client, user.id)).status == "ACTIVE"
    ok(await client.reset_factors(user.id))
    assert (await get(client, user.id)).status == "ACTIVE"


async def test_reset_password_returns_link_and_puts_user_in_recovery(client, org_url):
    user = await create_user(client, password=PASSWORD)

    token, _ = ok(await client.reset_password(user.id, send_email=False))
    assert token is not None and token.reset_password_url
    assert token.reset_password_url.startswith(f"{org_url}/"), token.reset_password_url
    assert (await get(client, user.id)).status == "RECOVERY"


async def test_expire_password_returns_the_user(client):
    user = await create_user(client, password=PASSWORD)

    expired, _ = ok(await client.expire_password(user.id))
    assert expired is not None and expired.id == user.id
    assert expired.status == "PASSWORD_EXPIRED"
    assert (await get(client, user.id)).status == "PASSWORD_EXPIRED"


# ---------------------------------------------------------------- credentials


async def test_change_password(client):
    user = await create_user(client, password=PASSWORD,
                             question=("First pet?", "tortoise"))

    request = ChangePasswordRequest.from_dict(
        {"oldPassword": {"value": PASSWORD}, "newPassword": {"value": NEW_PASSWORD}})
    credentials, _ = ok(await client.change_password(user.id, request))
    assert credentials is not None
    assert credentials.password is not None and credentials.password.value is None
    assert credentials.recovery_question.question == "First pet?"
    assert_okta_provider(credentials)

    fetched = await get(client, user.id)
    assert fetched.password_changed >= user.password_changed

    # The old password no longer works.
    again = ChangePasswordRequest.from_dict(
        {"oldPassword": {"value": PASSWORD}, "newPassword": {"value": THIRD_PASSWORD}})
    api_error(await client.change_password(user.id, again), 403, "E0000014")


async def test_change_password_with_wrong_old_password_is_rejected(client):
    user = await create_user(client, password=PASSWORD)
    request = ChangePasswordRequest.from_dict(
        {"oldPassword": {"value": "Wr0ng-Password-1"}, "newPassword": {"value": NEW_PASSWORD}})
    api_error(await client.change_password(user.id, request), 403, "E0000014")


async def test_change_recovery_question(client):
    user = await create_user(client, password=PASSWORD, question=("Old question?", "old answer"))

    body = UserCredentials.from_dict({
        "password": {"value": PASSWORD},
        "recovery_question": {"question": "Name of first school?", "answer": "Riverside"},
    })
    credentials, _ = ok(await client.change_recovery_question(user.id, body))
    assert credentials.recovery_question.question == "Name of first school?"
    assert credentials.recovery_question.answer is None
    assert_okta_provider(credentials)

    fetched = await get(client, user.id)
    assert fetched.credentials.recovery_question.question == "Name of first school?"
    assert fetched.status == "ACTIVE"


async def test_forgot_password_returns_reset_link_and_keeps_status(client, org_url):
    user = await create_user(client, password=PASSWORD, question=("Best river?", "Danube"))

    response, _ = ok(await client.forgot_password(user.id, send_email=False))
    assert response is not None and response.reset_password_url
    assert response.reset_password_url.startswith(f"{org_url}/")
    assert (await get(client, user.id)).status == "ACTIVE"


async def test_forgot_password_with_recovery_answer_sets_new_password(client):
    user = await create_user(client, password=PASSWORD, question=("Best river?", "Danube"))

    body = UserCredentials.from_dict({
        "password": {"value": NEW_PASSWORD},
        "recovery_question": {"answer": "Danube"},
    })
    credentials, _ = ok(await client.forgot_password_set_new_password(user.id, body))
    assert credentials.recovery_question.question == "Best river?"
    assert_okta_provider(credentials)

    request = ChangePasswordRequest.from_dict(
        {"oldPassword": {"value": NEW_PASSWORD}, "newPassword": {"value": THIRD_PASSWORD}})
    ok(await client.change_password(user.id, request))


# ---------------------------------------------------------------- related resources


async def test_new_user_is_in_the_everyone_group(client):
    user = await create_user(client, activate=False)
    groups, _ = ok(await client.list_user_groups(user.id))
    assert groups is not None
    names = []
    for group in groups:
        group_profile = getattr(group.profile, "actual_instance", None) or group.profile
        names.append((group_profile.name, group.type))
    assert ("Everyone", "BUILT_IN") in names, names


async def test_new_user_has_no_app_links(client):
    user = await create_user(client, activate=False)
    links, response = ok(await client.list_app_links(user.id))
    assert response.status_code == 200
    assert links == [], links


async def test_groups_and_app_links_of_unknown_user_are_404(client):
    missing = "00u" + "w" * 17
    api_error(await client.list_user_groups(missing), 404, "E0000007")
    api_error(await client.list_app_links(missing), 404, "E0000007")


# ---------------------------------------------------------------- delete


async def test_delete_deactivates_first_then_deletes(client):
    user = await create_user(client, password=PASSWORD)

    _, response = ok(await client.delete_user(user.id))
    assert response.status_code == 204
    assert (await get(client, user.id)).status == "DEPROVISIONED"

    _, response = ok(await client.delete_user(user.id))
    assert response.status_code == 204
    api_error(await client.get_user(user.id), 404, "E0000007")
    api_error(await client.delete_user(user.id), 404, "E0000007")


async def test_deleted_login_can_be_used_again(client):
    login = new_login()
    first = await create_user(client, login=login, activate=False)
    ok(await client.deactivate_user(first.id))
    ok(await client.delete_user(first.id))

    second = await create_user(client, login=login, activate=False)
    assert second.id != first.id
    assert second.profile.login == login


# ---------------------------------------------------------------- wire details


async def test_writes_without_a_body_answer_without_an_empty_json_body(client):
    # CLIENTS.md 4: the Python SDK json.loads every application/json body; an empty one
    # crashes the call. 204 without Content-Type, or 200 with a JSON body.
    user = await create_user(client, password=PASSWORD)
    for method, path in (("POST", f"/api/v1/users/{user.id}/lifecycle/suspend"),
                         ("POST", f"/api/v1/users/{user.id}/lifecycle/unsuspend"),
                         ("POST", f"/api/v1/users/{user.id}/lifecycle/unlock"),
                         ("POST", f"/api/v1/users/{user.id}/lifecycle/reset_factors"),
                         ("POST", f"/api/v1/users/{user.id}/lifecycle/deactivate"),
                         ("DELETE", f"/api/v1/users/{user.id}")):
        response, text = await raw(client, method, path)
        assert 200 <= response.status < 300, f"{method} {path}: {response.status} {text}"
        if "application/json" in response.headers.get("Content-Type", ""):
            assert text.strip(), f"{method} {path}: empty body labelled application/json"


async def test_one_rate_limit_reset_header(client):
    # CLIENTS.md 8: the Node SDK needs exactly one X-Rate-Limit-Reset to retry a 429.
    response, _ = await raw(client, "GET", "/api/v1/users?limit=1")
    assert response.status == 200
    assert len(response.headers.getall("X-Rate-Limit-Reset", [])) == 1
    assert "," not in response.headers["X-Rate-Limit-Reset"]
