#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>

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
