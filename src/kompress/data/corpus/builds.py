"""Build output: gcc/g++, make, cmake and javac errors and warnings on small real projects.

Each template is one source module (its own code); an item is that module with 1-4 seeded
*mutations* (a dropped ``;``, a misspelt variable, a removed ``#include``, a wrong format, an
extra argument, a missing return...) compiled by the real compiler with varied flags. The
compiler decides what it prints; nothing here writes a diagnostic.
"""

from __future__ import annotations

import random
import re
import shlex
import shutil
from collections.abc import Callable
from pathlib import Path
from string import Template

from kompress.data.corpus._runtime import NOUNS, VERBS, Family, Sample, TaskCtx
from kompress.data.corpus._templates import template

# ---------------------------------------------------------------------------------------------
# C modules (templates/builds/c/): $P is the function prefix, $T the main struct name. Each
# module is two files: ``<name>.types.h``, the types its header declares, and ``<name>.c``, the
# code. Function signatures sit on one line followed by a line holding "{", which is how
# prototypes are derived for the header. The order here is the families' template order.

C_TEMPLATES = ("inventory", "tokenizer", "csvparse", "matrix", "hashmap", "stats", "kvconfig", "bitset", "base64",
               "lrucache")
C_MODULES: dict[str, tuple[str, str]] = {
    name: (template("builds", "c", f"{name}.types.h"), template("builds", "c", f"{name}.c")) for name in C_TEMPLATES
}

MAIN_C = template("builds", "c", "main.c")

_SIG = re.compile(r"^(?!static)([A-Za-z_][\w \*]*?\b[\w\*]+\s*\*?)\s*(\w+)\(([^)]*)\)$")


def _header(guard: str, types: str, body: str) -> str:
    lines = body.splitlines()
    protos = [ln + ";" for i, ln in enumerate(lines[:-1]) if lines[i + 1] == "{" and _SIG.match(ln)]
    return f"#ifndef {guard}_H\n#define {guard}_H\n\n{types}\n" + "\n".join(protos) + f"\n\n#endif /* {guard}_H */\n"


# ---------------------------------------------------------------------------------------------
# mutations: each takes (source, rng) and returns the mutated source, or None if not applicable

Mut = Callable[[str, random.Random], "str | None"]


def _body_lines(src: str) -> list[int]:
    out, depth = [], 0
    for i, ln in enumerate(src.splitlines()):
        if depth > 0 and ln.strip() and not ln.strip().startswith(("#", "//", "/*", "*")):
            out.append(i)
        depth += ln.count("{") - ln.count("}")
    return out


def _edit_line(src: str, pick: Callable[[str], bool], change: Callable[[str], str], rng: random.Random,
               java: bool = False) -> str | None:
    lines = src.splitlines()
    cands = [i for i in _body_lines(src) if pick(lines[i])]
    if not cands:
        return None
    i = rng.choice(cands)
    new = change(lines[i])
    if new == lines[i]:
        return None
    lines[i] = new
    return "\n".join(lines) + "\n"


def m_semicolon(src, rng):
    return _edit_line(src, lambda ln: ln.rstrip().endswith(";") and not ln.strip().startswith(("for", "}")),
                      lambda ln: ln.rstrip()[:-1], rng)


def _locals(src: str) -> list[str]:
    return sorted(set(re.findall(r"^\s+(?:int|double|size_t|long|char|unsigned|auto|String|var)\s+\*?(\w+)\s*=",
                                 src, re.M)))


def m_undeclared(src, rng):
    names = [n for n in _locals(src) if len(n) > 2]
    if not names:
        return None
    name = rng.choice(names)
    typo = rng.choice([name + "s", name[:-1], name[0] + name[2] + name[1] + name[3:] if len(name) > 3 else name + "_"])
    pat = re.compile(rf"\b{name}\b")
    return _edit_line(src, lambda ln: bool(pat.search(ln)) and "=" not in ln.split(name)[-1][:3]
                      and not re.search(rf"(int|double|size_t|long|char|unsigned|auto|String|var)\s+\*?{name}", ln),
                      lambda ln: pat.sub(typo, ln, count=1), rng)


def m_include(src, rng):
    incs = [ln for ln in src.splitlines() if ln.startswith("#include <") and "stddef" not in ln]
    if not incs:
        return None
    drop = rng.choice(incs)
    return src.replace(drop + "\n", "", 1)


def m_unused(src, rng):
    lines = src.splitlines()
    opens = [i for i in range(1, len(lines)) if lines[i] == "{" and "(" in lines[i - 1]]
    if not opens:
        return None
    i = rng.choice(opens)
    var = f"{rng.choice(NOUNS)}_{rng.choice(['tmp', 'count', 'len', 'flag', 'idx'])}"
    lines.insert(i + 1, f"    int {var} = {rng.randint(0, 64)};")
    return "\n".join(lines) + "\n"


def m_format(src, rng):
    return _edit_line(src, lambda ln: "printf(" in ln and re.search(r"%(d|zu|ld|\.\df)", ln) is not None,
                      lambda ln: re.sub(r"%(d|zu|ld|\.\df)", rng.choice(["%s", "%d", "%f", "%lu"]), ln, count=1), rng)


def m_return(src, rng):
    return _edit_line(src, lambda ln: re.match(r"^\s+return [^;]+;$", ln) is not None and "return 0;" not in ln,
                      lambda ln: re.sub(r"return [^;]+;", "return;", ln), rng)


def m_member(src, rng):
    fields = sorted(set(re.findall(r"->(\w+)", src)))
    if not fields:
        return None
    f = rng.choice(fields)
    bad = rng.choice([f + "s", f.rstrip("s") + "_count", f[:-1] if len(f) > 3 else f + "x"])
    return _edit_line(src, lambda ln: f"->{f}" in ln, lambda ln: ln.replace(f"->{f}", f"->{bad}", 1), rng)


def m_brace(src, rng):
    idx = src.rstrip().rfind("}")
    return src[:idx] + src[idx + 1:] if idx > 0 else None


def m_extra_arg(src, rng):
    calls = sorted(set(re.findall(r"\b(\w+_\w+)\(([^()]+)\)", src)))
    calls = [c for c in calls if not c[0].startswith(("str", "mem", "is", "__"))]
    if not calls:
        return None
    name, args = rng.choice(calls)
    extra = rng.choice(["0", "NULL", "1", "sizeof(int)"])
    return _edit_line(src, lambda ln: f"{name}({args})" in ln and not re.match(r"^\w", ln),
                      lambda ln: ln.replace(f"{name}({args})", f"{name}({args}, {extra})", 1), rng)


def m_undefined_call(src, rng):
    lines = src.splitlines()
    cands = [i for i in _body_lines(src) if lines[i].strip().startswith("return ") and i > 0]
    if not cands:
        return None
    i = rng.choice(cands)
    indent = re.match(r"^\s*", lines[i]).group()
    lines.insert(i, f"{indent}{rng.choice(VERBS)}_{rng.choice(NOUNS)}s({rng.randint(0, 9)});")
    return "\n".join(lines) + "\n"


def m_int_from_ptr(src, rng):
    return _edit_line(src, lambda ln: re.match(r"^\s+int \w+ = \d+;$", ln) is not None,
                      lambda ln: re.sub(r"= (\d+);", lambda m: f'= "{m.group(1)}";', ln), rng)


C_MUTATIONS: list[Mut] = [m_semicolon, m_undeclared, m_include, m_unused, m_format, m_return, m_member,
                          m_brace, m_extra_arg, m_undefined_call, m_int_from_ptr]


def mutate(src: str, muts: list[Mut], rng: random.Random, k: int) -> tuple[str, list[str]]:
    """Apply ``k`` applicable mutations chosen by ``rng``; return the source and their names."""
    done: list[str] = []
    order = muts[:]
    rng.shuffle(order)
    for m in order:
        if len(done) >= k:
            break
        if m is m_brace and done:  # an unbalanced file hides the other errors
            continue
        out = m(src, rng)
        if out is not None and out != src:
            src, done = out, done + [m.__name__]
    return src, done


def _c_project(ctx: TaskCtx, i: int) -> tuple[dict[str, str], str, list[str]]:
    """Files (rel path -> text) of a mutated C project for item ``i``; module name; mutations."""
    rng = ctx.rng
    types, body = C_MODULES[ctx.template]
    noun = rng.choice(NOUNS)
    prefix = rng.choice([ctx.template[:3], noun[:4], ctx.template]) + rng.choice(["", "_" + noun[:3]])
    fl = {"P": prefix, "T": rng.choice([noun, f"{noun}_{ctx.template[:4]}", ctx.template]), "N": noun}
    body_s = Template(body).substitute(fl)
    header = _header(prefix.upper(), Template(types).substitute(fl), body_s)
    mutated, names = mutate(body_s, C_MUTATIONS, rng, rng.choice([2, 3, 3, 4, 5, 6]))
    files = {f"src/{prefix}.c": mutated, f"src/{prefix}.h": header, "src/main.c": Template(MAIN_C).substitute(fl)}
    return files, prefix, names


def _write_c_project(ctx: TaskCtx, i: int) -> tuple[Path, str]:
    """Write project ``i``'s C sources under ``p{i}/``; returns that folder and the module name."""
    files, mod, _ = _c_project(ctx, i)
    base = ctx.dir / f"p{i}"
    for rel, text in files.items():
        ctx.write(rel, text, base=base)
    return base, mod


def produce_gcc(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        base, mod = _write_c_project(ctx, i)
        (base / "build").mkdir()
        cc = rng.choice(["gcc", "gcc", "cc"])
        warn = rng.choice([["-Wall"], ["-Wall", "-Wextra"], ["-Wall", "-Wextra", "-Wpedantic"],
                           ["-Wall", "-Werror"], ["-Wall", "-Wextra", "-Wshadow", "-Wconversion"]])
        std = rng.choice([[], ["-std=c11"], ["-std=c99"], ["-std=gnu17"]])
        opt = rng.choice([["-O2"], ["-g"], ["-O0", "-g"], ["-Os"]])
        if rng.random() < 0.4:
            argv = [cc, *std, *warn, *opt, "-c", f"src/{mod}.c", "-o", f"build/{mod}.o"]
        else:
            argv = [cc, *std, *warn, *opt, "-o", "build/app", "src/main.c", f"src/{mod}.c", "-lm"]
        if rng.random() < 0.08:
            argv.insert(1, "-fanalyzer")
        r = ctx.run(argv, cwd=base)
        cmd = shlex.join(argv)
        text = r.out
        if rng.random() < 0.5:
            cmd += '; echo "exit code: $?"'
            text = ctx.run(cmd, cwd=base).out
        out.append(ctx.sample(cmd, text, i, {str(base): ctx.fake_root}))
    return out


def produce_make(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        base, mod = _write_c_project(ctx, i)
        app = rng.choice([mod, "app", f"{mod}_cli", "bin/" + mod])
        cflags = rng.choice(["-Wall -Wextra -O2", "-Wall -g", "-Wall -Wextra -std=c11 -g", "-O2 -Wall -Werror"])
        ctx.write("Makefile", f"CC ?= gcc\nCFLAGS ?= {cflags}\nLDLIBS = -lm\nBUILD = build\n"
                  f"OBJS = $(BUILD)/main.o $(BUILD)/{mod}.o\n\n.PHONY: all clean test\n\n"
                  f"all: $(BUILD)/{app}\n\n$(BUILD)/{app}: $(OBJS)\n\t@mkdir -p $(dir $@)\n"
                  "\t$(CC) $(CFLAGS) -o $@ $^ $(LDLIBS)\n\n"
                  "$(BUILD)/%.o: src/%.c src/" + mod + ".h\n\t@mkdir -p $(BUILD)\n\t$(CC) $(CFLAGS) -c -o $@ $<\n\n"
                  f"test: $(BUILD)/{app}\n\t./$(BUILD)/{app} alpha beta 42\n\n"
                  "clean:\n\trm -rf $(BUILD)\n", base=base)
        argv = rng.choice([["make"], ["make"], ["make", "-k"], ["make", "all"], ["make", "test"],
                           ["make", "CC=cc"], ["make", "CFLAGS=-Wall -Wextra -Werror"]])
        cmd = shlex.join(argv)
        if rng.random() < 0.3:
            cmd = "make clean && " + cmd
        r = ctx.run(cmd, cwd=base)
        out.append(ctx.sample(cmd, r.out, i, {str(base): ctx.fake_root}))
    return out


# templates/builds/cmake/: $PROJ/$VER name the project, $MOD the C module, $APP the executable,
# $EXTRA an optional break.
CMAKE_LISTS = template("builds", "cmake", "CMakeLists.txt")

CMAKE_BREAKS = [
    "find_package({pkg} REQUIRED)\n",
    "find_package({pkg} 2.1 REQUIRED COMPONENTS core)\n",
    "add_subdirectory(third_party/{lower})\n",
    "include({pkg}Helpers)\n",
    "target_link_libraries({lower}_missing PRIVATE m)\n",
    "add_exectuable({lower}_tool src/main.c)\n",
    "set_property(TARGET {lower}_tool PROPERTY C_STANDARD 11)\n",
    "add_executable({lower}_tool src/main.c src/{lower}_extra.c)\n",
]


def produce_cmake(ctx: TaskCtx) -> list[Sample]:
    out = []
    rng = ctx.rng
    tree = ctx.dir / "tree"  # configured once per task; "cmake --build" items reuse it
    for i in range(ctx.n):
        files, mod, _ = _c_project(ctx, i)
        kind = rng.choice(["build", "build", "fresh", "config-error"])
        pkg = rng.choice(["OpenSSL", "ZLIB", "CURL", "Protobuf", "fmt", "Boost", "GTest", "SQLite3", "yaml-cpp"])
        extra = ""
        if kind == "config-error":
            extra = "\n" + rng.choice(CMAKE_BREAKS).format(pkg=pkg, lower=pkg.lower().replace("-", "_")) + "\n"
        lists = Template(CMAKE_LISTS).substitute(
            PROJ=rng.choice([mod, mod.capitalize(), f"{mod}-tools"]), VER=f"{rng.randint(0, 3)}.{rng.randint(0, 20)}.0",
            EXTRA=extra, MOD=mod, APP=rng.choice([mod, f"{mod}_app", "app"]))
        if kind == "build":
            if tree.exists():
                shutil.rmtree(tree / "src")
            for rel, text in files.items():
                ctx.write(rel, text, base=tree)
            if not (tree / "build").exists():
                ctx.write("CMakeLists.txt", lists, base=tree)
                ctx.run("cmake -S . -B build", cwd=tree, timeout=180)
            else:
                ctx.run("cmake --build build --target clean", cwd=tree, timeout=180)
            base = tree
            cmd = rng.choice(["cmake --build build", "cmake --build build -- -k", "cmake --build build --target all"])
        else:
            base = ctx.dir / f"p{i}"
            for rel, text in files.items():
                ctx.write(rel, text, base=base)
            ctx.write("CMakeLists.txt", lists, base=base)
            gen = rng.choice(["", " -DCMAKE_BUILD_TYPE=Debug", " -DCMAKE_BUILD_TYPE=Release"])
            cmd = f"cmake -S . -B build{gen} && cmake --build build"
        r = ctx.run(cmd, cwd=base, timeout=180)
        out.append(ctx.sample(cmd, r.out, i, {str(base): ctx.fake_root}))
    return out


# ---------------------------------------------------------------------------------------------
# C++

# templates/builds/cxx/: one translation unit each; $NS is the namespace, $T the main class,
# $N a noun.
CXX_TEMPLATES = ("cxx-registry", "cxx-parser", "cxx-graph", "cxx-matrix", "cxx-events")
CXX_MODULES: dict[str, str] = {name: template("builds", "cxx", f"{name}.cpp") for name in CXX_TEMPLATES}


def m_no_std(src, rng):
    kinds = sorted(set(re.findall(r"std::(string|vector|map|cout|sort|move|unordered_map|optional)\b", src)))
    if not kinds:
        return None
    k = rng.choice(kinds)
    return _edit_line(src, lambda ln: f"std::{k}" in ln, lambda ln: ln.replace(f"std::{k}", k, 1), rng)


def m_cxx_include(src, rng):
    incs = [ln for ln in src.splitlines() if ln.startswith("#include <") and "iostream" not in ln]
    if not incs:
        return None
    return src.replace(rng.choice(incs) + "\n", "", 1)


def m_push_extra(src, rng):
    return _edit_line(src, lambda ln: "push_back(" in ln,
                      lambda ln: re.sub(r"push_back\((.+)\);", r'push_back(\1, "x");', ln, count=1), rng)


def m_wrong_type(src, rng):
    return _edit_line(src, lambda ln: re.search(r"push_back\(|emplace\(|\.at\(|connect\(", ln) is not None,
                      lambda ln: re.sub(r"(push_back|emplace|at|connect)\(([^,)]+)", r'\1(std::string("\2")', ln, count=1),
                      rng)


CXX_MUTATIONS: list[Mut] = [m_semicolon, m_undeclared, m_no_std, m_cxx_include, m_unused, m_push_extra,
                            m_wrong_type, m_member, m_return]


def produce_gxx(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        noun = rng.choice(NOUNS)
        fl = {"NS": rng.choice(["core", "app", noun, "detail", "engine"]),
              "T": rng.choice([noun.capitalize(), noun.capitalize() + rng.choice(["Table", "Store", "Graph", "Bus"])]),
              "N": noun}
        src = Template(CXX_MODULES[ctx.template]).substitute(fl)
        src, _ = mutate(src, CXX_MUTATIONS, rng, rng.choice([2, 2, 3, 3, 4]))
        fname = f"src/{rng.choice([noun, ctx.template[4:], 'main'])}.{rng.choice(['cpp', 'cc', 'cxx'])}"
        base = ctx.dir / f"p{i}"
        ctx.write(fname, src, base=base)
        (base / "build").mkdir()
        argv = ["g++", rng.choice(["-std=c++17", "-std=c++20", "-std=gnu++17"]),
                *rng.choice([["-Wall"], ["-Wall", "-Wextra"], ["-Wall", "-Wextra", "-pedantic"], ["-Wall", "-Werror"]]),
                rng.choice(["-O2", "-g", "-O0"]), "-o", "build/app", fname]
        cmd = shlex.join(argv)
        if rng.random() < 0.4:
            cmd += '; echo "exit code: $?"'
        r = ctx.run(cmd, cwd=base)
        out.append(ctx.sample(cmd, r.out, i, {str(base): ctx.fake_root}))
    return out


# ---------------------------------------------------------------------------------------------
# Java

# templates/builds/java/: one public class per file; $ORG and $PKG name its package, $C the class.
JAVA_TEMPLATES = ("java-ledger", "java-scheduler", "java-cache", "java-parser", "java-stats")
JAVA_CLASSES: dict[str, str] = {name: template("builds", "java", f"{name}.java") for name in JAVA_TEMPLATES}


def m_java_type(src, rng):
    return _edit_line(src, lambda ln: re.match(r"^\s+(int|long|double) \w+ = [^;]+;$", ln) is not None,
                      lambda ln: re.sub(r"= ([^;]+);", r'= "\1";', ln), rng)


def m_java_exception(src, rng):
    # a checked exception nobody catches or declares
    if " throws IOException {" in src:
        return src.replace(" throws IOException {", " {", 1)
    anchor = "public static void main(String[] args) {"
    if anchor not in src:
        return None
    return src.replace(anchor, anchor + "\n        Thread.sleep(" + str(rng.choice([10, 50, 250])) + ");", 1)


def m_java_raw(src, rng):
    return _edit_line(src, lambda ln: "new ArrayList<>()" in ln or "new HashMap<>()" in ln,
                      lambda ln: ln.replace("<>()", "()", 1), rng)


def m_java_missing_return(src, rng):
    lines = src.splitlines()
    cands = [i for i in _body_lines(src) if re.match(r"^        return [^;]+;$", lines[i])]
    if not cands:
        return None
    del lines[rng.choice(cands)]
    return "\n".join(lines) + "\n"


def m_java_import(src, rng):
    imps = [ln for ln in src.splitlines() if ln.startswith("import java.util.")]
    if not imps:
        return None
    return src.replace(rng.choice(imps) + "\n", "", 1)


JAVA_MUTATIONS: list[Mut] = [m_semicolon, m_undeclared, m_java_type, m_java_exception, m_java_raw,
                             m_java_missing_return, m_java_import]


def produce_javac(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        rng = ctx.rng
        noun = rng.choice(NOUNS)
        cls = noun.capitalize() + rng.choice(["Service", "Manager", "Index", "Engine", "Store", ""]) + ctx.template[5:].capitalize()
        fl = {"ORG": rng.choice(["acme", "example", "globex", "initech", "umbrella"]),
              "PKG": rng.choice([noun, ctx.template[5:], "core", "util"]), "C": cls}
        src = Template(JAVA_CLASSES[ctx.template]).substitute(fl)
        # a syntax error hides the semantic ones, so most items skip the dropped-';' mutation
        muts = JAVA_MUTATIONS if rng.random() < 0.25 else [m for m in JAVA_MUTATIONS if m is not m_semicolon]
        src, _ = mutate(src, muts, rng, rng.choice([3, 4, 4, 5]))
        for _ in range(rng.randint(0, 2)):  # misspellings are the commonest slip: several per item
            src = m_undeclared(src, rng) or src
        rel = f"src/main/java/com/{fl['ORG']}/{fl['PKG']}/{cls}.java"
        base = ctx.dir / f"p{i}"
        ctx.write(rel, src, base=base)
        argv = ["javac", "-d", "build/classes", *rng.choice([[], ["-Xlint:all"], ["-Xlint:unchecked"],
                                                              ["-Xlint:all", "-Werror"], ["-g"]]), rel]
        cmd = shlex.join(argv)
        if rng.random() < 0.4:
            cmd += '; echo "exit code: $?"'
        r = ctx.run(cmd, cwd=base, timeout=120)
        out.append(ctx.sample(cmd, r.out, i, {str(base): ctx.fake_root}))
    return out


FAMILIES = [
    Family("gcc", "build", C_TEMPLATES, produce_gcc, 280, ("gcc",), "c-modules", "gcc/cc errors and warnings"),
    Family("make", "build", C_TEMPLATES, produce_make, 150, ("gcc", "make"), "c-modules", "make driving gcc"),
    Family("cmake", "build", C_TEMPLATES, produce_cmake, 60, ("gcc", "make", "cmake"), "c-modules",
           "cmake configure and build"),
    Family("gxx", "build", CXX_TEMPLATES, produce_gxx, 150, ("g++",), None, "g++ errors (templates, std::)"),
    Family("javac", "build", JAVA_TEMPLATES, produce_javac, 110, ("javac",), None, "javac errors and lint"),
]
