#!/usr/bin/env python3
"""Regenerates okta-management-subset.yaml: Okta's Management OpenAPI spec cut down to the
operations a running Latchkey actually routes.

A developer tool, not part of CI (CI reads only the committed YAML). Run it with the
schemathesis venv's python (it needs PyYAML) after adding or removing routes:

    tests/sdk/schemathesis/.venv/bin/python tests/sdk/schemathesis/make_subset.py \
        path/to/okta-management-openapi.yaml \
        --url https://localhost:PORT --token "$(cat DATA_DIR/admin-token)" --ca DATA_DIR/ca.pem

Use a throwaway server (fresh data dir, `--no-rate-limits` helps): every operation of the spec
is sent once, with dummy ids such as 00uXXXXXXXXXXXXXXXXX for the path parameters, no query and
an empty JSON body, and the answer decides whether Latchkey routes it:
  * 404 whose errorSummary is `Not found: Resource not found: <path> (Route)`: the router's
    fallback, so the path is not routed;
  * 405 with errorCode E0000022: the path is routed but not for that method;
  * anything else (2xx, 400, 401, 403, a 404 for a missing object, 501, ...): routed.
Operations that would cut the probe's own credentials (revoking the current API token) are
sent without an Authorization header: the router answers 404/405 before authentication, so a
401 still means "routed". After every request that is not a GET the token is checked again,
and the run stops if it no longer works.

The output keeps the spec's `openapi`, `info`, `servers`, `security` (when present) and every
`components.securitySchemes` entry, the implemented paths with only their implemented methods
(plus the path-level parameters), the tags those operations name, and the transitive closure
of the components they reference: `$ref`s and the schema names in discriminator mappings.
A summary (operations per tag) goes to stdout, the operation list with --list.
"""

from __future__ import annotations

import argparse
import collections
import http.client
import json
import os
import re
import ssl
import sys
import time
import urllib.parse

import yaml

HTTP_METHODS = ("get", "put", "post", "delete", "patch", "head", "options", "trace")

# Probed without credentials, since with them they would end the probe's own access.
CREDENTIAL_KILLERS = {
    ("delete", "/api/v1/api-tokens/current"),
}

DUMMY_ID = "00uXXXXXXXXXXXXXXXXX"

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_OUTPUT = os.path.join(HERE, "okta-management-subset.yaml")


class Prober:
    """One keep-alive HTTPS connection to the server, reopened when it drops."""

    def __init__(self, url: str, token: str, ca: str | None) -> None:
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("https", "http"):
            sys.exit(f"make_subset: --url must be http(s)://host:port, got {url!r}")
        self.scheme = parsed.scheme
        self.host = parsed.hostname or "localhost"
        self.port = parsed.port or (443 if parsed.scheme == "https" else 80)
        self.token = token
        self.context = ssl.create_default_context(cafile=ca) if parsed.scheme == "https" else None
        self.conn: http.client.HTTPConnection | None = None

    def _connect(self) -> http.client.HTTPConnection:
        if self.scheme == "https":
            return http.client.HTTPSConnection(self.host, self.port, context=self.context, timeout=30)
        return http.client.HTTPConnection(self.host, self.port, timeout=30)

    def request(self, method: str, path: str, *, auth: bool = True, body: bytes | None = None):
        headers = {"Accept": "application/json"}
        if auth:
            headers["Authorization"] = f"SSWS {self.token}"
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(8):
            if self.conn is None:
                self.conn = self._connect()
            try:
                self.conn.request(method.upper(), path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 7:
                    raise
                time.sleep(0.2)
                continue
            if resp.status == 429:
                # Rate limited: wait for the window (at most 60 s) and send again.
                reset = resp.getheader("X-Rate-Limit-Reset")
                wait = 1.0
                if reset and reset.isdigit():
                    wait = min(max(int(reset) - time.time(), 0.5), 60.0)
                time.sleep(wait)
                continue
            return resp.status, data
        raise RuntimeError(f"{method.upper()} {path}: still rate limited after 8 tries")

    def token_works(self) -> bool:
        status, _ = self.request("get", "/api/v1/users/me")
        return status == 200


def concrete_path(template: str) -> str:
    return re.sub(r"\{[^}/]+\}", DUMMY_ID, template)


def is_route_fallback(status: int, data: bytes, path: str) -> bool:
    if status == 405:
        try:
            return json.loads(data).get("errorCode") == "E0000022"
        except (ValueError, AttributeError):
            return False
    if status != 404:
        return False
    try:
        summary = json.loads(data).get("errorSummary", "")
    except (ValueError, AttributeError):
        return False
    return summary == f"Not found: Resource not found: {path} (Route)"


def probe(spec: dict, prober: Prober) -> list[tuple[str, str]]:
    if not prober.token_works():
        sys.exit("make_subset: GET /api/v1/users/me with the given token did not answer 200")
    implemented = []
    for template, item in spec["paths"].items():
        for method in item:
            if method not in HTTP_METHODS:
                continue
            path = concrete_path(template)
            killer = (method, template) in CREDENTIAL_KILLERS
            body = b"" if method in ("post", "put", "patch") else None
            status, data = prober.request(method, path, auth=not killer, body=body)
            routed = not is_route_fallback(status, data, urllib.parse.unquote(path))
            if status >= 500 and status != 501:
                print(f"make_subset: note: {method.upper()} {path} answered {status}: "
                      f"{data[:300]!r}", file=sys.stderr)
            if routed:
                implemented.append((method, template))
            if method != "get" and not prober.token_works():
                sys.exit(f"make_subset: the token stopped working after {method.upper()} {path}; "
                         "add that operation to CREDENTIAL_KILLERS")
    return implemented


def collect_refs(node, found: set[str], kind: str = "any") -> None:
    """Adds every `#/components/...` pointer under node: `$ref` values and discriminator
    mapping targets (validators resolve those too). Example values are data, not spec, so a
    `$ref` inside one (some examples show JSON Schema documents) is not followed."""
    if isinstance(node, list):
        for item in node:
            collect_refs(item, found, kind)
        return
    if not isinstance(node, dict):
        return
    ref = node.get("$ref")
    if isinstance(ref, str):
        found.add(ref)
    if kind == "examples_map":  # name -> Example object or $ref
        for value in node.values():
            collect_refs(value, found, "example_obj")
        return
    if kind == "example_obj":  # its `value` is data
        return
    disc = node.get("discriminator")
    if isinstance(disc, dict) and isinstance(disc.get("mapping"), dict):
        for target in disc["mapping"].values():
            if isinstance(target, str):
                found.add(target)
    for key, value in node.items():
        if key in ("properties", "patternProperties") and isinstance(value, dict):
            for schema in value.values():  # keys are property names, not keywords
                collect_refs(schema, found)
        elif key == "example":
            continue
        elif key == "examples":
            if isinstance(value, dict):
                collect_refs(value, found, "examples_map")
        else:
            collect_refs(value, found)


def component_closure(spec: dict, roots) -> dict[str, set[str]]:
    components = spec.get("components", {})
    needed: dict[str, set[str]] = collections.defaultdict(set)
    pending: set[str] = set()
    collect_refs(roots, pending)
    seen: set[str] = set()
    while pending:
        ref = pending.pop()
        if ref in seen:
            continue
        seen.add(ref)
        if not ref.startswith("#/components/"):
            sys.exit(f"make_subset: a reference outside components: {ref}")
        parts = ref[len("#/components/"):].split("/")
        section, name = parts[0], parts[1].replace("~1", "/").replace("~0", "~")
        if name not in components.get(section, {}):
            sys.exit(f"make_subset: a dangling reference: {ref}")
        if name not in needed[section]:
            needed[section].add(name)
            kind = "example_obj" if section == "examples" else "any"
            collect_refs(components[section][name], pending, kind)
    return needed


def build_subset(spec: dict, implemented: list[tuple[str, str]]) -> dict:
    by_path: dict[str, set[str]] = collections.defaultdict(set)
    for method, template in implemented:
        by_path[template].add(method)

    paths = {}
    for template, item in spec["paths"].items():
        if template not in by_path:
            continue
        paths[template] = {k: v for k, v in item.items()
                           if k not in HTTP_METHODS or k in by_path[template]}

    needed = component_closure(spec, paths)
    components = {}
    for section, entries in spec.get("components", {}).items():
        if section == "securitySchemes":
            components[section] = entries
        elif needed.get(section):
            components[section] = {k: v for k, v in entries.items() if k in needed[section]}

    used_tags = {t for item in paths.values() for m, op in item.items()
                 if m in HTTP_METHODS for t in op.get("tags", [])}

    out = {"openapi": spec["openapi"], "info": spec["info"], "servers": spec.get("servers", [])}
    if "security" in spec:
        out["security"] = spec["security"]
    tags = [t for t in spec.get("tags", []) if t.get("name") in used_tags]
    if tags:
        out["tags"] = tags
    out["paths"] = paths
    out["components"] = components
    return out


class Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data):  # plain YAML, no anchors
        return True


def _str_presenter(dumper, data):
    style = "|" if "\n" in data else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", data, style=style)


Dumper.add_representer(str, _str_presenter)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("spec", help="the full Okta Management OpenAPI spec (YAML)")
    ap.add_argument("--url", required=True, help="the running server, e.g. https://localhost:8443")
    ap.add_argument("--token", default=os.environ.get("OKTA_API_TOKEN"),
                    help="a super-admin API token (default: $OKTA_API_TOKEN)")
    ap.add_argument("--ca", help="CA file to trust for the server (its <data-dir>/ca.pem)")
    ap.add_argument("--output", default=DEFAULT_OUTPUT, help="where to write the subset")
    ap.add_argument("--list", metavar="FILE", help="also write the implemented operations here")
    args = ap.parse_args()
    if not args.token:
        ap.error("--token (or OKTA_API_TOKEN) is required")

    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(args.spec, encoding="utf-8") as f:
        spec = yaml.load(f, Loader=loader)

    prober = Prober(args.url.rstrip("/"), args.token, args.ca)
    implemented = probe(spec, prober)
    subset = build_subset(spec, implemented)

    total = sum(1 for item in spec["paths"].values() for m in item if m in HTTP_METHODS)
    header = (
        "# GENERATED by tests/sdk/schemathesis/make_subset.py: do not edit by hand.\n"
        f"# Okta's Management OpenAPI spec (info.version {spec['info'].get('version')}) cut down\n"
        f"# to the {len(implemented)} of its {total} operations that Latchkey routes, with the\n"
        "# components they reference. tests/sdk/schemathesis/run.sh tests the server against it.\n"
    )
    with open(args.output, "w", encoding="utf-8") as f:
        f.write(header)
        yaml.dump(subset, f, Dumper=Dumper, sort_keys=False, allow_unicode=True, width=100)

    by_tag = collections.Counter()
    lines = []
    for method, template in implemented:
        op = spec["paths"][template][method]
        tag = (op.get("tags") or ["(untagged)"])[0]
        by_tag[tag] += 1
        lines.append(f"{tag}\t{method.upper()}\t{template}\t{op.get('operationId', '')}")
    if args.list:
        with open(args.list, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
    print(f"{len(implemented)} of {total} operations routed; written to {args.output}")
    for tag, n in sorted(by_tag.items()):
        print(f"  {n:4d}  {tag}")
    sizes = {k: len(v) for k, v in subset["components"].items()}
    print(f"components kept: {sizes}")


if __name__ == "__main__":
    main()
