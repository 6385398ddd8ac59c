#include <stdio.h>
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
    printf("%d hits of %d lookups\n", hits, argc - 1);
    return 0;
}
