#include <stdio.h>
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
    printf("%d items, total %.2f\n", count, ${P}_total(&l));
    free(l.items);
    return 0;
}
