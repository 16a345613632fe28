"""The API Tokens API through Okta's Python SDK (okta 3.4.6).

Listing and reading run on the shared server. Revocation destroys the token the test
runs with, so those tests start a private Latchkey (helpers.PrivateServer) and revoke its
own admin token there.
"""

from helpers import PrivateServer, api_error, assert_timestamp, ok


def assert_token_shape(token, org_url=None):
    assert token.id and token.id.startswith("00T") and len(token.id) == 20, token.id
    assert token.name, "token has no name"
    assert token.user_id and token.user_id.startswith("00u"), token.user_id
    created = assert_timestamp(token.created, "created")
    assert assert_timestamp(token.last_updated, "lastUpdated") >= created
    assert assert_timestamp(token.expires_at, "expiresAt") > created
    assert token.token_window, "tokenWindow missing"


async def test_list_api_tokens(client, org_url):
    tokens, _ = ok(await client.list_api_tokens())
    assert tokens, "the org has at least the admin token"
    for token in tokens:
        assert_token_shape(token)


async def test_get_api_token_matches_the_list(client):
    tokens, _ = ok(await client.list_api_tokens())
    for listed in tokens:
        token, _ = ok(await client.get_api_token(listed.id))
        assert token is not None
        assert_token_shape(token)
        assert (token.id, token.name, token.user_id, token.created) == \
            (listed.id, listed.name, listed.user_id, listed.created)


async def test_token_owner_is_a_real_user(client):
    tokens, _ = ok(await client.list_api_tokens())
    owner, _ = ok(await client.get_user(tokens[0].user_id))
    assert owner is not None and owner.id == tokens[0].user_id
    assert owner.status == "ACTIVE"


async def test_get_and_revoke_unknown_token_are_404(client):
    missing = "00T" + "q" * 17
    api_error(await client.get_api_token(missing), 404, "E0000007")
    api_error(await client.revoke_api_token(missing), 404, "E0000007")


async def test_revoke_current_token():
    with PrivateServer() as server:
        async with server.session() as session:
            client = server.client()
            client.get_request_executor().set_session(session)

            tokens, _ = ok(await client.list_api_tokens())
            assert len(tokens) == 1

            _, response = ok(await client.revoke_current_api_token())
            assert response.status_code == 204

            api_error(await client.list_api_tokens(), 401, "E0000011")


async def test_revoke_token_by_id():
    with PrivateServer() as server:
        async with server.session() as session:
            client = server.client()
            client.get_request_executor().set_session(session)

            tokens, _ = ok(await client.list_api_tokens())
            (token,) = tokens

            _, response = ok(await client.revoke_api_token(token.id))
            assert response.status_code == 204

            api_error(await client.get_user(token.user_id), 401, "E0000011")
