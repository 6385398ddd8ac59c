#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
