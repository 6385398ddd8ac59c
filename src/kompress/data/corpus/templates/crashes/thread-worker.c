#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <pthread.h>
#include <unistd.h>

struct $S {
    int id;
    int *data;
    int len;
};

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t all_parked = PTHREAD_COND_INITIALIZER;
static pthread_cond_t park[17];
static int parked;
static int nthreads;
static long total;

static void ${N}_park(int slot)
{
    for (;;)
        pthread_cond_wait(&park[slot], &lock);
}

/* "Parked" is counted just before cond_wait releases the lock: a thread can still be in
   that call's wake-up of the lock's waiters (a different backtrace) when the counter is
   full. Wait until every other thread of the process sleeps, three checks in a row. */
static void ${N}_settle(void)
{
    char link[64] = "", path[300], buf[512];
    ssize_t n = readlink("/proc/thread-self", link, sizeof link - 1);  /* "PID/task/TID" */
    link[n > 0 ? n : 0] = 0;
    const char *self = strrchr(link, '/') != NULL ? strrchr(link, '/') + 1 : link;
    for (int calm = 0; calm < 3;) {
        usleep(2000);
        int busy = 0;
        DIR *d = opendir("/proc/self/task");
        struct dirent *e;
        while (d != NULL && (e = readdir(d)) != NULL) {
            if (e->d_name[0] == '.' || strcmp(e->d_name, self) == 0)
                continue;
            snprintf(path, sizeof path, "/proc/self/task/%s/stat", e->d_name);
            FILE *f = fopen(path, "r");
            if (f != NULL && fgets(buf, sizeof buf, f) != NULL) {
                char *p = strrchr(buf, ')');
                busy |= p == NULL || p[1] == 0 || p[2] != 'S';
            }
            if (f != NULL)
                fclose(f);
        }
        if (d != NULL)
            closedir(d);
        calm = busy ? 0 : calm + 1;
    }
}

static void *$F1(void *arg)
{
    struct $S *job = arg;
    pthread_mutex_lock(&lock);
    if (job->data != NULL) {
        parked++;
        pthread_cond_signal(&all_parked);
        ${N}_park(job->id);
    }
    /* Crash only once every other worker AND main are parked in cond_wait, so the
       backtraces of all threads are the same on every run (no thread mid-clone). */
    while (parked < nthreads)
        pthread_cond_wait(&all_parked, &lock);
    pthread_mutex_unlock(&lock);
    ${N}_settle();
    long s = job->data[job->len - 1];
    total += s;
    return NULL;
}

int main(int argc, char **argv)
{
    nthreads = argc > 1 ? atoi(argv[1]) : 4;
    int bad = argc > 2 ? atoi(argv[2]) : 1;
    pthread_t tid[16];
    static struct $S jobs[16];
    static int buf[16][8];
    for (int i = 0; i <= 16; i++)
        pthread_cond_init(&park[i], NULL);
    for (int i = 0; i < nthreads; i++) {
        jobs[i].id = i;
        jobs[i].len = 8;
        jobs[i].data = i == bad ? NULL : buf[i];
        fprintf(stderr, "$TAG: starting worker %d ($N batch of %d)\n", i, jobs[i].len);
        pthread_create(&tid[i], NULL, $F1, &jobs[i]);
    }
    pthread_mutex_lock(&lock);
    parked++;
    pthread_cond_signal(&all_parked);
    ${N}_park(16);
    printf("total %ld\n", total);
    return 0;
}
