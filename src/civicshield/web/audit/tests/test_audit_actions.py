"""Every action code the app records has plain words in ``audit/actions.py``.

The codes are collected from the source, not from a list someone has to keep: every call of
``audit.services.record`` and of the helpers that pass an action on to it (``_record``,
``_audit_draft``, ``timeline_add``…), with the code written as a string, a choice between
strings, a local or module constant, or an f-string such as ``f"publishing.draft.{action}"``.
A call whose code cannot be worked out from the source fails the test too, so a new way of
building codes gets a look before it can slip past.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

import civicshield.web
from civicshield.web.audit.actions import (
    ACTIONS,
    Area,
    action_area,
    action_label,
    describe_details,
    humanise_code,
)

WEB = Path(civicshield.web.__file__).parent
RECORD = ("civicshield.web.audit.services", "record")


@dataclass(frozen=True)
class _Recorder:
    """A function that records an audit entry with its ``param`` (wrapped in prefix/suffix)."""

    param: str
    index: int | None
    prefix: str = ""
    suffix: str = ""


class _Unresolved(Exception):
    pass


def _sources() -> dict[str, tuple[Path, ast.Module]]:
    modules = {}
    for path in sorted(WEB.rglob("*.py")):
        rel = path.relative_to(WEB)
        if "tests" in rel.parts or "migrations" in rel.parts or rel.name == "testing.py":
            continue
        name = ".".join(("civicshield", "web", *rel.with_suffix("").parts))
        name = name.removesuffix(".__init__")
        modules[name] = (path, ast.parse(path.read_text(encoding="utf-8")))
    return modules


def _imports(module: str, tree: ast.Module) -> dict[str, tuple[str, str | None]]:
    """Local name -> (module, attribute) for ``from m import a as b``; (module, None) for imports."""
    names: dict[str, tuple[str, str | None]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            base = node.module
            if node.level:
                base = ".".join(module.split(".")[: -node.level] + [node.module])
            for alias in node.names:
                names[alias.asname or alias.name] = (base, alias.name)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                names[alias.asname or alias.name.split(".")[0]] = (alias.name, None)
    return names


class _Collector:
    def __init__(self) -> None:
        self.sources = _sources()
        self.imports = {m: _imports(m, tree) for m, (_, tree) in self.sources.items()}
        self.recorders: dict[tuple[str, str], _Recorder] = {
            RECORD: _Recorder(param="action", index=None)
        }
        self.codes: dict[str, str] = {}
        self.unresolved: list[str] = []

    def _target(self, module: str, func: ast.expr) -> tuple[str, str] | None:
        imports = self.imports[module]
        if isinstance(func, ast.Name):
            imported = imports.get(func.id)
            if imported is not None and imported[1] is not None:
                return imported[0], imported[1]
            return module, func.id
        if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
            imported = imports.get(func.value.id)
            if imported is None:
                return None
            base, attr = imported
            owner = f"{base}.{attr}" if attr is not None else base
            return owner, func.attr
        return None

    def _constant(self, module: str, name: str, depth: int = 0) -> set[str]:
        """A module-level string constant, followed through ``from … import NAME``."""
        if depth > 5 or module not in self.sources:
            raise _Unresolved(name)
        for node in self.sources[module][1].body:
            if isinstance(node, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == name for t in node.targets
            ):
                return self._strings(module, node.value, {})
        imported = self.imports[module].get(name)
        if imported is not None and imported[1] is not None:
            return self._constant(imported[0], imported[1], depth + 1)
        raise _Unresolved(name)

    def _strings(self, module: str, expr: ast.expr, local: dict[str, list[ast.expr]]) -> set[str]:
        """The strings ``expr`` can be; raises _Unresolved when the source does not say."""
        if isinstance(expr, ast.Constant) and isinstance(expr.value, str):
            return {expr.value}
        if isinstance(expr, ast.IfExp):
            return self._strings(module, expr.body, local) | self._strings(
                module, expr.orelse, local
            )
        if isinstance(expr, ast.Name):
            if expr.id in local:
                out: set[str] = set()
                for value in local[expr.id]:
                    out |= self._strings(module, value, local)
                return out
            return self._constant(module, expr.id)
        if isinstance(expr, ast.JoinedStr):
            results = {""}
            for part in expr.values:
                if isinstance(part, ast.FormattedValue):
                    options = self._strings(module, part.value, local)
                else:
                    options = self._strings(module, part, local)
                results = {r + o for r in results for o in options}
            return results
        raise _Unresolved(ast.unparse(expr))

    @staticmethod
    def _params(function: ast.FunctionDef) -> tuple[list[str], list[str]]:
        positional = [a.arg for a in function.args.posonlyargs + function.args.args]
        return positional, [a.arg for a in function.args.kwonlyargs]

    @staticmethod
    def _locals(function: ast.FunctionDef) -> dict[str, list[ast.expr]]:
        local: dict[str, list[ast.expr]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for t in node.targets:
                    if isinstance(t, ast.Name):
                        local.setdefault(t.id, []).append(node.value)
        return local

    def _as_wrapper(self, expr: ast.expr, params: set[str]) -> tuple[str, str, str] | None:
        """(param, prefix, suffix) when ``expr`` is a parameter, bare or inside an f-string."""
        if isinstance(expr, ast.Name) and expr.id in params:
            return expr.id, "", ""
        if isinstance(expr, ast.JoinedStr):
            holes = [p for p in expr.values if isinstance(p, ast.FormattedValue)]
            if len(holes) == 1 and isinstance(holes[0].value, ast.Name):
                name = holes[0].value.id
                if name in params:
                    at = expr.values.index(holes[0])
                    texts = [
                        "".join(
                            str(c.value) for c in expr.values[a:b] if isinstance(c, ast.Constant)
                        )
                        for a, b in ((0, at), (at + 1, len(expr.values)))
                    ]
                    return name, texts[0], texts[1]
        return None

    def _argument(self, call: ast.Call, recorder: _Recorder) -> ast.expr | None:
        for kw in call.keywords:
            if kw.arg == recorder.param:
                return kw.value
        if recorder.index is not None and recorder.index < len(call.args):
            return call.args[recorder.index]
        return None

    def _scan(self) -> bool:
        """One pass over every function; True if a new recorder was found."""
        found = False
        self.codes.clear()
        self.unresolved.clear()
        for module, (path, tree) in self.sources.items():
            for function in ast.walk(tree):
                if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
                    continue
                positional, keyword_only = self._params(function)  # type: ignore[arg-type]
                params = set(positional) | set(keyword_only)
                local = self._locals(function)  # type: ignore[arg-type]
                for call in ast.walk(function):
                    if not isinstance(call, ast.Call):
                        continue
                    target = self._target(module, call.func)
                    recorder = self.recorders.get(target) if target else None
                    if recorder is None:
                        continue
                    expr = self._argument(call, recorder)
                    where = f"{path.relative_to(WEB)}:{call.lineno}"
                    if expr is None:
                        self.unresolved.append(f"{where}: no action given")
                        continue
                    wrapped = self._as_wrapper(expr, params - set(local))
                    if wrapped is not None:
                        param, prefix, suffix = wrapped
                        key = (module, function.name)
                        index = positional.index(param) if param in positional else None
                        new = _Recorder(
                            param,
                            index,
                            recorder.prefix + prefix,
                            suffix + recorder.suffix,
                        )
                        if self.recorders.get(key) != new:
                            self.recorders[key] = new
                            found = True
                        continue
                    try:
                        values = self._strings(module, expr, local)
                    except _Unresolved:
                        self.unresolved.append(f"{where}: {ast.unparse(expr)}")
                        continue
                    for value in values:
                        self.codes.setdefault(recorder.prefix + value + recorder.suffix, where)
        return found

    def collect(self) -> dict[str, str]:
        while self._scan():
            pass
        return dict(self.codes)


@pytest.fixture(scope="module")
def collector() -> _Collector:
    c = _Collector()
    c.collect()
    return c


def test_the_collector_finds_codes_however_they_are_written(collector):
    # Plain strings, a choice, a local variable, f-strings in helpers, a module constant.
    for code in (
        "accounts.signin",
        "evidence.screenshot.failed",
        "emergency.contact.changed",
        "emergency.contact.notified",
        "publishing.draft.published",
        "publishing.account.connected",
        "inbox.message.state_changed",
        "audit.purged",
    ):
        assert code in collector.codes, code
    assert len(collector.codes) > 100


def test_every_recorded_action_can_be_read_from_the_source(collector):
    assert collector.unresolved == []


def test_every_recorded_action_has_plain_words(collector):
    missing = {code: where for code, where in collector.codes.items() if code not in ACTIONS}
    assert missing == {}, "Add these to ACTIONS in audit/actions.py"


def test_descriptions_are_plain_words():
    for code, action in ACTIONS.items():
        assert action.label and action.label[0].isupper(), code
        assert "." not in action.label and "_" not in action.label, code
        assert isinstance(action.area, Area), code


def test_unknown_codes_still_read_sensibly():
    assert action_label("publishing.draft.teleported") == "Draft teleported"
    assert action_area("publishing.draft.teleported") == Area.POSTS
    assert action_label("something_odd") == "Something odd"
    assert action_area("something_odd") is None
    for weird in ("", ".", "..x..", "a.b_.c"):
        assert isinstance(action_label(weird), str) and action_label(weird)
    assert humanise_code("inbox.api_token.created") == "Api token created"


def test_details_read_in_plain_words():
    assert describe_details(
        {
            "drill": False,
            "accounts": [2, 5],
            "account_id": 3,
            "approver_roles": ["office_manager", "representative"],
            "kind": "hacked_account",
            "before": {"role": "comms_officer", "on_call": True},
            "due": "2026-12-03",
            "note": "",
            "handle": "sam_smith",
        }
    ) == [
        ("Practice drill", "No"),
        ("Accounts", "#2, #5"),
        ("Account", "#3"),
        ("Approver roles", "Office manager, Representative"),
        ("Kind", "hacked account"),
        ("Before", "Role: Comms officer; On call: Yes"),
        ("Due", "3 Dec 2026"),
        ("Note", "none"),
        ("Handle", "sam_smith"),
    ]


@pytest.mark.parametrize("details", [None, {}, [], "text", 3, {"x": {"y": [None, 1.5, {}]}}])
def test_odd_details_never_break_the_page(details):
    for label, value in describe_details(details):
        assert isinstance(label, str) and isinstance(value, str)
