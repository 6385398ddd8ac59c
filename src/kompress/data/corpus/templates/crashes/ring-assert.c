#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <assert.h>

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
