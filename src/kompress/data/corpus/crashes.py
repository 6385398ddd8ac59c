"""Crash reports: small C/C++ programs that really crash (SIGSEGV, SIGFPE, SIGABRT, SIGILL,
SIGBUS, stack overflow, heap misuse), run plain from a shell, under ``gdb -batch``, under
``valgrind`` and built with ``-fsanitize=address,undefined``.

Each template is one program. Its identifiers come from a seeded *flavor* (two per template)
and its behaviour from argv (record counts, the failing index, the input), so one compiled
binary serves many items; binaries are cached under ``workdir/cache`` and shared by the four
families. Runs happen under ``setarch -R`` so addresses repeat run to run.
"""

from __future__ import annotations

import fcntl
import hashlib
import random
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from string import Template

from kompress.data.corpus._runtime import NOUNS, VERBS, Family, Sample, TaskCtx, task_rng

PRELUDE = """#include <stdio.h>
#include <stdlib.h>
#include <string.h>
"""


@dataclass(frozen=True)
class Program:
    """One crashing program: source template, language, flags and which run modes apply."""

    name: str
    source: str  # string.Template with $S $N $F1 $F2 $F3 $TAG
    args: object  # callable(rng) -> list[str]
    modes: tuple[str, ...] = ("plain", "gdb", "valgrind", "asan")
    lang: str = "c"
    flags: tuple[str, ...] = ()
    asan_flags: tuple[str, ...] = ()
    bt_limit: bool = False  # deep stacks: gdb must print a bounded backtrace


def _n(lo: int, hi: int):
    return lambda rng: rng.randint(lo, hi)


PROGRAMS: list[Program] = [
    Program("list-lookup", PRELUDE + r"""
struct $S {
    char key[32];
    int qty;
    double price;
    struct $S *next;
};

static struct $S *${N}_push(struct $S *head, const char *key, int qty, double price)
{
    struct $S *it = calloc(1, sizeof *it);
    snprintf(it->key, sizeof it->key, "%s", key);
    it->qty = qty;
    it->price = price;
    it->next = head;
    return it;
}

static struct $S *${N}_find(struct $S *head, const char *key)
{
    for (; head != NULL; head = head->next)
        if (strcmp(head->key, key) == 0)
            return head;
    return NULL;
}

static double $F1(struct $S *head, const char *key, int qty)
{
    struct $S *it = ${N}_find(head, key);
    double unit = it->price;
    return unit * qty;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int n = argc > 1 ? atoi(argv[1]) : 8;
    struct $S *head = NULL;
    for (int i = 0; i < n; i++) {
        char key[32];
        snprintf(key, sizeof key, "$N-%03d", i * 7 % 1000);
        head = ${N}_push(head, key, (i * 13) % 17, 1.25 + i * 0.5);
        printf("[$TAG] loaded %s qty=%d price=%.2f\n", key, (i * 13) % 17, 1.25 + i * 0.5);
    }
    for (int a = 2; a < argc; a++) {
        printf("[$TAG] pricing %s x4\n", argv[a]);
        double total = $F1(head, argv[a], 4);
        printf("[$TAG] total for %s = %.2f\n", argv[a], total);
    }
    return 0;
}
""", lambda rng: [str(rng.randint(10, 70))] + [f"{rng.choice(NOUNS)}-{rng.randint(0, 999):03d}"
                                             for _ in range(rng.randint(1, 3))]),

    Program("matrix-divzero", PRELUDE + r"""
#define MAX_ROWS 64

struct $S {
    int rows;
    int count[MAX_ROWS];
    long sum[MAX_ROWS];
};

static void $F1(struct $S *m, int rows, int empty_row)
{
    m->rows = rows;
    for (int r = 0; r < rows; r++) {
        m->count[r] = r == empty_row ? 0 : 3 + r % 5;
        m->sum[r] = 0;
        for (int c = 0; c < m->count[r]; c++)
            m->sum[r] += (r + 1) * (c + 7) % 101;
    }
}

static int $F2(const struct $S *m, int r)
{
    int avg = (int)(m->sum[r] / m->count[r]);
    return avg;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int rows = argc > 1 ? atoi(argv[1]) : 10;
    int empty = argc > 2 ? atoi(argv[2]) : rows - 1;
    static struct $S m;
    $F1(&m, rows, empty);
    printf("$TAG: %d rows of ${N} samples\n", rows);
    for (int r = 0; r < rows; r++) {
        int avg = $F2(&m, r);
        printf("row %2d: n=%d sum=%ld avg=%d\n", r, m.count[r], m.sum[r], avg);
    }
    return 0;
}
""", lambda rng: (lambda r: [str(r), str(rng.randint(1, r - 1))])(rng.randint(6, 48)),
        flags=("-O0",)),

    Program("ring-assert", PRELUDE + r"""#include <assert.h>

struct $S {
    int *slots;
    int cap;
    int len;
    int head;
};

static void ${N}_init(struct $S *rb, int cap)
{
    rb->slots = calloc(cap, sizeof(int));
    rb->cap = cap;
    rb->len = 0;
    rb->head = 0;
}

static void $F1(struct $S *rb, int value)
{
    assert(rb->len < rb->cap && "$N ring is full");
    rb->slots[(rb->head + rb->len) % rb->cap] = value;
    rb->len++;
}

static int $F2(struct $S *rb)
{
    int v = rb->slots[rb->head];
    rb->head = (rb->head + 1) % rb->cap;
    rb->len--;
    return v;
}

int main(int argc, char **argv)
{
    int cap = argc > 1 ? atoi(argv[1]) : 8;
    int burst = argc > 2 ? atoi(argv[2]) : 3;
    int rounds = argc > 3 ? atoi(argv[3]) : 5;
    struct $S rb;
    ${N}_init(&rb, cap);
    for (int r = 0; r < rounds; r++) {
        for (int i = 0; i < burst; i++)
            $F1(&rb, r * 100 + i);
        fprintf(stderr, "$TAG round %d: queued %d, depth %d/%d\n", r, burst, rb.len, rb.cap);
        int v = $F2(&rb);
        fprintf(stderr, "$TAG round %d: drained %d\n", r, v);
    }
    return 0;
}
""", lambda rng: (lambda cap, burst: [str(cap), str(burst), str(cap + rng.randint(2, 20))])(
        rng.randint(4, 24), rng.randint(2, 4))),

    Program("double-free", PRELUDE + r"""
struct $S {
    char *name;
    char *payload;
    size_t size;
};

static struct $S *${N}_open(const char *name, size_t size)
{
    struct $S *s = malloc(sizeof *s);
    s->name = strdup(name);
    s->payload = malloc(size);
    memset(s->payload, 'x', size);
    s->size = size;
    fprintf(stderr, "opened %s (%zu bytes)\n", name, size);
    return s;
}

static void $F1(struct $S *s)
{
    free(s->payload);
    free(s->name);
}

static int $F2(struct $S *s, int fail)
{
    if (fail) {
        fprintf(stderr, "error: $VERB of %s failed, releasing\n", s->name);
        $F1(s);
        return -1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4;
    int bad = argc > 2 ? atoi(argv[2]) : 2;
    for (int i = 0; i < n; i++) {
        char name[40];
        snprintf(name, sizeof name, "${N}_%02d.dat", i);
        struct $S *s = ${N}_open(name, 64 + 32 * i);
        if ($F2(s, i == bad) != 0)
            fprintf(stderr, "cleanup after failure of %s\n", name);
        $F1(s);
        free(s);
    }
    return 0;
}
""", lambda rng: (lambda n: [str(n), str(rng.randint(0, n - 1))])(rng.randint(3, 30))),

    Program("vm-trap", PRELUDE + r"""
enum op { OP_PUSH, OP_ADD, OP_MUL, OP_DUP, OP_PRINT, OP_HALT };

static long stack[256];
static int sp;

static void $F1(const unsigned char *code, int len)
{
    for (int pc = 0; pc < len; pc++) {
        switch (code[pc]) {
        case OP_PUSH: stack[sp++] = code[++pc]; break;
        case OP_ADD: sp--; stack[sp - 1] += stack[sp]; break;
        case OP_MUL: sp--; stack[sp - 1] *= stack[sp]; break;
        case OP_DUP: stack[sp] = stack[sp - 1]; sp++; break;
        case OP_PRINT: printf("$TAG pc=%03d top=%ld depth=%d\n", pc, stack[sp - 1], sp); break;
        case OP_HALT: return;
        default:
            fprintf(stderr, "$TAG: bad opcode 0x%02x at pc=%d\n", code[pc], pc);
            __builtin_trap();
        }
    }
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int n = argc > 1 ? atoi(argv[1]) : 10;
    int bad_at = argc > 2 ? atoi(argv[2]) : n / 2;
    unsigned char code[1024];
    int len = 0;
    for (int i = 0; i < n; i++) {
        code[len++] = OP_PUSH; code[len++] = (unsigned char)(i * 3 + 1);
        code[len++] = i % 2 ? OP_ADD : OP_DUP;
        code[len++] = OP_PRINT;
        if (i == bad_at)
            code[len++] = (unsigned char)(0x40 + i % 64);
    }
    code[len++] = OP_HALT;
    printf("$TAG: $VERB %d instructions\n", len);
    $F1(code, len);
    return 0;
}
""", lambda rng: (lambda n: [str(n), str(rng.randint(n // 3, n - 1))])(rng.randint(10, 60))),

    Program("deep-recursion", PRELUDE + r"""
struct $S {
    int id;
    int nkids;
    struct $S *kids[4];
};

static struct $S nodes[128];

static long $F1(struct $S *n, int depth)
{
    char scratch[256];
    snprintf(scratch, sizeof scratch, "$N %d at depth %d", n->id, depth);
    long total = n->id + (long)strlen(scratch);
    for (int i = 0; i < n->nkids; i++)
        total += $F1(n->kids[i], depth + 1);
    return total;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int count = argc > 1 ? atoi(argv[1]) : 20;
    int back = argc > 2 ? atoi(argv[2]) : 3;
    for (int i = 0; i < count; i++) {
        nodes[i].id = i;
        if (i + 1 < count)
            nodes[i].kids[nodes[i].nkids++] = &nodes[i + 1];
    }
    nodes[count - 1].kids[nodes[count - 1].nkids++] = &nodes[back];
    printf("$TAG: built %d ${N}s, last links back to %d\n", count, back);
    printf("$TAG: $VERB total = %ld\n", $F1(&nodes[0], 0));
    return 0;
}
""", lambda rng: (lambda c: [str(c), str(rng.randint(0, c - 2))])(rng.randint(5, 120)), bt_limit=True),

    Program("use-after-free", PRELUDE + r"""
struct $S {
    int id;
    char label[24];
    struct $S *next;
};

static struct $S *cache;

static struct $S *$F1(int id)
{
    struct $S *e = malloc(sizeof *e);
    e->id = id;
    snprintf(e->label, sizeof e->label, "$N#%d", id);
    e->next = cache;
    cache = e;
    return e;
}

static void $F2(int keep)
{
    struct $S **pp = &cache;
    int seen = 0;
    while (*pp) {
        struct $S *e = *pp;
        if (++seen > keep) {
            *pp = e->next;
            free(e);
            continue;
        }
        pp = &e->next;
    }
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 8;
    int keep = argc > 2 ? atoi(argv[2]) : 3;
    struct $S *first = NULL;
    for (int i = 0; i < n; i++) {
        struct $S *e = $F1(i);
        if (i == 0)
            first = e;
        fprintf(stderr, "$TAG: cached %s\n", e->label);
    }
    $F2(keep);
    fprintf(stderr, "$TAG: evicted down to %d entries\n", keep);
    fprintf(stderr, "$TAG: oldest entry id=%d\n", first->id);
    return 0;
}
""", lambda rng: (lambda n: [str(n), str(rng.randint(1, n - 2))])(rng.randint(4, 30)),
        modes=("valgrind", "asan")),

    Program("heap-overflow", PRELUDE + r"""
static char *$F1(const char **parts, int n)
{
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += strlen(parts[i]);
    char *out = malloc(len + n - 1);
    char *p = out;
    for (int i = 0; i < n; i++) {
        size_t l = strlen(parts[i]);
        memcpy(p, parts[i], l);
        p += l;
        *p++ = i + 1 < n ? ',' : '\0';
    }
    out[len + n - 1] = '\0';
    return out;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 4;
    const char *parts[64];
    static char store[64][32];
    for (int i = 0; i < n && i < 64; i++) {
        snprintf(store[i], sizeof store[i], "$N%d", i * 11);
        parts[i] = store[i];
        fprintf(stderr, "$TAG: field %d = %s\n", i, parts[i]);
    }
    char *joined = $F1(parts, n);
    fprintf(stderr, "$TAG: joined %zu bytes: %s\n", strlen(joined), joined);
    free(joined);
    return 0;
}
""", lambda rng: [str(rng.randint(3, 40))], modes=("valgrind", "asan")),

    Program("stack-smash", PRELUDE + r"""
struct $S {
    int version;
    char user[16];
    char host[16];
};

static void $F1(struct $S *h, const char *line)
{
    char field[16];
    const char *at = strchr(line, '@');
    size_t n = at ? (size_t)(at - line) : strlen(line);
    memcpy(field, line, n);
    field[n] = '\0';
    snprintf(h->user, sizeof h->user, "%s", field);
    snprintf(h->host, sizeof h->host, "%s", at ? at + 1 : "localhost");
}

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        struct $S h = { .version = 2 };
        fprintf(stderr, "$TAG: $VERB header %d: '%s'\n", i, argv[i]);
        $F1(&h, argv[i]);
        fprintf(stderr, "$TAG: user=%s host=%s\n", h.user, h.host);
    }
    return 0;
}
""", lambda rng: [f"{rng.choice(NOUNS)}{i}@{rng.choice(['db', 'web', 'cache', 'node'])}{i}"
                  for i in range(rng.randint(1, 5))]
        + ["x" * rng.randint(40, 90) + "@" + rng.choice(["prod", "staging", "edge"])],
        flags=("-fstack-protector-strong",)),

    Program("null-fnptr", PRELUDE + r"""
typedef int (*handler_fn)(const char *arg);

static int h_get(const char *a) { printf("GET %s -> 200\n", a); return 200; }
static int h_put(const char *a) { printf("PUT %s -> 201\n", a); return 201; }
static int h_del(const char *a) { printf("DELETE %s -> 204\n", a); return 204; }

struct $S {
    const char *verb;
    handler_fn fn;
};

static struct $S table[] = {
    {"GET", h_get}, {"PUT", h_put}, {"DELETE", h_del}, {"PATCH", NULL}, {"HEAD", NULL},
};

static handler_fn $F1(const char *verb)
{
    for (size_t i = 0; i < sizeof table / sizeof table[0]; i++)
        if (strcmp(table[i].verb, verb) == 0)
            return table[i].fn;
    return h_get;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    for (int i = 1; i + 1 < argc; i += 2) {
        handler_fn fn = $F1(argv[i]);
        int status = fn(argv[i + 1]);
        printf("$TAG: request %d done (%d)\n", (i + 1) / 2, status);
    }
    return 0;
}
""", lambda rng: sum(([rng.choice(["GET", "PUT", "DELETE"]), f"/{rng.choice(NOUNS)}s/{rng.randint(1, 999)}"]
                      for _ in range(rng.randint(4, 20))), [])
        + [rng.choice(["PATCH", "HEAD"]), f"/{rng.choice(NOUNS)}s/{rng.randint(1, 999)}"]),

    Program("rodata-write", PRELUDE + r"""#include <ctype.h>

static const char *defaults[] = { "$N.host=localhost", "$N.port=8080", "$N.mode=$ADJ" };

static void $F1(char *s)
{
    for (; *s; s++)
        *s = (char)toupper((unsigned char)*s);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int n = argc > 1 ? atoi(argv[1]) : 3;
    char buf[64];
    for (int i = 0; i < n; i++) {
        snprintf(buf, sizeof buf, "$N.opt%d=%d", i, i * 4);
        $F1(buf);
        printf("$TAG: option %s\n", buf);
    }
    for (int i = 0; i < 3; i++) {
        printf("$TAG: normalising default %s\n", defaults[i]);
        $F1((char *)defaults[i]);
    }
    return 0;
}
""", lambda rng: [str(rng.randint(5, 50))]),

    Program("thread-worker", PRELUDE + r"""#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

struct $S {
    int id;
    int *data;
    int len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_parked = PTHREAD_COND_INITIALIZER;
static pthread_cond_t park[17];
static int parked;
static int nthreads;
static long total;

static void ${N}_park(int slot)
{
    for (;;)
        pthread_cond_wait(&park[slot], &lock);
}

/* "Parked" is counted just before cond_wait releases the lock: a thread can still be in
   that call's wake-up of the lock's waiters (a different backtrace) when the counter is
   full. Wait until every other thread of the process sleeps, three checks in a row. */
static void ${N}_settle(void)
{
    char link[64] = "", path[300], buf[512];
    ssize_t n = readlink("/proc/thread-self", link, sizeof link - 1);  /* "PID/task/TID" */
    link[n > 0 ? n : 0] = 0;
    const char *self = strrchr(link, '/') != NULL ? strrchr(link, '/') + 1 : link;
    for (int calm = 0; calm < 3;) {
        usleep(2000);
        int busy = 0;
        DIR *d = opendir("/proc/self/task");
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || strcmp(e->d_name, self) == 0)
                continue;
            snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (f != NULL && fgets(buf, sizeof buf, f) != NULL) {
                char *p = strrchr(buf, ')');
                busy |= p == NULL || p[1] == 0 || p[2] != 'S';
            }
            if (f != NULL)
                fclose(f);
        }
        if (d != NULL)
            closedir(d);
        calm = busy ? 0 : calm + 1;
    }
}

static void *$F1(void *arg)
{
    struct $S *job = arg;
    pthread_mutex_lock(&lock);
    if (job->data != NULL) {
        parked++;
        pthread_cond_signal(&all_parked);
        ${N}_park(job->id);
    }
    /* Crash only once every other worker AND main are parked in cond_wait, so the
       backtraces of all threads are the same on every run (no thread mid-clone). */
    while (parked < nthreads)
        pthread_cond_wait(&all_parked, &lock);
    pthread_mutex_unlock(&lock);
    ${N}_settle();
    long s = job->data[job->len - 1];
    total += s;
    return NULL;
}

int main(int argc, char **argv)
{
    nthreads = argc > 1 ? atoi(argv[1]) : 4;
    int bad = argc > 2 ? atoi(argv[2]) : 1;
    pthread_t tid[16];
    static struct $S jobs[16];
    static int buf[16][8];
    for (int i = 0; i <= 16; i++)
        pthread_cond_init(&park[i], NULL);
    for (int i = 0; i < nthreads; i++) {
        jobs[i].id = i;
        jobs[i].len = 8;
        jobs[i].data = i == bad ? NULL : buf[i];
        fprintf(stderr, "$TAG: starting worker %d ($N batch of %d)\n", i, jobs[i].len);
        pthread_create(&tid[i], NULL, $F1, &jobs[i]);
    }
    pthread_mutex_lock(&lock);
    parked++;
    pthread_cond_signal(&all_parked);
    ${N}_park(16);
    printf("total %ld\n", total);
    return 0;
}
""", lambda rng: (lambda t: [str(t), str(rng.randint(0, t - 1))])(rng.randint(2, 8)), flags=("-pthread",),
        asan_flags=("-pthread",)),

    Program("mmap-sigbus", PRELUDE + r"""#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

static long $F1(const unsigned char *map, size_t len, size_t stride)
{
    long sum = 0;
    for (size_t off = 0; off < len; off += stride)
        sum += map[off];
    return sum;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    const char *path = argc > 1 ? argv[1] : "$N.idx";
    size_t pages = argc > 2 ? (size_t)atoi(argv[2]) : 4;
    size_t keep = argc > 3 ? (size_t)atoi(argv[3]) : 1;
    size_t len = pages * 4096;
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) { perror("open"); return 1; }
    if (ftruncate(fd, (off_t)len) != 0) { perror("ftruncate"); return 1; }
    unsigned char *map = mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0);
    printf("$TAG: mapped %s (%zu pages, %zu bytes)\n", path, pages, len);
    printf("$TAG: checksum before = %ld\n", $F1(map, len, 512));
    ftruncate(fd, (off_t)(keep * 4096));
    printf("$TAG: %s truncated to %zu pages by compaction\n", path, keep);
    printf("$TAG: checksum after = %ld\n", $F1(map, len, 512));
    return 0;
}
""", lambda rng: (lambda p: [f"{rng.choice(NOUNS)}s.idx", str(p), str(rng.randint(0, p - 1))])(rng.randint(2, 16)),
        modes=("plain", "gdb", "valgrind")),

    Program("cxx-out-of-range", r"""#include <iostream>
#include <map>
#include <stdexcept>
#include <string>
#include <vector>

namespace $NS {

struct $S {
    std::string name;
    std::vector<int> samples;
};

int $F1(const $S &s, std::size_t idx)
{
    return s.samples.at(idx);
}

std::map<std::string, $S> $F2(int n)
{
    std::map<std::string, $S> out;
    for (int i = 0; i < n; i++) {
        $S s{"$N" + std::to_string(i), {}};
        for (int k = 0; k < 6 - i % 6; k++)
            s.samples.push_back(k * 10 + i);
        out[s.name] = s;
    }
    return out;
}

}  // namespace $NS

int main(int argc, char **argv)
{
    int n = argc > 1 ? std::stoi(argv[1]) : 6;
    std::size_t idx = argc > 2 ? std::stoul(argv[2]) : 3;
    auto all = $NS::$F2(n);
    for (const auto &kv : all) {
        std::cerr << "$TAG: " << kv.first << " has " << kv.second.samples.size() << " samples" << std::endl;
        std::cerr << "$TAG: sample[" << idx << "] = " << $NS::$F1(kv.second, idx) << std::endl;
    }
    return 0;
}
""", lambda rng: [str(rng.randint(3, 30)), str(rng.randint(1, 5))], lang="c++"),

    Program("cxx-null-shared", r"""#include <iostream>
#include <memory>
#include <string>
#include <unordered_map>

class $S {
public:
    explicit $S(std::string id) : id_(std::move(id)) {}
    const std::string &id() const { return id_; }
    int $F1(int x) const { return static_cast<int>(id_.size()) * x; }
private:
    std::string id_;
};

class Registry {
public:
    void add(const std::string &k) { items_[k] = std::make_shared<$S>(k); }
    std::shared_ptr<$S> get(const std::string &k) const
    {
        auto it = items_.find(k);
        return it == items_.end() ? nullptr : it->second;
    }
private:
    std::unordered_map<std::string, std::shared_ptr<$S>> items_;
};

int main(int argc, char **argv)
{
    Registry reg;
    int n = argc > 1 ? std::stoi(argv[1]) : 5;
    for (int i = 0; i < n; i++) {
        reg.add("$N-" + std::to_string(i));
        std::cout << "$TAG: registered $N-" << i << std::endl;
    }
    for (int a = 2; a < argc; a++) {
        auto obj = reg.get(argv[a]);
        std::cout << "$TAG: $VERB " << argv[a] << std::endl;
        std::cout << "$TAG: weight " << obj->id() << " = " << obj->$F1(3) << std::endl;
    }
    return 0;
}
""", lambda rng: (lambda n: [str(n)] + [f"{{N}}-{rng.randint(0, n - 1)}" for _ in range(rng.randint(0, 3))]
                  + [f"{{N}}-{n + rng.randint(0, 50)}"])(rng.randint(2, 30)), lang="c++"),

    Program("leak-uninit", PRELUDE + r"""
struct $S {
    int id;
    int flags;
    char *buf;
};

static struct $S *$F1(int id)
{
    struct $S *s = malloc(sizeof *s);
    s->id = id;
    s->buf = malloc(48 + id);
    if (id % 3 == 0)
        s->flags = 1;
    return s;
}

static int $F2(const struct $S *s)
{
    if (s->flags & 1)
        return 1;
    return 0;
}

int main(int argc, char **argv)
{
    int n = argc > 1 ? atoi(argv[1]) : 6;
    int active = 0;
    for (int i = 0; i < n; i++) {
        struct $S *s = $F1(i);
        active += $F2(s);
        if (i % 2 == 0) {
            free(s->buf);
            free(s);
        }
    }
    fprintf(stderr, "$TAG: %d of %d ${N}s active\n", active, n);
    return 0;
}
""", lambda rng: [str(rng.randint(3, 25))], modes=("valgrind", "asan")),

    Program("trapv-overflow", PRELUDE + r"""
static int $F1(const char *s, int mul)
{
    int h = 7;
    for (; *s; s++)
        h = h * mul + *s;
    return h;
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    int mul = argc > 1 ? atoi(argv[1]) : 31;
    for (int i = 2; i < argc; i++) {
        printf("$TAG: hashing key %d/%d '%s'\n", i - 1, argc - 2, argv[i]);
        int h = $F1(argv[i], mul);
        printf("$TAG: bucket %d\n", h % 64);
    }
    return 0;
}
""", lambda rng: [str(rng.choice([31, 33, 37, 131, 257]))] + [rng.choice(NOUNS)[:2] for _ in range(rng.randint(2, 10))]
        + [f"{rng.choice(NOUNS)}_{rng.choice(VERBS)}_{rng.randint(100, 99999)}"],
        flags=("-ftrapv",), asan_flags=("-fno-sanitize-recover=undefined",)),

    Program("config-abort", PRELUDE + r"""#include <errno.h>

struct $S {
    char path[256];
    int retries;
};

static FILE *$F1(const struct $S *cfg)
{
    FILE *f = fopen(cfg->path, "r");
    if (f == NULL) {
        fprintf(stderr, "fatal: cannot open %s: %s (errno=%d)\n", cfg->path, strerror(errno), errno);
        abort();
    }
    return f;
}

int main(int argc, char **argv)
{
    struct $S cfg = { .retries = 3 };
    snprintf(cfg.path, sizeof cfg.path, "%s", argc > 1 ? argv[1] : "/etc/$N/$N.conf");
    for (int i = 2; i < argc; i++)
        fprintf(stderr, "$TAG: plugin %s registered\n", argv[i]);
    fprintf(stderr, "$TAG: reading %s (retries=%d)\n", cfg.path, cfg.retries);
    FILE *f = $F1(&cfg);
    fclose(f);
    return 0;
}
""", lambda rng: [f"/etc/{rng.choice(NOUNS)}/{rng.choice(NOUNS)}.{rng.choice(['conf', 'ini', 'yaml', 'toml'])}"]
        + [f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}" for _ in range(rng.randint(2, 15))]),
]

BY_NAME = {p.name: p for p in PROGRAMS}


def _flavor(seed: int, prog: Program, k: int) -> dict[str, str]:
    rng = task_rng(seed, "flavor", prog.name, k)
    noun = rng.choice(NOUNS)
    return {
        "S": noun + "_" + rng.choice(["rec", "entry", "item", "node", "ctx", "state"]) if prog.lang == "c"
        else noun.capitalize() + rng.choice(["Record", "Entry", "Item", "Handle", "State"]),
        "N": noun,
        "F1": f"{rng.choice(VERBS)}_{noun}" if prog.lang == "c" else f"{rng.choice(VERBS)}{noun.capitalize()}",
        "F2": f"{rng.choice(VERBS)}_{rng.choice(NOUNS)}s",
        "TAG": rng.choice([noun, noun[:5] + "d", f"{noun}.{rng.choice(VERBS)}", f"{rng.choice(VERBS)}-worker"]),
        "VERB": rng.choice(VERBS),
        "ADJ": rng.choice(["fast", "safe", "strict", "lazy"]),
        "NS": rng.choice(["core", "engine", "store", "util"]),
        "EXE": f"{noun}_{rng.choice(['tool', 'svc', 'cli', 'bench', 'test'])}",
        "FILE": f"{noun}{rng.choice(['', '_io', '_core', '_main'])}",
    }


def _build(ctx: TaskCtx, prog: Program, k: int, asan: bool) -> tuple[Path, Path, dict[str, str]]:
    """Compile flavor ``k`` of ``prog`` (cached) and copy it into the task dir.

    Returns (binary in task dir, cache entry dir, flavor). The cache entry holds the sources
    at the path the debug info names, so gdb can show source lines.
    """
    fl = _flavor(ctx.seed, prog, k)
    src = Template(prog.source).substitute(fl)
    ext = "c" if prog.lang == "c" else "cc"
    compiler = "gcc" if prog.lang == "c" else "g++"
    flags = ["-g", "-O0", "-fno-omit-frame-pointer", "-Wno-unused-result"] + list(
        ("-fsanitize=address,undefined",) + prog.asan_flags if asan else prog.flags)
    key = hashlib.sha256("\0".join([src, compiler, *flags]).encode()).hexdigest()[:16]
    entry = ctx.cache / "c-programs" / key
    exe = fl["EXE"]
    binary = entry / "build" / exe
    entry.mkdir(parents=True, exist_ok=True)
    with open(entry / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.exists():
            (entry / "src").mkdir(exist_ok=True)
            (entry / "build").mkdir(exist_ok=True)
            (entry / "src" / f"{fl['FILE']}.{ext}").write_text(src)
            tmp = entry / "build" / (exe + ".tmp")
            ctx.check([compiler, *flags, "-o", str(tmp.relative_to(entry)), f"src/{fl['FILE']}.{ext}"], cwd=entry)
            tmp.replace(binary)
    dest = ctx.dir / "build" / exe
    dest.parent.mkdir(exist_ok=True)
    shutil.copy2(binary, dest)
    return dest, entry, fl


def _args(prog: Program, rng: random.Random, fl: dict[str, str]) -> list[str]:
    return [a.replace("{N}", fl["N"]) for a in prog.args(rng)]


def _plain(ctx: TaskCtx, prog: Program, i: int) -> Sample:
    rng = ctx.rng
    exe, entry, fl = _build(ctx, prog, i % 2, asan=False)
    args = _args(prog, rng, fl)
    cmd = shlex.join([f"./build/{exe.name}", *args])
    style = rng.choice(["echo", "echo", "make", "script"])
    if style == "make":
        ctx.write("Makefile", f"BIN := build/{exe.name}\n\n.PHONY: all run\n\nall: $(BIN)\n\n"
                  f"run: $(BIN)\n\t./$(BIN) $(ARGS)\n")
        shown = f"make run ARGS={shlex.quote(shlex.join(args))}"
        r = ctx.run(shown, no_aslr=True)
        text = r.out
    elif style == "script":
        ctx.write("scripts/run.sh", f"#!/bin/bash\n# run the {fl['N']} tool on the given inputs\n"
                  f"cd \"$(dirname \"$0\")/..\"\necho \"== {fl['EXE']} $*\"\n./build/{exe.name} \"$@\"\n"
                  "echo \"== done\"\n", mode=0o755)
        shown = shlex.join(["./scripts/run.sh", *args]) + '; echo "exit code: $?"'
        text = ctx.run(shown, no_aslr=True).out
    else:
        shown = cmd + '; echo "exit code: $?"'
        text = ctx.run(shown, no_aslr=True).out
    return ctx.sample(shown, text, i, {str(entry): ctx.fake_root})


def _gdb(ctx: TaskCtx, prog: Program, i: int) -> Sample:
    rng = ctx.rng
    exe, entry, fl = _build(ctx, prog, i % 2, asan=False)
    args = _args(prog, rng, fl)
    if prog.bt_limit:
        extra = rng.choice([["bt 12"], ["bt -6"], ["bt 8", "info frame"], ["bt 20"]])
    elif prog.name == "thread-worker":
        extra = rng.choice([["bt"], ["thread apply all bt"], ["info threads", "bt"]])
    else:
        extra = rng.choice([["bt"], ["bt"], ["bt full"], ["bt", "info registers rip rsp rbp"],
                            ["bt", "frame 1", "info locals"], ["bt", "info args"], ["where", "list"]])
    argv = ["gdb", "-q", "-batch", "-ex", "run"]
    for e in extra:
        argv += ["-ex", e]
    # The absolute path keeps argv[0] (hence the inferior's stack) the same length in any workdir.
    argv += ["--args", str(exe), *args]
    r = ctx.run(argv, no_aslr=True, timeout=120)
    return ctx.sample(shlex.join(argv), r.out, i, {str(entry): ctx.fake_root})


def _valgrind(ctx: TaskCtx, prog: Program, i: int) -> Sample:
    rng = ctx.rng
    exe, entry, fl = _build(ctx, prog, i % 2, asan=False)
    args = _args(prog, rng, fl)
    opts = rng.choice([[], ["--leak-check=full"], ["--track-origins=yes"], ["--leak-check=full",
                       "--show-leak-kinds=all"], ["--leak-check=full", "--track-origins=yes"], ["-s"]])
    argv = ["valgrind", *opts, f"./build/{exe.name}", *args]
    r = ctx.run(argv, no_aslr=True, timeout=180)
    return ctx.sample(shlex.join(argv), r.out, i, {str(entry): ctx.fake_root})


def _asan(ctx: TaskCtx, prog: Program, i: int) -> Sample:
    rng = ctx.rng
    exe, entry, fl = _build(ctx, prog, i % 2, asan=True)
    args = _args(prog, rng, fl)
    style = rng.choice(["plain", "plain", "opts"])
    env = {}
    shown_prefix = ""
    if style == "opts":
        opt = rng.choice(["detect_leaks=1", "halt_on_error=1", "detect_stack_use_after_return=1",
                          "abort_on_error=0"])
        env["ASAN_OPTIONS"] = opt
        shown_prefix = f"ASAN_OPTIONS={opt} "
    shown = shlex.join([f"./build/{exe.name}", *args])
    if rng.random() < 0.5:
        shown += '; echo "exit code: $?"'
    r = ctx.run(shown, no_aslr=True, env=env, timeout=120)
    return ctx.sample(shown_prefix + shown, r.out, i, {str(entry): ctx.fake_root})


def _runner(fn):
    def produce(ctx: TaskCtx) -> list[Sample]:
        prog = BY_NAME[ctx.template]
        return [fn(ctx, prog, i) for i in range(ctx.n)]

    produce.__name__ = f"produce_{fn.__name__.strip('_')}"
    return produce


produce_plain = _runner(_plain)
produce_gdb = _runner(_gdb)
produce_valgrind = _runner(_valgrind)
produce_asan = _runner(_asan)


def _tpls(mode: str) -> tuple[str, ...]:
    return tuple(p.name for p in PROGRAMS if mode in p.modes)


# setarch -R (no ASLR) is what makes addresses repeat; gdb turns ASLR off by itself.
FAMILIES = [
    Family("c-crash", "crash", _tpls("plain"), produce_plain, 170, ("gcc", "g++", "make", "setarch"), "c-programs",
           "C/C++ programs crashing when run from a shell, make or a script"),
    Family("gdb-crash", "crash", _tpls("gdb"), produce_gdb, 190, ("gcc", "g++", "gdb"), "c-programs",
           "the same programs under gdb -batch -ex run -ex bt"),
    Family("valgrind-crash", "crash", _tpls("valgrind"), produce_valgrind, 110, ("gcc", "g++", "valgrind", "setarch"),
           "c-programs", "the same programs under valgrind (memcheck)"),
    Family("asan-crash", "crash", _tpls("asan"), produce_asan, 190, ("gcc", "g++", "setarch"), "c-programs",
           "the same programs built with -fsanitize=address,undefined"),
]
