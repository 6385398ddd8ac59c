#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
