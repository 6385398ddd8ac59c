"""A linter's findings and where they point: one home for the patterns that detection
(a report of findings is build output) and the guard (each finding stays, with its location)
both read.

A finding is a line that names its rule. The formats known:

* one line each: flake8/ruff ``path:12:5: F401 ...``, pylint ``path:12:0: W0612: ...``, mypy,
  cppcheck and clang-tidy ``path:12:5: style: ... [id]``, tsc ``path(12,5): error TS2322: ...``,
  vulture ``path:12: unused import 'os' (90% confidence)``, cpplint ``path:12:  message  [runtime/int] [4]``,
  refurb ``path:12:5 [FURB121]: ...``, hadolint ``Dockerfile:15 DL3000 error: ...``, darglint
  ``path:function:12: DAR101: ...``, and under a file heading a line number and a rule code
  (pydoclint ``    168: DOC103: ...``), a dotted rule after the place (proselint
  ``path:49:64: weasel_words.very: ...``);
* a header over a snippet: eslint's stylish ``  12:5  error  ...  no-shadow`` (under a file
  heading), ruff's ``F401 [*] ...`` over a ``-->`` pointer (as rustc's ``warning: ...``, which
  names no rule and is build output by ``domains._BUILD``), oxlint's
  ``  x eslint(no-unreachable): ...`` over ``,-[path:12:5]``, biome's ``path:12:5
  lint/suspicious/noDebugger ━━━``, ansible-lint's ``name[casing]: ...`` over ``tasks/x.yml:12``,
  a severity naming its rule in brackets over a ``-->`` pointer (zizmor's
  ``info[use-trusted-publishing]: ...``), a rule code over its place (cfn-lint's ``E3012 ...``
  over ``path.yaml:144:5``);
* phpmd's ``path:337    UnusedLocalVariable    Avoid unused ...`` (a column of rule names);
* flawfinder's ``path:12:  [4] (buffer) strcpy:`` over its indented message;
* semgrep's ``   ❯❯❱ rule-id`` over its message and the flagged code (under a file heading);
* a caret under the code it flags: htmlhint's ``    ^ The id value [ main ] must be unique. (id-unique)``.
"""

from __future__ import annotations

import re

#: A finding's line; the group that matched names the rule. (Bounded repeats: a hostile line
#: costs at most a few hundred steps per position.)
LINT_FINDING = re.compile(
    # (a notebook's cell, as nbqa names it, its file name spaces and all: ``a b.ipynb:cell_8:5:4: W1406``)
    # (GNU's ``program:file:line:`` form names the tool first: ``hadolint:./app/Dockerfile:16: DL3008``)
    r"^(?:[a-z][\w-]{1,30}:(?=\.{0,2}/|[\w.-]+/))?(?:[^\s:()]+|[^\n:()]{1,200}\.ipynb:cell_\d+)(?::\d+){1,2}: (?:(?:error|warning|note): )?(?P<code>[A-Z]{1,4}\d{3,4})\b"
    # (not a compiler's ``[-Wunused-variable]``: guards.COMPILER_WARNING keeps a few of each kind)
    r"|^[^\s:()]+:\d+(?::\d+)?: (?:error|warning|note|style|performance|portability): .{0,400} \[(?P<bracket>(?!-W)[\w-]{1,80})\]$"
    r"|^[^\s:()]+\(\d+,\d+\): (?:error|warning) (?P<ts>TS\d+):"
    r"|^\s+\d+:\d+\s+(?:error|warning)\s.{0,400}\S\s{2,}(?P<eslint>[@\w/-]{1,80})$"
    # ruff's snippet header, known by the pointer under it (glog's "E1203 10:55:01 ..." is not one)
    r"|^(?P<ruff>[A-Z]{1,4}\d{3,4}) (?:\[\*\] )?\S.{0,400}\n[ \t]*--> "
    r"|^[^\s:()]+:\d+: (?P<vulture>unused \w+|unreachable code)\b.{0,300}\(\d+% confidence\)$"
    r"|^ {1,4}[x×!⚠] (?P<oxlint>[\w@/-]{1,60}\([\w@/-]{1,80}\)): "
    r"|^[^\s:()]+:\d+:\d+ (?P<biome>(?:lint|assist|parse|format)(?:/\w{1,80}){0,2})\b"
    r"|^(?P<ansible>[a-z][\w-]{0,60}(?:\[[\w-]{1,60}\])?): .{1,400}\n[^\s:()]+\.ya?ml:\d+"
    r"|^\s+\^ \S.{0,400} \((?P<htmlhint>[a-z][a-z0-9]{1,30}(?:-[a-z0-9]{1,30}){1,5})\)$"
    r"|^[^\s:()]+:\d+: {1,2}\S.{0,400}  \[(?P<cpplint>[a-z_]{1,40}/[a-z_+]{1,40})\] \[\d\]$"
    r"|^ {1,8}(?:❯❯❱|❯❱|❱) (?P<semgrep>[\w.-]{1,120})$"
    r"|^[^\s:()]+:\d+: {1,2}\[\d\] \((?P<flawfinder>\w{1,40})\) \w{1,80}:$"
    r"|^[^\s:()]+:\d+:\d+ \[(?P<refurb>[A-Z]{2,8}\d{2,4})\]: "
    r"|^[^\s:()]+:\d+ (?P<hadolint>(?:DL|SC)\d{4}) (?:error|warning|info|style): "
    # shellcheck's default report: a caret under the code it flags (``  ^-- SC2086 (info): ...``)
    r"|^\s+\^-*\^? (?P<shellcheck>SC\d{4}) \((?:error|warning|info|style)\): "
    r"|^[^\s:()]+:[\w.]{1,120}:\d+: (?P<darglint>DAR\d{3}): "
    # under a file heading, a line number and a rule code (pydoclint's ``    168: DOC103: ...``)
    r"|^[ \t]{2,8}\d{1,6}: (?P<headed>[A-Z]{2,5}\d{3,4}): "
    # a dotted rule after the place (proselint's ``path:49:64: weasel_words.very: ...``)
    r"|^[^\s:()]+:\d+:\d+: (?P<dotted>[a-z][\w-]{0,60}(?:\.[\w-]{1,60}){1,4}): "
    # a severity naming its rule in brackets over a ``-->`` pointer (zizmor's
    # ``info[use-trusted-publishing]: ...``, as rustc's ``error[E0308]: ...``)
    r"|^(?:error|warning|info|note|help)\[(?P<bracketed>[\w/.-]{1,80})\]: \S.{0,400}\n[ \t]*(?:-->|╭▸) "
    # a rule code over the place it names (cfn-lint's ``E3012 ...`` over ``path.yaml:144:5``)
    r"|^(?P<coded>[A-Z]{1,4}\d{3,4}) \S.{0,600}\n[^\s:()]+:\d+:\d+$"
    # a column of rule names between the place and the message (phpmd's text report:
    # ``src/Logger.php:337      UnusedLocalVariable      Avoid unused local variables ...``)
    r"|^[^\s:()]+:\d+[ \t]{2,}(?P<columned>[A-Z][a-z]\w{1,60})[ \t]{2,}\S"
    # the rule right after the severity, a path into the document last (spectral's
    # ``  128:11    error  path-params   Operation must define ...   paths./sites/{id}``)
    r"|^\s+\d+:\d+\s+(?:error|warning|information|hint)\s+(?P<stylish>[a-z][\w-]{1,80}(?:/[\w-]{1,80})?)\s{2,}\S"
    # under a module heading, a line:col, the function, the tool and its rule; the message on
    # the line under it (prospector's ``    L71:12 Cls.__init__: pylint - import-outside-toplevel``)
    r"|^[ \t]+L\d+:(?:\d+|-) \S{1,200}: (?P<prospector>[\w-]{1,40} - [\w-]{1,80})$"
    # a severity, then a rule code with its name (markdownlint-cli2's
    # ``docs/a.md:48:1 error MD010/no-hard-tabs Hard tabs``)
    r"|^[^\s:()]+:\d+(?::\d+)? (?:error|warning) (?P<slashed>[A-Z]{2,5}\d{3}(?:/[\w-]{1,60}){1,3}) \S"
    # sqlfluff's rows under a file's heading (``L:  18 | P:   1 | LT02 | Expected indent ...``)
    r"|^L:\s*\d+ \| P:\s*\d+ \| (?P<sqlfluff>[A-Z]{2}\d{2}) \| "
    # a level in brackets, the place, the message and its check last (checkstyle's
    # ``[ERROR] src/A.java:66:11: Line contains a tab character. [FileTabCharacter]``)
    r"|^\[(?:ERROR|WARN|WARNING|INFO)\] [^\s:()]+:\d+(?::\d+)?: .{0,400} \[(?P<checkstyle>[A-Z]\w{1,80})\]$"
    # a place in parentheses and a kind (D's ``rdmd.d(408): vgc: operator `~` may cause a GC
    # allocation``, ``Deprecation:``)
    r"|^[^\s:()]+\((?:\d+)(?:,\d+)?\): (?P<parened>[A-Za-z][\w-]{1,30}): \S"
    # the same with the rule code in brackets (pylint's msvs format: ``src/a.py(696):
    # [R1720(no-else-raise)Cls.popitem] Unnecessary "else" ...``)
    r"|^[^\s:()]+\(\d+(?:,\d+)?\): \[(?P<msvs>[A-Z]\d{4})\("
    # under a file heading, the place then the rule code in columns (cfn-lint's pretty format:
    # ``88:7:               E3030     't2.nano.large' is not one of [...]``)
    r"|^\d{1,6}:\d{1,4}:[ \t]+(?P<pretty>[A-Z]{1,4}\d{3,4})[ \t]{2,}\S",
    re.M,
)

#: Where a finding points, on a line of its own under its header: rustc's, clippy's and ruff's
#: `` --> src/lib.rs:12:5``, esbuild's ``    src/App.tsx:7:22:``, cfn-lint's ``path.yaml:144:5``, oxlint's ``   ,-[src/a.js:12:5]``
#: (``╭─[`` in a terminal), ansible-lint's ``tasks/x.yml:12 Task/Handler: ...``.
POINTER = re.compile(r"^\s*(?:(?:-->|╭▸) \S+:\d+|[^\s:]+:\d+:\d+:?$|(?:,-|╭─)\[\S+:\d+:\d+\]$)"
                     r"|^[^\s:()]+\.ya?ml:\d+(?::\d+)? ", re.M)


def lint_kind(line: str) -> str | None:
    """The rule a linter's finding names (``F401``, ``arg-type``, ``TS2322``, ``no-shadow``,
    ``eslint(no-unreachable)``), or None for any other line. (A ruff or ansible-lint header
    is one only with its location line after it: pass both.)"""
    m = LINT_FINDING.match(line)
    return next((g for g in m.groups() if g), None) if m else None
