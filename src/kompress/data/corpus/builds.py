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

# ---------------------------------------------------------------------------------------------
# C modules: $P is the function prefix, $T the main struct name. Function signatures sit on
# one line followed by a line holding "{", which is how prototypes are derived for the header.

C_MODULES: dict[str, tuple[str, str]] = {
    "inventory": ("""#include <stddef.h>

struct $T {
    char name[32];
    int qty;
    double price;
};

struct ${T}_list {
    struct $T *items;
    size_t len;
    size_t cap;
};
""", """#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

int ${P}_add(struct ${T}_list *l, const char *name, int qty, double price)
{
    if (l->len == l->cap) {
        size_t ncap = l->cap ? l->cap * 2 : 8;
        struct $T *n = realloc(l->items, ncap * sizeof *n);
        if (n == NULL)
            return -1;
        l->items = n;
        l->cap = ncap;
    }
    struct $T *it = &l->items[l->len++];
    strncpy(it->name, name, sizeof it->name - 1);
    it->qty = qty;
    it->price = price;
    return 0;
}

struct $T *${P}_find(struct ${T}_list *l, const char *name)
{
    for (size_t i = 0; i < l->len; i++) {
        if (strcmp(l->items[i].name, name) == 0)
            return &l->items[i];
    }
    return NULL;
}

double ${P}_total(const struct ${T}_list *l)
{
    double total = 0.0;
    for (size_t i = 0; i < l->len; i++)
        total += l->items[i].qty * l->items[i].price;
    return total;
}

int ${P}_demo(int argc, char **argv)
{
    struct ${T}_list l = {0};
    int count = 0;
    for (int i = 1; i < argc; i++) {
        ${P}_add(&l, argv[i], i * 3, 2.5 * i);
        count++;
    }
    printf("%d items, total %.2f\\n", count, ${P}_total(&l));
    free(l.items);
    return 0;
}
"""),
    "tokenizer": ("""#include <stddef.h>

enum ${T}_kind { TOK_WORD, TOK_NUMBER, TOK_PUNCT, TOK_END };

struct $T {
    enum ${T}_kind kind;
    const char *start;
    size_t len;
};
""", """#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "$P.h"

const char *${P}_next(const char *p, struct $T *tok)
{
    while (*p && isspace((unsigned char)*p))
        p++;
    tok->start = p;
    if (*p == '\\0') {
        tok->kind = TOK_END;
        tok->len = 0;
        return p;
    }
    if (isdigit((unsigned char)*p)) {
        while (isdigit((unsigned char)*p))
            p++;
        tok->kind = TOK_NUMBER;
    } else if (isalpha((unsigned char)*p)) {
        while (isalnum((unsigned char)*p) || *p == '_')
            p++;
        tok->kind = TOK_WORD;
    } else {
        p++;
        tok->kind = TOK_PUNCT;
    }
    tok->len = (size_t)(p - tok->start);
    return p;
}

int ${P}_count(const char *text, enum ${T}_kind kind)
{
    struct $T tok;
    int count = 0;
    const char *p = text;
    do {
        p = ${P}_next(p, &tok);
        if (tok.kind == kind)
            count++;
    } while (tok.kind != TOK_END);
    return count;
}

int ${P}_demo(int argc, char **argv)
{
    int words = 0;
    for (int i = 1; i < argc; i++) {
        words += ${P}_count(argv[i], TOK_WORD);
        printf("%s: %zu bytes\\n", argv[i], strlen(argv[i]));
    }
    printf("%d words\\n", words);
    return 0;
}
"""),
    "csvparse": ("""#include <stddef.h>

#define ${T}_MAX_FIELDS 32

struct $T {
    char *fields[${T}_MAX_FIELDS];
    int nfields;
    int line;
};
""", """#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

int ${P}_split(char *line, struct $T *row, char sep)
{
    int n = 0;
    char *start = line;
    for (char *p = line; ; p++) {
        if (*p == sep || *p == '\\0' || *p == '\\n') {
            int end = *p == '\\0' || *p == '\\n';
            *p = '\\0';
            if (n < ${T}_MAX_FIELDS)
                row->fields[n++] = start;
            if (end)
                break;
            start = p + 1;
        }
    }
    row->nfields = n;
    return n;
}

long ${P}_sum_column(FILE *in, int column, char sep)
{
    char buf[1024];
    struct $T row = {0};
    long total = 0;
    while (fgets(buf, sizeof buf, in) != NULL) {
        row.line++;
        if (${P}_split(buf, &row, sep) <= column)
            continue;
        total += strtol(row.fields[column], NULL, 10);
    }
    return total;
}

int ${P}_demo(int argc, char **argv)
{
    int column = argc > 1 ? atoi(argv[1]) : 0;
    long total = ${P}_sum_column(stdin, column, ',');
    printf("column %d total %ld\\n", column, total);
    return 0;
}
"""),
    "matrix": ("""#include <stddef.h>

struct $T {
    size_t rows;
    size_t cols;
    double *data;
};
""", """#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

struct $T *${P}_new(size_t rows, size_t cols)
{
    struct $T *m = malloc(sizeof *m);
    if (m == NULL)
        return NULL;
    m->rows = rows;
    m->cols = cols;
    m->data = calloc(rows * cols, sizeof(double));
    return m;
}

double ${P}_get(const struct $T *m, size_t r, size_t c)
{
    return m->data[r * m->cols + c];
}

int ${P}_mul(const struct $T *a, const struct $T *b, struct $T *out)
{
    if (a->cols != b->rows)
        return -1;
    for (size_t i = 0; i < a->rows; i++) {
        for (size_t j = 0; j < b->cols; j++) {
            double acc = 0.0;
            for (size_t k = 0; k < a->cols; k++)
                acc += ${P}_get(a, i, k) * ${P}_get(b, k, j);
            out->data[i * out->cols + j] = acc;
        }
    }
    return 0;
}

void ${P}_free(struct $T *m)
{
    free(m->data);
    free(m);
}

int ${P}_demo(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 3;
    struct $T *a = ${P}_new(n, n);
    struct $T *b = ${P}_new(n, n);
    struct $T *c = ${P}_new(n, n);
    int rc = ${P}_mul(a, b, c);
    printf("mul rc=%d size=%d\\n", rc, n);
    ${P}_free(a);
    ${P}_free(b);
    ${P}_free(c);
    return rc;
}
"""),
    "hashmap": ("""#include <stddef.h>

struct ${T}_slot {
    const char *key;
    int value;
    int used;
};

struct $T {
    struct ${T}_slot *slots;
    size_t cap;
    size_t count;
};
""", """#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

static unsigned long ${P}_hash(const char *s)
{
    unsigned long h = 5381;
    int c;
    while ((c = *s++) != 0)
        h = h * 33 + (unsigned long)c;
    return h;
}

int ${P}_put(struct $T *m, const char *key, int value)
{
    if (m->count * 2 >= m->cap)
        return -1;
    size_t i = ${P}_hash(key) % m->cap;
    while (m->slots[i].used && strcmp(m->slots[i].key, key) != 0)
        i = (i + 1) % m->cap;
    if (!m->slots[i].used)
        m->count++;
    m->slots[i].key = key;
    m->slots[i].value = value;
    m->slots[i].used = 1;
    return 0;
}

int ${P}_get(const struct $T *m, const char *key, int *out)
{
    size_t i = ${P}_hash(key) % m->cap;
    while (m->slots[i].used) {
        if (strcmp(m->slots[i].key, key) == 0) {
            *out = m->slots[i].value;
            return 1;
        }
        i = (i + 1) % m->cap;
    }
    return 0;
}

int ${P}_demo(int argc, char **argv)
{
    struct $T m = {0};
    m.cap = 64;
    m.slots = calloc(m.cap, sizeof *m.slots);
    for (int i = 1; i < argc; i++)
        ${P}_put(&m, argv[i], i);
    int value = 0;
    int found = ${P}_get(&m, "$N", &value);
    printf("found=%d value=%d count=%zu\\n", found, value, m.count);
    free(m.slots);
    return 0;
}
"""),
    "stats": ("""#include <stddef.h>

struct $T {
    double mean;
    double variance;
    double median;
    size_t n;
};
""", """#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include "$P.h"

static int ${P}_cmp(const void *a, const void *b)
{
    double x = *(const double *)a;
    double y = *(const double *)b;
    return (x > y) - (x < y);
}

int ${P}_compute(double *values, size_t n, struct $T *out)
{
    if (n == 0)
        return -1;
    double sum = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += values[i];
    out->n = n;
    out->mean = sum / n;
    double sq = 0.0;
    for (size_t i = 0; i < n; i++)
        sq += (values[i] - out->mean) * (values[i] - out->mean);
    out->variance = sq / n;
    qsort(values, n, sizeof values[0], ${P}_cmp);
    out->median = n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
    return 0;
}

int ${P}_demo(int argc, char **argv)
{
    double values[256];
    size_t n = 0;
    for (int i = 1; i < argc && n < 256; i++)
        values[n++] = atof(argv[i]);
    struct $T st;
    if (${P}_compute(values, n, &st) != 0)
        return 1;
    printf("n=%zu mean=%.3f sd=%.3f median=%.3f\\n", st.n, st.mean, sqrt(st.variance), st.median);
    return 0;
}
"""),
    "kvconfig": ("""#include <stdio.h>

struct $T {
    char key[64];
    char value[192];
};

struct ${T}_set {
    struct $T entries[128];
    int count;
};
""", """#include <ctype.h>
#include <stdio.h>
#include <string.h>
#include "$P.h"

static char *${P}_trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    char *end = s + strlen(s);
    while (end > s && isspace((unsigned char)end[-1]))
        *--end = '\\0';
    return s;
}

int ${P}_load(FILE *in, struct ${T}_set *set)
{
    char line[256];
    int lineno = 0;
    while (fgets(line, sizeof line, in) != NULL) {
        lineno++;
        char *p = ${P}_trim(line);
        if (*p == '#' || *p == '\\0')
            continue;
        char *eq = strchr(p, '=');
        if (eq == NULL) {
            fprintf(stderr, "line %d: missing '='\\n", lineno);
            return -lineno;
        }
        *eq = '\\0';
        struct $T *e = &set->entries[set->count++];
        snprintf(e->key, sizeof e->key, "%s", ${P}_trim(p));
        snprintf(e->value, sizeof e->value, "%s", ${P}_trim(eq + 1));
    }
    return set->count;
}

const char *${P}_lookup(const struct ${T}_set *set, const char *key)
{
    for (int i = 0; i < set->count; i++)
        if (strcmp(set->entries[i].key, key) == 0)
            return set->entries[i].value;
    return NULL;
}

int ${P}_demo(int argc, char **argv)
{
    static struct ${T}_set set;
    int n = ${P}_load(stdin, &set);
    printf("loaded %d keys\\n", n);
    for (int i = 1; i < argc; i++) {
        const char *v = ${P}_lookup(&set, argv[i]);
        printf("%s = %s\\n", argv[i], v ? v : "(unset)");
    }
    return 0;
}
"""),
    "bitset": ("""#include <stddef.h>
#include <stdint.h>

struct $T {
    uint64_t *words;
    size_t nbits;
};
""", """#include <stdio.h>
#include <stdlib.h>
#include "$P.h"

int ${P}_init(struct $T *b, size_t nbits)
{
    b->nbits = nbits;
    b->words = calloc((nbits + 63) / 64, sizeof(uint64_t));
    return b->words ? 0 : -1;
}

void ${P}_set(struct $T *b, size_t i)
{
    b->words[i / 64] |= (uint64_t)1 << (i % 64);
}

int ${P}_test(const struct $T *b, size_t i)
{
    return (b->words[i / 64] >> (i % 64)) & 1;
}

size_t ${P}_count(const struct $T *b)
{
    size_t total = 0;
    for (size_t i = 0; i < (b->nbits + 63) / 64; i++)
        total += (size_t)__builtin_popcountll(b->words[i]);
    return total;
}

int ${P}_demo(int argc, char **argv)
{
    struct $T b;
    int n = argc > 1 ? atoi(argv[1]) : 100;
    if (${P}_init(&b, n) != 0)
        return 1;
    for (int i = 0; i < n; i += 3)
        ${P}_set(&b, i);
    printf("%zu of %d bits set, bit 9 is %d\\n", ${P}_count(&b), n, ${P}_test(&b, 9));
    free(b.words);
    return 0;
}
"""),
    "base64": ("""#include <stddef.h>

struct $T {
    char *out;
    size_t len;
    size_t cap;
};
""", """#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "$P.h"

static const char ${P}_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

int ${P}_encode(const unsigned char *in, size_t n, struct $T *enc)
{
    enc->cap = 4 * ((n + 2) / 3) + 1;
    enc->out = malloc(enc->cap);
    if (enc->out == NULL)
        return -1;
    size_t o = 0;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = in[i] << 16;
        if (i + 1 < n)
            v |= in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        enc->out[o++] = ${P}_alphabet[(v >> 18) & 63];
        enc->out[o++] = ${P}_alphabet[(v >> 12) & 63];
        enc->out[o++] = i + 1 < n ? ${P}_alphabet[(v >> 6) & 63] : '=';
        enc->out[o++] = i + 2 < n ? ${P}_alphabet[v & 63] : '=';
    }
    enc->out[o] = '\\0';
    enc->len = o;
    return 0;
}

int ${P}_demo(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct $T enc;
        if (${P}_encode((const unsigned char *)argv[i], strlen(argv[i]), &enc) != 0)
            return 1;
        printf("%s -> %s (%zu)\\n", argv[i], enc.out, enc.len);
        free(enc.out);
    }
    return 0;
}
"""),
    "lrucache": ("""#include <stddef.h>

#define ${T}_CAP 16

struct $T {
    int keys[${T}_CAP];
    int values[${T}_CAP];
    unsigned long stamp[${T}_CAP];
    int used;
    unsigned long clock;
};
""", """#include <stdio.h>
#include <stdlib.h>
#include "$P.h"

int ${P}_get(struct $T *c, int key, int *value)
{
    for (int i = 0; i < c->used; i++) {
        if (c->keys[i] == key) {
            c->stamp[i] = ++c->clock;
            *value = c->values[i];
            return 1;
        }
    }
    return 0;
}

void ${P}_put(struct $T *c, int key, int value)
{
    int slot = c->used;
    if (c->used == ${T}_CAP) {
        slot = 0;
        for (int i = 1; i < c->used; i++)
            if (c->stamp[i] < c->stamp[slot])
                slot = i;
    } else {
        c->used++;
    }
    c->keys[slot] = key;
    c->values[slot] = value;
    c->stamp[slot] = ++c->clock;
}

int ${P}_demo(int argc, char **argv)
{
    struct $T cache = {0};
    int hits = 0;
    for (int i = 1; i < argc; i++) {
        int key = atoi(argv[i]);
        int value;
        if (${P}_get(&cache, key, &value))
            hits++;
        else
            ${P}_put(&cache, key, key * key);
    }
    printf("%d hits of %d lookups\\n", hits, argc - 1);
    return 0;
}
"""),
}

MAIN_C = """#include "$P.h"

int main(int argc, char **argv)
{
    return ${P}_demo(argc, argv);
}
"""

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


CMAKE_LISTS = """cmake_minimum_required(VERSION 3.16)
project($PROJ VERSION $VER LANGUAGES C)

set(CMAKE_C_STANDARD 11)
set(CMAKE_C_STANDARD_REQUIRED ON)
$EXTRA
add_library(${MOD}_lib STATIC src/$MOD.c)
target_include_directories(${MOD}_lib PUBLIC src)
target_compile_options(${MOD}_lib PRIVATE -Wall -Wextra)

add_executable($APP src/main.c)
target_link_libraries($APP PRIVATE ${MOD}_lib m)
"""

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

CXX_MODULES: dict[str, str] = {
    "cxx-registry": """#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <string>
#include <vector>

namespace $NS {

class $T {
public:
    $T(std::string name, int weight) : name_(std::move(name)), weight_(weight) {}
    const std::string &name() const { return name_; }
    int weight() const { return weight_; }
    void bump(int by) { weight_ += by; }

private:
    std::string name_;
    int weight_;
};

class Registry {
public:
    void add(const std::string &name, int weight)
    {
        items_.emplace(name, std::make_unique<$T>(name, weight));
    }

    std::vector<std::string> top(std::size_t n) const
    {
        std::vector<const $T *> all;
        for (const auto &kv : items_)
            all.push_back(kv.second.get());
        std::sort(all.begin(), all.end(), [](const $T *a, const $T *b) { return a->weight() > b->weight(); });
        std::vector<std::string> out;
        for (std::size_t i = 0; i < n && i < all.size(); i++)
            out.push_back(all[i]->name());
        return out;
    }

    int total() const
    {
        int sum = 0;
        for (const auto &kv : items_)
            sum += kv.second->weight();
        return sum;
    }

private:
    std::map<std::string, std::unique_ptr<$T>> items_;
};

}  // namespace $NS

int main(int argc, char **argv)
{
    $NS::Registry reg;
    for (int i = 1; i < argc; i++)
        reg.add(argv[i], i * 10);
    for (const auto &name : reg.top(3))
        std::cout << name << "\\n";
    std::cout << "total " << reg.total() << std::endl;
    return 0;
}
""",
    "cxx-parser": """#include <cctype>
#include <iostream>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace $NS {

struct $T {
    std::string key;
    std::vector<double> values;
};

std::optional<$T> parse_line(const std::string &line)
{
    auto colon = line.find(':');
    if (colon == std::string::npos)
        return std::nullopt;
    $T rec;
    rec.key = line.substr(0, colon);
    std::istringstream rest(line.substr(colon + 1));
    double v = 0.0;
    while (rest >> v)
        rec.values.push_back(v);
    return rec;
}

double mean(const $T &rec)
{
    if (rec.values.empty())
        return 0.0;
    double sum = 0.0;
    for (double v : rec.values)
        sum += v;
    return sum / static_cast<double>(rec.values.size());
}

}  // namespace $NS

int main()
{
    std::string line;
    std::vector<$NS::$T> records;
    while (std::getline(std::cin, line)) {
        auto rec = $NS::parse_line(line);
        if (rec)
            records.push_back(*rec);
    }
    for (const auto &r : records)
        std::cout << r.key << " " << $NS::mean(r) << "\\n";
    return 0;
}
""",
    "cxx-graph": """#include <iostream>
#include <queue>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace $NS {

class $T {
public:
    void connect(int a, int b)
    {
        edges_[a].push_back(b);
        edges_[b].push_back(a);
    }

    std::vector<int> bfs(int start) const
    {
        std::vector<int> order;
        std::unordered_set<int> seen{start};
        std::queue<int> todo;
        todo.push(start);
        while (!todo.empty()) {
            int cur = todo.front();
            todo.pop();
            order.push_back(cur);
            auto it = edges_.find(cur);
            if (it == edges_.end())
                continue;
            for (int next : it->second) {
                if (seen.insert(next).second)
                    todo.push(next);
            }
        }
        return order;
    }

    std::size_t size() const { return edges_.size(); }

private:
    std::unordered_map<int, std::vector<int>> edges_;
};

}  // namespace $NS

int main()
{
    $NS::$T g;
    for (int i = 0; i < 10; i++)
        g.connect(i, (i * 7 + 3) % 10);
    for (int n : g.bfs(0))
        std::cout << n << ' ';
    std::cout << "\\nnodes: " << g.size() << std::endl;
    return 0;
}
""",
    "cxx-matrix": """#include <array>
#include <cstddef>
#include <iostream>
#include <stdexcept>
#include <vector>

namespace $NS {

template <typename T>
class $T {
public:
    $T(std::size_t rows, std::size_t cols) : rows_(rows), cols_(cols), data_(rows * cols) {}

    T &at(std::size_t r, std::size_t c)
    {
        if (r >= rows_ || c >= cols_)
            throw std::out_of_range("index");
        return data_[r * cols_ + c];
    }

    const T &at(std::size_t r, std::size_t c) const { return data_[r * cols_ + c]; }

    $T operator*(const $T &other) const
    {
        if (cols_ != other.rows_)
            throw std::invalid_argument("shape mismatch");
        $T out(rows_, other.cols_);
        for (std::size_t i = 0; i < rows_; i++)
            for (std::size_t j = 0; j < other.cols_; j++) {
                T acc{};
                for (std::size_t k = 0; k < cols_; k++)
                    acc += at(i, k) * other.at(k, j);
                out.at(i, j) = acc;
            }
        return out;
    }

    std::size_t rows() const { return rows_; }

private:
    std::size_t rows_;
    std::size_t cols_;
    std::vector<T> data_;
};

}  // namespace $NS

int main()
{
    $NS::$T<double> a(3, 3), b(3, 3);
    for (std::size_t i = 0; i < 3; i++)
        a.at(i, i) = b.at(i, i) = 2.0;
    auto c = a * b;
    std::cout << c.at(1, 1) << " rows=" << c.rows() << std::endl;
    return 0;
}
""",
    "cxx-events": """#include <functional>
#include <iostream>
#include <map>
#include <string>
#include <vector>

namespace $NS {

class $T {
public:
    using Handler = std::function<void(const std::string &)>;

    void on(const std::string &topic, Handler h)
    {
        handlers_[topic].push_back(std::move(h));
    }

    int emit(const std::string &topic, const std::string &payload) const
    {
        auto it = handlers_.find(topic);
        if (it == handlers_.end())
            return 0;
        int count = 0;
        for (const auto &h : it->second) {
            h(payload);
            count++;
        }
        return count;
    }

private:
    std::map<std::string, std::vector<Handler>> handlers_;
};

}  // namespace $NS

int main()
{
    $NS::$T bus;
    int seen = 0;
    bus.on("$N.created", [&seen](const std::string &p) { seen++; std::cout << "created " << p << "\\n"; });
    bus.on("$N.deleted", [](const std::string &p) { std::cout << "deleted " << p << "\\n"; });
    int n = bus.emit("$N.created", "id=7");
    std::cout << n << " handlers, seen=" << seen << std::endl;
    return 0;
}
""",
}


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

JAVA_CLASSES: dict[str, str] = {
    "java-ledger": """package com.$ORG.$PKG;

import java.io.BufferedReader;
import java.io.FileReader;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public class $C {
    private final Map<String, Long> balances = new HashMap<>();
    private final List<String> journal = new ArrayList<>();

    public void post(String account, long cents) {
        long current = balances.getOrDefault(account, 0L);
        balances.put(account, current + cents);
        journal.add(account + ":" + cents);
    }

    public long balance(String account) {
        Long value = balances.get(account);
        return value == null ? 0L : value;
    }

    public int load(String path) throws IOException {
        int count = 0;
        try (BufferedReader in = new BufferedReader(new FileReader(path))) {
            String line;
            while ((line = in.readLine()) != null) {
                String[] parts = line.split(",");
                post(parts[0], Long.parseLong(parts[1]));
                count++;
            }
        }
        return count;
    }

    public static void main(String[] args) throws IOException {
        $C ledger = new $C();
        int count = ledger.load(args[0]);
        System.out.println("loaded " + count + " postings");
        System.out.println("cash = " + ledger.balance("cash"));
    }
}
""",
    "java-scheduler": """package com.$ORG.$PKG;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.PriorityQueue;

public class $C {
    static final class Task {
        final String name;
        final int priority;
        final long dueMillis;

        Task(String name, int priority, long dueMillis) {
            this.name = name;
            this.priority = priority;
            this.dueMillis = dueMillis;
        }
    }

    private final PriorityQueue<Task> queue =
        new PriorityQueue<>(Comparator.comparingInt((Task t) -> -t.priority).thenComparingLong(t -> t.dueMillis));

    public void submit(String name, int priority, long due) {
        queue.add(new Task(name, priority, due));
    }

    public List<String> drain(int max) {
        List<String> out = new ArrayList<>();
        int taken = 0;
        while (!queue.isEmpty() && taken < max) {
            Task t = queue.poll();
            out.add(t.name);
            taken++;
        }
        return out;
    }

    public static void main(String[] args) {
        $C s = new $C();
        for (int i = 0; i < args.length; i++) {
            s.submit(args[i], i % 3, 1000L * i);
        }
        System.out.println(s.drain(5));
    }
}
""",
    "java-cache": """package com.$ORG.$PKG;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

public class $C<K, V> {
    private final int capacity;
    private final LinkedHashMap<K, V> entries;
    private long hits;
    private long misses;

    public $C(int capacity) {
        this.capacity = capacity;
        this.entries = new LinkedHashMap<>(16, 0.75f, true) {
            @Override
            protected boolean removeEldestEntry(Map.Entry<K, V> eldest) {
                return size() > $C.this.capacity;
            }
        };
    }

    public Optional<V> get(K key) {
        V value = entries.get(key);
        if (value == null) {
            misses++;
            return Optional.empty();
        }
        hits++;
        return Optional.of(value);
    }

    public void put(K key, V value) {
        entries.put(key, value);
    }

    public double hitRate() {
        long total = hits + misses;
        return total == 0 ? 0.0 : (double) hits / total;
    }

    public static void main(String[] args) {
        $C<String, Integer> cache = new $C<>(3);
        for (String a : args) {
            if (!cache.get(a).isPresent()) {
                cache.put(a, a.length());
            }
        }
        System.out.printf("hit rate %.2f%n", cache.hitRate());
    }
}
""",
    "java-parser": """package com.$ORG.$PKG;

import java.util.ArrayList;
import java.util.List;

public class $C {
    public enum Kind { NUMBER, IDENT, SYMBOL }

    public static final class Token {
        public final Kind kind;
        public final String text;

        Token(Kind kind, String text) {
            this.kind = kind;
            this.text = text;
        }

        @Override
        public String toString() {
            return kind + "(" + text + ")";
        }
    }

    public static List<Token> tokenize(String input) {
        List<Token> tokens = new ArrayList<>();
        int i = 0;
        while (i < input.length()) {
            char c = input.charAt(i);
            if (Character.isWhitespace(c)) {
                i++;
            } else if (Character.isDigit(c)) {
                int start = i;
                while (i < input.length() && Character.isDigit(input.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Kind.NUMBER, input.substring(start, i)));
            } else if (Character.isLetter(c)) {
                int start = i;
                while (i < input.length() && Character.isLetterOrDigit(input.charAt(i))) {
                    i++;
                }
                tokens.add(new Token(Kind.IDENT, input.substring(start, i)));
            } else {
                tokens.add(new Token(Kind.SYMBOL, String.valueOf(c)));
                i++;
            }
        }
        return tokens;
    }

    public static void main(String[] args) {
        String joined = String.join(" ", args);
        List<Token> tokens = tokenize(joined);
        System.out.println(tokens.size() + " tokens: " + tokens);
    }
}
""",
    "java-stats": """package com.$ORG.$PKG;

import java.util.Arrays;
import java.util.DoubleSummaryStatistics;
import java.util.List;
import java.util.stream.Collectors;

public class $C {
    private final double[] samples;

    public $C(double[] samples) {
        this.samples = samples.clone();
        Arrays.sort(this.samples);
    }

    public double median() {
        int n = samples.length;
        if (n == 0) {
            throw new IllegalStateException("no samples");
        }
        return n % 2 == 1 ? samples[n / 2] : (samples[n / 2 - 1] + samples[n / 2]) / 2.0;
    }

    public double percentile(double p) {
        int index = (int) Math.ceil(p / 100.0 * samples.length) - 1;
        return samples[Math.max(0, index)];
    }

    public String summary() {
        DoubleSummaryStatistics st = Arrays.stream(samples).summaryStatistics();
        List<String> parts = Arrays.stream(samples).limit(5).mapToObj(Double::toString).collect(Collectors.toList());
        return String.format("n=%d min=%.2f max=%.2f first=%s", st.getCount(), st.getMin(), st.getMax(), parts);
    }

    public static void main(String[] args) {
        double[] values = Arrays.stream(args).mapToDouble(Double::parseDouble).toArray();
        $C s = new $C(values);
        System.out.println(s.summary() + " median=" + s.median() + " p95=" + s.percentile(95));
    }
}
""",
}


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


C_TPLS = tuple(C_MODULES)

FAMILIES = [
    Family("gcc", "build", C_TPLS, produce_gcc, 280, ("gcc",), "c-modules", "gcc/cc errors and warnings"),
    Family("make", "build", C_TPLS, produce_make, 150, ("gcc", "make"), "c-modules", "make driving gcc"),
    Family("cmake", "build", C_TPLS, produce_cmake, 60, ("gcc", "make", "cmake"), "c-modules",
           "cmake configure and build"),
    Family("gxx", "build", tuple(CXX_MODULES), produce_gxx, 150, ("g++",), None, "g++ errors (templates, std::)"),
    Family("javac", "build", tuple(JAVA_CLASSES), produce_javac, 110, ("javac",), None, "javac errors and lint"),
]
