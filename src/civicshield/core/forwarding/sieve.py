"""Find forwarding in Sieve filter scripts (RFC 5228): ``redirect``, ``notify`` mailto, pipes,
and Dovecot's ``report``.

The scripts come from whoever could log in to the mailbox, including an attacker, so the reader
here is deliberately forgiving: it knows the grammar (strings, lists, tags, tests, blocks) but no
list of allowed commands, so an unknown extension never stops the audit. If a script will not
parse at all, a plain search for ``redirect "..."`` still runs and the problem is reported.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from civicshield.core.forwarding.findings import (
    UNKNOWN_TARGET,
    ForwardingAudit,
    ForwardingFinding,
    clean_address,
    describe,
    is_internal,
)

SOURCE = "sieve"
UNPARSEABLE = (
    "The filter script '{script}' could not be read completely ({reason}); "
    "only a rough search for forwarding was possible. Ask whoever looks after your IT to check it."
)
MISSING_INCLUDE = "The filter script '{script}' includes a script '{name}' that does not exist."

# Tags whose next argument is their value, per command (RFC 5228, 3598 subaddress, 3894 copy,
# 5435 enotify, the old draft notify Dovecot still accepts, 6009 redirect-dsn/deliverby, and
# Dovecot's vnd.dovecot.pipe / execute). Everything else is a flag such as ``:copy``.
_VALUE_TAGS = {
    "notify": {":from", ":importance", ":options", ":message", ":method", ":id"},
    "redirect": {":by", ":bymode", ":notify", ":ret"},
    "execute": {":input", ":output"},
    "pipe": set(),
    "include": set(),
}
_COMPARATOR = ":comparator"


class SieveSyntaxError(ValueError):
    """The script is not valid Sieve; the message gives the line."""


@dataclass(frozen=True, slots=True)
class _Token:
    kind: str  # string, number, tag, identifier, punct, comment
    value: str
    line: int


@dataclass
class _Command:
    name: str
    positional: list[str | list[str]] = field(default_factory=list)
    tags: dict[str, str | list[str] | None] = field(default_factory=dict)
    tests: list[_Command] = field(default_factory=list)
    block: list[_Command] | None = None
    rule_name: str = ""
    text: str = ""  # the command's arguments as written, to describe a condition


_TOKEN = re.compile(
    r"""
    (?P<ws>[ \t\r\n]+)
  | (?P<hash>\#[^\n]*)
  | (?P<bracket>/\*.*?\*/)
  | (?P<multiline>text:[ \t]*(?:\#[^\n]*)?\r?\n)
  | (?P<quoted>"(?:[^"\\]|\\.)*")
  | (?P<number>[0-9]+[KMGkmg]?)
  | (?P<tag>:[A-Za-z_][A-Za-z0-9_]*)
  | (?P<identifier>[A-Za-z_][A-Za-z0-9_.]*)
  | (?P<punct>[\[\](){},;])
    """,
    re.VERBOSE | re.DOTALL,
)


def _tokens(text: str) -> Iterator[_Token]:
    position, line = 0, 1
    while position < len(text):
        match = _TOKEN.match(text, position)
        if match is None:
            raise SieveSyntaxError(f"line {line}: unexpected {text[position : position + 10]!r}")
        kind = match.lastgroup or ""
        value = match.group()
        if kind == "multiline":
            # Lines up to a line holding only ".", with a leading ".." meaning "." (RFC 5228 2.4.2).
            end = re.compile(r"^\.\r?$", re.MULTILINE).search(text, match.end())
            if end is None:
                raise SieveSyntaxError(f"line {line}: 'text:' block never ends")
            body = text[match.end() : end.start()]
            lines = [ln[1:] if ln.startswith("..") else ln for ln in body.split("\n")]
            yield _Token("string", "\n".join(lines).rstrip("\r\n"), line)
            value = text[match.start() : end.end()]
            position = end.end()
        else:
            position = match.end()
            if kind == "quoted":
                yield _Token("string", re.sub(r"\\(.)", r"\1", value[1:-1], flags=re.DOTALL), line)
            elif kind == "hash":
                yield _Token("comment", value[1:].strip(), line)
            elif kind in ("number", "tag", "identifier", "punct"):
                yield _Token(kind, value.lower() if kind != "number" else value, line)
        line += value.count("\n")


_RULE_NAME = re.compile(r"^rule:\s*\[(?P<name>.*)\]\s*$")


class _Parser:
    """Recursive descent over RFC 5228 section 8.2's grammar, command names not checked."""

    def __init__(self, text: str) -> None:
        self.tokens: list[_Token] = []
        self.pending_name = ""
        self.names: dict[int, str] = {}
        for token in _tokens(text):
            if token.kind == "comment":
                # Roundcube (and tools copying it) write "# rule:[Name]" above each rule.
                found = _RULE_NAME.match(token.value)
                if found:
                    self.names[len(self.tokens)] = found.group("name")
                continue
            self.tokens.append(token)
        self.index = 0

    def peek(self) -> _Token | None:
        return self.tokens[self.index] if self.index < len(self.tokens) else None

    def take(self) -> _Token:
        token = self.peek()
        if token is None:
            line = self.tokens[-1].line if self.tokens else 1
            raise SieveSyntaxError(f"line {line}: the script ends in the middle of a command")
        self.index += 1
        return token

    def expect(self, value: str) -> None:
        token = self.take()
        if token.value != value or token.kind != "punct":
            raise SieveSyntaxError(f"line {token.line}: expected {value!r}, found {token.value!r}")

    def commands(self, *, top: bool) -> list[_Command]:
        result = []
        while (token := self.peek()) is not None and not (
            token.kind == "punct" and token.value == "}"
        ):
            rule_name = self.names.get(self.index, "")
            command = self.command()
            command.rule_name = rule_name
            result.append(command)
        if top and self.peek() is not None:
            raise SieveSyntaxError(f"line {self.take().line}: unexpected '}}'")
        return result

    def command(self) -> _Command:
        token = self.take()
        if token.kind != "identifier":
            raise SieveSyntaxError(f"line {token.line}: expected a command, found {token.value!r}")
        command = self.arguments(_Command(token.value))
        nxt = self.peek()
        if nxt is not None and nxt.kind == "identifier":
            command.tests.append(self.test())
        elif nxt is not None and nxt.value == "(":
            command.tests.extend(self.test_list())
        nxt = self.take()
        if nxt.value == "{":
            command.block = self.commands(top=False)
            self.expect("}")
        elif nxt.value != ";":
            raise SieveSyntaxError(f"line {nxt.line}: expected ';' or '{{', found {nxt.value!r}")
        return command

    def test(self) -> _Command:
        token = self.take()
        if token.kind != "identifier":
            raise SieveSyntaxError(f"line {token.line}: expected a test, found {token.value!r}")
        start = self.index
        test = self.arguments(_Command(token.value))
        nxt = self.peek()
        if nxt is not None and nxt.kind == "identifier":
            test.tests.append(self.test())
        elif nxt is not None and nxt.value == "(":
            test.tests.extend(self.test_list())
        test.text = " ".join([token.value, *(_show(t) for t in self.tokens[start : self.index])])
        return test

    def test_list(self) -> list[_Command]:
        self.expect("(")
        tests = [self.test()]
        while (token := self.take()).value == ",":
            tests.append(self.test())
        if token.value != ")":
            raise SieveSyntaxError(f"line {token.line}: expected ')' in a list of tests")
        return tests

    def arguments(self, command: _Command) -> _Command:
        value_tags = _VALUE_TAGS.get(command.name, set()) | {_COMPARATOR}
        while (token := self.peek()) is not None:
            if token.kind == "tag":
                self.index += 1
                command.tags[token.value] = self.value() if token.value in value_tags else None
            elif token.kind in ("string", "number") or token.value == "[":
                command.positional.append(self.value())
            else:
                break
        return command

    def value(self) -> str | list[str]:
        token = self.take()
        if token.kind in ("string", "number"):
            return token.value
        if token.value == "[":
            items = [self.take().value]
            while (nxt := self.take()).value == ",":
                items.append(self.take().value)
            if nxt.value != "]":
                raise SieveSyntaxError(f"line {nxt.line}: expected ']' to close a list")
            return items
        raise SieveSyntaxError(f"line {token.line}: expected a value, found {token.value!r}")


def _show(token: _Token) -> str:
    return f'"{token.value}"' if token.kind == "string" else token.value


def parse(text: str) -> list[_Command]:
    """Parse a Sieve script into commands; raises SieveSyntaxError with the line number."""
    return _Parser(text).commands(top=True)


# -- finding forwarding ------------------------------------------------------------------------


@dataclass
class _Context:
    script: str
    mailbox: str
    domains: tuple[str, ...]
    active: bool
    variables: dict[str, str] = field(default_factory=dict)
    includes: list[str] = field(default_factory=list)
    findings: list[ForwardingFinding] = field(default_factory=list)


_VARIABLE = re.compile(r"\$\{([^}]*)\}")


def _expand(value: str, variables: Mapping[str, str]) -> str:
    return _VARIABLE.sub(lambda m: variables.get(m.group(1).lower(), m.group(0)), value)


def _strings(value: str | list[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


def _walk(
    commands: Iterable[_Command], context: _Context, conditions: list[str], rule: str
) -> None:
    earlier: list[str] = []  # conditions of the if/elsif chain so far, for "else"
    for command in commands:
        rule_name = command.rule_name or rule
        if command.name == "set" and len(command.positional) >= 2 and not conditions:
            name, value = command.positional[0], command.positional[1]
            if isinstance(name, str) and isinstance(value, str):
                context.variables[name.lower()] = _expand(value, context.variables)
        elif command.name == "include":
            context.includes.extend(s for p in command.positional for s in _strings(p))
        else:
            _check_command(command, context, conditions, rule_name)
        if command.block is not None:
            if command.name in ("if", "elsif"):
                if command.name == "if":
                    earlier = []
                condition = " ".join(t.text for t in command.tests)
                inner = [*conditions, condition]
                earlier.append(condition)
            elif command.name == "else":
                inner = [*conditions, "none of: " + "; ".join(earlier)] if earlier else conditions
            else:
                inner = conditions
            _walk(command.block, context, inner, rule_name)


def _which(conditions: list[str]) -> str:
    conditions = [c for c in conditions if c != "true"]
    if not conditions:
        return "every email"
    return "emails that match a condition (" + " and ".join(conditions) + ")"


def _where(context: _Context, rule_name: str) -> str:
    script = f"the filter script '{context.script}'"
    if rule_name:
        return f"A rule named '{rule_name}' in {script} of the mailbox {context.mailbox}"
    return f"A rule in {script} of the mailbox {context.mailbox}"


def _add(
    context: _Context,
    *,
    kind: str,
    rule_name: str,
    target: str,
    action: str,
    external: bool | None = None,
    extra: str = "",
) -> None:
    shown = target
    if "${" in target:
        external, shown = True, f"{UNKNOWN_TARGET} ({target})"
    if external is None:
        external = not is_internal(target, context.domains)
    detail = describe(
        where=_where(context, rule_name),
        action=action,
        target=shown,
        external=external,
        active=context.active,
        extra=extra,
    )
    context.findings.append(
        ForwardingFinding(
            source=SOURCE,
            mailbox=context.mailbox,
            rule_name=rule_name or context.script,
            target=target,
            external=external,
            detail=detail,
            kind=kind,
            active=context.active,
        )
    )


_ADDRESS = re.compile(r"[^\s,;<>\"']+@[^\s,;<>\"']+")


def _check_command(
    command: _Command, context: _Context, conditions: list[str], rule_name: str
) -> None:
    which = _which(conditions)
    if command.name == "redirect" and command.positional:
        target = _expand(_strings(command.positional[-1])[0], context.variables)
        if ":copy" in command.tags:
            action = f"sends a copy of {which} to"
        else:
            action = f"forwards {which} (without keeping a copy, unless another rule does) to"
        _add(context, kind="redirect", rule_name=rule_name, target=target, action=action)
    elif command.name == "report" and len(command.positional) >= 3:
        # vnd.dovecot.report: report [:headers_only] <feedback-type> <message> <address>
        target = _expand(_strings(command.positional[-1])[0], context.variables)
        part = "the headers of" if ":headers_only" in command.tags else "a copy of"
        _add(
            context,
            kind="report",
            rule_name=rule_name,
            target=target,
            action=f"sends {part} {which}, wrapped in an abuse report, to",
        )
    elif command.name == "notify":
        for target in _notify_targets(command, context.variables):
            _add(
                context,
                kind="notify",
                rule_name=rule_name,
                target=target,
                action=f"sends a notice about {which} (which can include its content) to",
            )
    elif command.name in ("pipe", "execute") and command.positional:
        program = _expand(_strings(command.positional[0])[0], context.variables)
        arguments = [
            _expand(a, context.variables) for p in command.positional[1:] for a in _strings(p)
        ]
        addresses = [m for a in arguments for m in _ADDRESS.findall(a)]
        verb = "passes" if command.name == "pipe" else "hands"
        for address in addresses:
            _add(
                context,
                kind="pipe",
                rule_name=rule_name,
                target=address,
                action=f"{verb} {which} to the mail server's program '{program}', addressed to",
            )
        if not addresses:
            _add(
                context,
                kind="pipe",
                rule_name=rule_name,
                target=program,
                action=f"{verb} {which} to a program on the mail server called",
                external=True,
                extra="That program could send the email anywhere; this check cannot see where.",
            )


def _notify_targets(command: _Command, variables: Mapping[str, str]) -> list[str]:
    """Addresses a ``notify`` sends to, in the RFC 5435 form or the older draft form."""
    values = [s for p in command.positional for s in _strings(p)]
    method = command.tags.get(":method")
    values += _strings(method)
    targets: list[str] = []
    for value in (_expand(v, variables) for v in values):
        if value.lower().startswith("mailto:"):
            targets += _mailto_addresses(value)
    if isinstance(method, str) and method.lower() == "mailto":
        targets += [_expand(o, variables) for o in _strings(command.tags.get(":options"))]
    return targets


def _mailto_addresses(uri: str) -> list[str]:
    """``mailto:a@x,b@y?cc=c@z`` -> ``[a@x, b@y, c@z]`` (RFC 6068)."""
    path, _, query = uri[len("mailto:") :].partition("?")
    found = [urllib.parse.unquote(a) for a in path.split(",") if a.strip()]
    for key, value in urllib.parse.parse_qsl(query):
        if key.lower() in ("to", "cc", "bcc"):
            found += [a.strip() for a in value.split(",") if a.strip()]
    return [clean_address(a) for a in found]


_ROUGH_REDIRECT = re.compile(r"\bredirect\b[^;]*?\"([^\"]+)\"", re.IGNORECASE)


def analyse_script(
    mailbox: str,
    script: str,
    text: str,
    office_domains: Iterable[str],
    *,
    active: bool = True,
) -> tuple[list[ForwardingFinding], list[str], list[str]]:
    """Findings, problems, and the names of scripts it includes, for one script's text."""
    context = _Context(script, mailbox, tuple(office_domains), active)
    problems: list[str] = []
    try:
        _walk(parse(text), context, [], "")
    except SieveSyntaxError as exc:
        problems.append(UNPARSEABLE.format(script=script, reason=exc))
        context.findings.clear()
        for match in _ROUGH_REDIRECT.finditer(text):
            _add(
                context,
                kind="redirect",
                rule_name="",
                target=match.group(1),
                action="seems to forward email to",
            )
    return context.findings, problems, context.includes


def analyse_sieve_scripts(
    mailbox: str,
    scripts: Mapping[str, str],
    active_script: str | None,
    office_domains: Iterable[str],
) -> ForwardingAudit:
    """Audit all of a mailbox's Sieve scripts.

    The active script runs, and so does every script it includes (``include``, RFC 6609), so
    those count as active; the others are reported as switched off (an attacker may keep one
    ready to switch on, so they are still listed).
    """
    domains = tuple(office_domains)
    running: list[str] = []
    findings: list[ForwardingFinding] = []
    problems: list[str] = []
    queue: list[tuple[str, str]] = [(active_script, "")] if active_script else []
    while queue:
        name, included_by = queue.pop(0)
        if name in running:
            continue
        if name not in scripts:
            problems.append(MISSING_INCLUDE.format(script=included_by, name=name))
            continue
        running.append(name)
        found, trouble, includes = analyse_script(mailbox, name, scripts[name], domains)
        findings += found
        problems += trouble
        queue += [(include, name) for include in includes]
    for name in sorted(set(scripts) - set(running)):
        found, trouble, _ = analyse_script(mailbox, name, scripts[name], domains, active=False)
        findings += found
        problems += trouble
    checked = tuple(
        f"filter script '{name}' ({'in use' if name in running else 'switched off'})"
        for name in [*running, *sorted(set(scripts) - set(running))]
    )
    return ForwardingAudit(SOURCE, mailbox, tuple(findings), checked, tuple(problems))
