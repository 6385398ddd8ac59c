#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
