#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
