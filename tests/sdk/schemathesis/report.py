#!/usr/bin/env python3
"""Summarises one schemathesis run of tests/sdk/schemathesis/run.sh and decides its outcome.

    report.py REPORT_JSON FINDINGS_JSONL [--spec SUBSET_YAML] [--known SPEC_DIFFERENCES_MD]
              [--summary FILE]

REPORT_JSON is schemathesis's `--report json` file, FINDINGS_JSONL what hooks.py wrote.

Prints what was tested, every server error (with its request and response), and the
response-schema differences. Schemathesis stops at the first error of a response and reports a
discriminated `oneOf` as a whole, so each response it flagged is validated again here against
the branch its discriminator picks (the way Okta's SDKs read it), listing every error. Each
difference gets a key, `<schema> <instance path> <keyword>` (e.g. `ApiToken /tokenWindow
pattern`), or `<schema> oneOf-overlap` when the answer matches its discriminator's branch and
the spec's branches overlap. Keys matched by a `Key:` line of SPEC-DIFFERENCES.md (shell-style
wildcards) are documented; the others are printed as NEW. Standard output counts the documented
ones; --summary writes the summary with them listed by key.

Exit status: 1 when the server answered 5xx (other than the Everyone group's deliberate 501),
when a request failed at the network level or timed out (a crash or a hang), or when the run
did not complete; 0 otherwise. Schema differences never fail it.
"""

from __future__ import annotations

import argparse
import collections
import fnmatch
import json
import re
import sys

# Errors that mean the server (or the harness) broke, not that the spec was hard to generate from.
FATAL_ERRORS = {
    "Network Error",
    "Server Unavailable",
    "Unhealthy API",
    "Unresponsive Operation",
    "Hook Error",
    "Configuration Error",
    "Authentication Error",
}


def load_findings(path: str) -> list[dict]:
    findings = []
    try:
        with open(path, encoding="utf-8") as f:
            for line in f:
                if line.strip():
                    findings.append(json.loads(line))
    except FileNotFoundError:
        pass
    return findings


def fold(parts) -> str:
    """A JSON path with array indices folded, so one difference in every list item is one."""
    return "/" + "/".join("*" if re.fullmatch(r"\d+", str(p)) else str(p) for p in parts)


def short(text: str, limit: int = 600) -> str:
    text = text.replace("\n", " ")
    return text if len(text) <= limit else text[:limit] + "..."


def load_known(path: str | None) -> list[str]:
    if not path:
        return []
    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
    except FileNotFoundError:
        return []
    return re.findall(r"^\s*[-*]?\s*Key:\s*`([^`]+)`", text, flags=re.M)


class Analyser:
    """Validates a flagged response again, field by field, against the subset spec."""

    def __init__(self, spec_path: str) -> None:
        import jsonschema_rs
        import yaml
        from schemathesis.specs.openapi.converter import to_json_schema

        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        with open(spec_path, encoding="utf-8") as f:
            self.spec = yaml.load(f, Loader=loader)
        self.jsonschema_rs = jsonschema_rs
        # As schemathesis reads OpenAPI 3.0 for responses: `nullable` allows null, siblings
        # of `$ref` are ignored.
        self.convert = lambda s: to_json_schema(
            s, nullable_keyword="nullable", is_response_schema=True, merge_ref_siblings=False)
        self.components = {"schemas": {k: self.convert(v) for k, v in
                                       self.spec["components"].get("schemas", {}).items()}}
        self.validators: dict[str, object] = {}

    def resolve(self, node):
        while isinstance(node, dict) and "$ref" in node:
            target = self.spec
            for part in node["$ref"][2:].split("/"):
                target = target[part]
            node = target
        return node

    @staticmethod
    def name(node) -> str:
        return node["$ref"].rsplit("/", 1)[-1] if isinstance(node, dict) and "$ref" in node else ""

    def validator(self, schema: dict):
        key = json.dumps(schema, sort_keys=True)
        if key not in self.validators:
            self.validators[key] = self.jsonschema_rs.validator_for(
                {**self.convert(schema), "components": self.components})
        return self.validators[key]

    def response_schema(self, operation: str, status: int):
        method, path = operation.split(" ", 1)
        responses = self.spec["paths"][path][method.lower()].get("responses", {})
        resp = responses.get(str(status)) or responses.get(f"{str(status)[0]}XX") or responses.get("default")
        resp = self.resolve(resp) or {}
        media = resp.get("content", {}).get("application/json", {})
        return media.get("schema")

    def keys(self, operation: str, status: int, body) -> list[tuple[str, str]]:
        """(key, example message) for every difference in one response."""
        schema = self.response_schema(operation, status)
        if schema is None:
            return [(f"{operation} {status} (no JSON schema)", "")]
        out = []
        resolved = self.resolve(schema)
        if resolved.get("type") == "array" and isinstance(body, list):
            for item in body:
                out.extend(self._item_keys(resolved.get("items", {}), item))
        else:
            out.extend(self._item_keys(schema, body))
        return out

    def _item_keys(self, schema, instance) -> list[tuple[str, str]]:
        label = self.name(schema) or "(inline)"
        resolved = self.resolve(schema)
        branch = schema
        disc = resolved.get("discriminator") if isinstance(resolved, dict) else None
        if isinstance(resolved, dict) and "oneOf" in resolved and isinstance(disc, dict) and isinstance(instance, dict):
            target = (disc.get("mapping") or {}).get(instance.get(disc.get("propertyName")))
            if target:
                branch = {"$ref": target}
                label = target.rsplit("/", 1)[-1]
        errors = list(self.validator(branch).iter_errors(instance))
        if not errors:
            if branch is not schema and not self.validator(schema).is_valid(instance):
                return [(f"{label} oneOf-overlap",
                         f"matches {label}, the discriminator's branch, and other branches too")]
            return []
        out = []
        for err in errors:
            keyword = err.schema_path[-1] if err.schema_path else "?"
            out.append((f"{label} {fold(err.instance_path)} {keyword}", err.message))
        return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("report")
    ap.add_argument("findings")
    ap.add_argument("--spec")
    ap.add_argument("--known")
    ap.add_argument("--summary", help="also write the summary here, with the documented keys")
    args = ap.parse_args()

    lines: list[tuple[str, bool, bool]] = []

    def out(text: str = "", *, detail: bool = False, brief: bool = False) -> None:
        lines.append((text, detail, brief))

    try:
        return _main(args, out)
    finally:
        print("\n".join(t for t, detail, _ in lines if not detail))
        if args.summary:
            with open(args.summary, "w", encoding="utf-8") as f:
                f.write("\n".join(t for t, _, brief in lines if not brief) + "\n")


def _main(args, out) -> int:
    try:
        with open(args.report, encoding="utf-8") as f:
            report = json.load(f)
    except (OSError, ValueError) as exc:
        out(f"schemathesis wrote no usable report ({exc})")
        return 1
    by_kind = collections.defaultdict(list)
    for entry in load_findings(args.findings):
        by_kind[entry["kind"]].append(entry)

    ops = report.get("operations", {})
    cases = report.get("test_cases", {})
    phases = [name for name, p in report.get("phases", {}).items() if p.get("status") != "skip"]
    out(f"schemathesis {report.get('schemathesis_version')}, seed {report.get('seed')}, "
          f"phases {','.join(phases)}: {ops.get('tested', 0)} of {ops.get('selected', 0)} operations "
          f"tested, {cases.get('generated', 0)} test cases in {report.get('running_time', 0):.0f} s")

    failed = False
    if not report.get("complete", False) or report.get("stop_reason") not in (None, "completed"):
        out(f"the run did not complete (stop reason: {report.get('stop_reason')})")
        failed = True

    server = collections.OrderedDict()
    for e in by_kind["server_error"]:
        server.setdefault((e["operation"], e["status"]), []).append(e)
    if server:
        failed = True
        out(f"\nSERVER ERRORS ({len(server)} operation/status pairs):")
        for (op, status), entries in server.items():
            e = entries[0]
            req = e["request"]
            out(f"  {op} -> {status} ({len(entries)} cases)")
            out(f"    request:  {req['method']} {req['url']}")
            if req.get("body"):
                out(f"              {short(req['body'])}")
            out(f"    response: {short(e['response']['body'])}")
    if by_kind["expected_501"]:
        out(f"Everyone group refusals (501 E0000060, deliberate): {len(by_kind['expected_501'])}")

    # Response-schema differences, by key.
    diffs: dict[str, dict] = {}
    analyser = Analyser(args.spec) if args.spec and by_kind["schema"] else None
    for e in by_kind["schema"]:
        keys: list[tuple[str, str]] = []
        if analyser is not None:
            try:
                keys = analyser.keys(e["operation"], e["status"], json.loads(e["response"]["body"]))
            except (ValueError, KeyError, TypeError):
                keys = []
        if not keys:  # not JSON, cut short, or not reproducible here: schemathesis's own words
            keys = [(f"{e['operation']} {e['status']} {fold(e['instance_path'])} "
                     f"{e['schema_path'][-1] if e['schema_path'] else '?'}", e["message"])]
        for key, message in keys:
            d = diffs.setdefault(key, {"ops": set(), "message": message, "count": 0})
            d["ops"].add(f"{e['operation']} -> {e['status']}")
            d["count"] += 1
    known = load_known(args.known)
    documented: dict[str, list[str]] = collections.OrderedDict((p, []) for p in known)
    new = []
    for key in sorted(diffs):
        pattern = next((p for p in known if fnmatch.fnmatchcase(key, p)), None)
        if pattern is None:
            new.append(key)
        else:
            documented[pattern].append(key)
    if diffs:
        out(f"\nResponse-schema differences: {len(diffs)} ({len(diffs) - len(new)} documented in "
              f"tests/sdk/SPEC-DIFFERENCES.md, {len(new)} new); they do not fail the run")
        for pattern, keys in documented.items():
            if keys:
                out(f"  documented `{pattern}`: {len(keys)}", detail=True)
        if len(diffs) > len(new):
            out(f"  (the documented ones by key: {args.summary or 'run with --summary'})", brief=True)
        for key in new:
            d = diffs[key]
            out(f"  NEW {key}: {short(d['message'], 160)}")
            out(f"        in {', '.join(sorted(d['ops']))}")

    errors = report.get("errors", [])
    fatal = [e for e in errors if e.get("title") in FATAL_ERRORS]
    if fatal:
        failed = True
    if errors:
        out("\nschemathesis errors: " + ", ".join(
            f"{e.get('title')} x{e.get('count')}" + (" (fails the run)" if e in fatal else "")
            for e in errors))

    out(f"\nresult: {'FAILED' if failed else 'passed'} ({len(server)} server errors, "
          f"{len(diffs)} response-schema differences, {len(new)} of them new)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
