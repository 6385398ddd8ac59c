#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
