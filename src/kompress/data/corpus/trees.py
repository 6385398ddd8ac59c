"""File trees: ``ls -laR``, ``ls -la``, ``find`` and ``tree`` over seeded project folders.

Each template is a project archetype (Python library, Node app, C project, data-science repo,
...) laid out with real source files, a real ``.git/`` (``git init``), ``__pycache__``, a fake
``site-packages`` or ``node_modules``, build output, and one or two non-standard files that an
agent should notice (a core dump, a stray ``.env`` backup, a merge leftover, a huge log).
Modification times are seeded so ``ls -l`` repeats.
"""

from __future__ import annotations

import os
import random
import shutil

from kompress.data.corpus._runtime import EPOCH, NOUNS, STDLIB_MODULES, Family, Sample, TaskCtx, set_tree_mtimes, stdlib_dir

ODD_FILES = ["core.{pid}", ".env.bak", "{noun}.py.orig", "{noun}.c.rej", ".DS_Store", "debug-{pid}.log",
             "{noun}.sqlite3-journal", "nohup.out", "id_ed25519.pub.old", "{noun} (copy).py", "~{noun}.swp",
             "heapdump-{pid}.hprof", "{noun}.tar.gz.part", "Thumbs.db", ".{noun}.lock"]


def _fill(rng: random.Random, lo: int = 20, hi: int = 4000) -> str:
    return "".join(rng.choice("abcdefghij \n") for _ in range(rng.randint(lo, hi)))


def _python_lib(ctx: TaskCtx, root, rng):
    pkg = rng.choice(NOUNS) + rng.choice(["kit", "lib", "py", ""])
    mods = rng.sample(STDLIB_MODULES, rng.randint(3, 8))
    for m in mods:
        ctx.write(f"src/{pkg}/{m.split('/')[-1]}", (stdlib_dir() / m).read_text(), base=root)
        ctx.write(f"src/{pkg}/__pycache__/{m.split('/')[-1][:-3]}.cpython-311.pyc", _fill(rng), base=root)
    ctx.write(f"src/{pkg}/__init__.py", f'"""{pkg}."""\n__version__ = "0.{rng.randint(1, 9)}.0"\n', base=root)
    for m in mods[: rng.randint(1, 3)]:
        ctx.write(f"tests/test_{m.split('/')[-1]}", "def test_import():\n    pass\n", base=root)
    ctx.write("pyproject.toml", f'[project]\nname = "{pkg}"\nversion = "0.1.0"\n', base=root)
    ctx.write("README.md", f"# {pkg}\n", base=root)
    ctx.write(".gitignore", "__pycache__/\n*.pyc\n.venv/\ndist/\n", base=root)
    for dist in rng.sample(["requests", "urllib3", "idna", "certifi", "charset_normalizer", "pytest", "pluggy",
                            "iniconfig", "packaging", "attrs", "six", "click", "jinja2", "markupsafe"], rng.randint(4, 10)):
        sp = f".venv/lib/python3.11/site-packages/{dist}"
        ctx.write(f"{sp}/__init__.py", _fill(rng), base=root)
        for mod in rng.sample(NOUNS, rng.randint(1, 5)):
            ctx.write(f"{sp}/{mod}.py", _fill(rng), base=root)
            if rng.random() < 0.5:
                ctx.write(f"{sp}/__pycache__/{mod}.cpython-311.pyc", _fill(rng), base=root)
        ctx.write(f"{sp}-{rng.randint(1, 3)}.{rng.randint(0, 30)}.{rng.randint(0, 9)}.dist-info/METADATA",
                  f"Name: {dist}\n", base=root)
    ctx.write(".venv/pyvenv.cfg", "home = /usr/bin\ninclude-system-site-packages = false\n", base=root)
    if rng.random() < 0.5:
        ctx.write(f"dist/{pkg}-0.1.0-py3-none-any.whl", _fill(rng, 500, 5000), base=root)
    return pkg


def _node_app(ctx: TaskCtx, root, rng):
    app = rng.choice(NOUNS) + "-" + rng.choice(["web", "api", "ui", "bot"])
    for f in rng.sample(["index.js", "server.js", "routes/users.js", "routes/orders.js", "lib/db.js", "lib/cache.js",
                         "middleware/auth.js", "views/home.ejs", "public/app.css", "public/app.js"], rng.randint(4, 9)):
        ctx.write(f"src/{f}", _fill(rng), base=root)
    ctx.write("package.json", '{\n  "name": "%s",\n  "version": "1.0.0"\n}\n' % app, base=root)
    ctx.write("package-lock.json", _fill(rng, 2000, 9000), base=root)
    for dep in rng.sample(["express", "lodash", "debug", "ms", "chalk", "commander", "semver", "uuid", "qs",
                           "mime", "cookie", "yargs"], rng.randint(4, 10)):
        ctx.write(f"node_modules/{dep}/package.json", '{"name": "%s"}\n' % dep, base=root)
        ctx.write(f"node_modules/{dep}/index.js", _fill(rng), base=root)
        for mod in rng.sample(NOUNS, rng.randint(1, 4)):
            ctx.write(f"node_modules/{dep}/lib/{mod}.js", _fill(rng), base=root)
        if rng.random() < 0.5:
            ctx.write(f"node_modules/{dep}/README.md", _fill(rng), base=root)
    ctx.write("node_modules/.package-lock.json", "{}\n", base=root)
    ctx.write(".gitignore", "node_modules/\ndist/\n.env\n", base=root)
    if rng.random() < 0.5:
        ctx.write("dist/bundle.js", _fill(rng, 3000, 9000), base=root)
        ctx.write("dist/bundle.js.map", _fill(rng, 3000, 9000), base=root)
    return app


def _c_project(ctx: TaskCtx, root, rng):
    name = rng.choice(NOUNS)
    for f in rng.sample(["main.c", "util.c", "util.h", "net.c", "net.h", "parser.c", "parser.h", "log.c", "log.h",
                         "hash.c", "hash.h", "io.c", "io.h", "config.c", "config.h", "vec.c", "vec.h"], rng.randint(6, 17)):
        ctx.write(f"src/{f}", _fill(rng), base=root)
        if f.endswith(".c") and rng.random() < 0.7:
            ctx.write(f"build/{f[:-2]}.o", _fill(rng, 1000, 6000), base=root)
            ctx.write(f"build/{f[:-2]}.d", f"build/{f[:-2]}.o: src/{f}\n", base=root)
    ctx.write("Makefile", "all:\n\t$(CC) -o build/app src/*.c\n", base=root)
    ctx.write("CMakeLists.txt", f"project({name} C)\n", base=root)
    ctx.write(f"build/{name}", _fill(rng, 4000, 9000), base=root, mode=0o755)
    ctx.write("tests/run_tests.sh", "#!/bin/sh\n./build/app --self-test\n", base=root, mode=0o755)
    return name


def _data_repo(ctx: TaskCtx, root, rng):
    name = rng.choice(NOUNS) + "-analysis"
    for f in rng.sample(["01_explore.ipynb", "02_clean.ipynb", "03_model.ipynb", "report.ipynb"], rng.randint(2, 4)):
        ctx.write(f"notebooks/{f}", _fill(rng, 500, 8000), base=root)
        ctx.write(f"notebooks/.ipynb_checkpoints/{f[:-6]}-checkpoint.ipynb", _fill(rng), base=root)
    for f in rng.sample(["raw/events.csv", "raw/users.parquet", "processed/features.parquet", "processed/train.csv",
                         "processed/test.csv", "external/geo.json"], rng.randint(3, 6)):
        ctx.write(f"data/{f}", _fill(rng, 1000, 9000), base=root)
    for f in ["features.py", "train.py", "evaluate.py", "plots.py"]:
        ctx.write(f"src/{f}", _fill(rng), base=root)
    ctx.write(f"models/model-{rng.randint(1, 9)}.pkl", _fill(rng, 2000, 9000), base=root)
    ctx.write("requirements.txt", "pandas\nscikit-learn\nmatplotlib\n", base=root)
    return name


def _monorepo(ctx: TaskCtx, root, rng):
    for svc in rng.sample(["api", "web", "worker", "auth", "billing", "search"], rng.randint(2, 4)):
        for f in rng.sample(["main.go", "handler.go", "handler_test.go", "go.mod", "go.sum", "Dockerfile", "config.yaml",
                             "store.go", "store_test.go", "README.md"], rng.randint(4, 9)):
            ctx.write(f"services/{svc}/{f}", _fill(rng), base=root)
    for f in ["deploy/k8s/api.yaml", "deploy/k8s/web.yaml", "deploy/terraform/main.tf", "deploy/terraform/.terraform.lock.hcl",
              ".github/workflows/ci.yml", "docs/architecture.md", "Makefile"]:
        if rng.random() < 0.8:
            ctx.write(f, _fill(rng), base=root)
    return "monorepo"


ARCHETYPES = {"python-lib": _python_lib, "node-app": _node_app, "c-project": _c_project, "data-repo": _data_repo,
              "monorepo": _monorepo}
#: templates: archetype x layout flavour, so that test templates are new layouts
TEMPLATES = tuple(f"{a}-{k}" for a in ARCHETYPES for k in range(4))


def _build(ctx: TaskCtx, i: int):
    rng = ctx.rng
    root = ctx.dir / f"t{i}"
    root.mkdir()
    arche = ctx.template.rsplit("-", 1)[0]
    # the layout flavour seeds the skeleton; the item adds its own variation on top
    ARCHETYPES[arche](ctx, root, random.Random(f"{ctx.seed}-{ctx.template}-{rng.randint(0, 3)}"))
    for _ in range(rng.randint(1, 2)):
        odd = rng.choice(ODD_FILES).format(pid=rng.randint(1000, 60000), noun=rng.choice(NOUNS))
        where = rng.choice(["", "src/", "tests/", "build/", ""])
        ctx.write(where + odd, _fill(rng, 10, 9000), base=root)
    ctx.check(["git", "init", "-q", "-b", "main"], cwd=root)
    for hook in list((root / ".git" / "hooks").glob("*.sample")):
        if rng.random() < 0.6:
            hook.unlink()  # keep listings bounded; real clones differ in hooks too
    set_tree_mtimes(root, random.Random(rng.randint(0, 10**9)))
    os.utime(root.parent, (EPOCH, EPOCH))  # ".." shows in ls -la
    return root, rng


def produce_ls(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        root, rng = _build(ctx, i)
        cmd = rng.choice(["ls -laR", "ls -laR src", "ls -la", "ls -lR", "ls -la src tests", "ls -lahR --group-directories-first",
                          "ls -laR | head -n 150", "ls -la . build src", "ls -alR --ignore=node_modules"])
        r = ctx.run(cmd, cwd=root)
        out.append(ctx.sample(cmd, r.out, i, {str(root): ctx.fake_root}))
        shutil.rmtree(root)
    return out


def produce_find(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        root, rng = _build(ctx, i)
        cmd = rng.choice([
            "find .", "find . -type f", "find . -type f -not -path './.git/*'", "find . -maxdepth 2",
            "find . -name '*.py' -o -name '*.js' -o -name '*.c'", "find . -type d", "find . -type f -size +2k",
            "find . -path ./node_modules -prune -o -type f -print", "find . -type f -printf '%M %6s %p\\n'",
            "find . -not -path '*/.git*' -type f | sort", "find . -newer README.md -type f", "find . -empty",
            "find . -type f -name '*.log' -o -name 'core*'", "find src tests -type f"])
        r = ctx.run(cmd, cwd=root)
        out.append(ctx.sample(cmd, r.out, i, {str(root): ctx.fake_root}))
        shutil.rmtree(root)
    return out


def produce_tree(ctx: TaskCtx) -> list[Sample]:
    out = []
    for i in range(ctx.n):
        root, rng = _build(ctx, i)
        cmd = rng.choice(["tree", "tree -a", "tree -L 2", "tree -a -I node_modules", "tree --dirsfirst", "tree -sh"])
        r = ctx.run(cmd, cwd=root)
        out.append(ctx.sample(cmd, r.out, i, {str(root): ctx.fake_root}))
        shutil.rmtree(root)
    return out


FAMILIES = [
    Family("ls", "tree", TEMPLATES, produce_ls, 170, ("ls", "git"), "trees", "ls -la / ls -laR listings"),
    Family("find", "tree", TEMPLATES, produce_find, 150, ("find", "git"), "trees", "find listings"),
    Family("tree-cmd", "tree", TEMPLATES, produce_tree, 60, ("tree", "git"), "trees", "the tree program"),
]
