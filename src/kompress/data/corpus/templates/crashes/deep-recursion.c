#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
