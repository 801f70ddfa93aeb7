// xcore: how fast one core reads data that the other core has just written, against data it wrote
// itself: what a layer pays on two threads when it reads an activation the previous layer's other
// thread wrote (make bench prints it beside the 2-thread rows). Thread 0 (CPU 0) writes a 1 MiB
// buffer, then thread 0 or thread 1 (CPU 1) sums it; medians of 200 rounds. On one virtual
// machine of this project both figures were 55 GB/s in one quarter hour and 29 / 24-27 in the
// next (the host's load), and the other-core one 11 while another process spun on CPU 1.
// Prints one JSON object: {"same_core_gbps", "other_core_gbps"}; the second is null when the
// threads cannot be placed on CPUs 0 and 1 (one CPU, or an affinity mask without them).
//
//   gcc -O3 -ffast-math -pthread -o xcore xcore.c && ./xcore
#define _GNU_SOURCE
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

enum { N = 1 << 18, ROUNDS = 200 }; // floats: 1 MiB

static float *buf;
static atomic_int step;
static int reader_cpu;
static double secs[ROUNDS];
static volatile float sink;

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + t.tv_nsec * 1e-9;
}

// pin moves the calling thread to cpu and reports whether it could.
static int pin(int cpu) {
	cpu_set_t s;
	CPU_ZERO(&s);
	CPU_SET(cpu, &s);
	return pthread_setaffinity_np(pthread_self(), sizeof s, &s) == 0;
}

// thread runs the writer (cpu 0) or, on reader_cpu 1, the reader; with reader_cpu 0 the writer
// reads too. step counts the phases: 2r writes in round r, 2r+1 reads.
static void *thread(void *arg) {
	int cpu = (int)(long)arg;
	pin(cpu); // checked in main
	for (int r = 0; r < ROUNDS; r++) {
		if (cpu == 0) {
			while (atomic_load(&step) != 2 * r) {
			}
			for (int i = 0; i < N; i++) buf[i] = (float)(i + r);
			atomic_store(&step, 2 * r + 1);
		}
		if (cpu == reader_cpu) {
			while (atomic_load(&step) != 2 * r + 1) {
			}
			double t = now();
			float s = 0;
			for (int i = 0; i < N; i++) s += buf[i];
			secs[r] = now() - t;
			sink += s;
			atomic_store(&step, 2 * r + 2);
		}
	}
	return NULL;
}

static int cmp(const void *a, const void *b) {
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

// gbps runs the rounds with the reader on cpu and returns the median read bandwidth.
static double gbps(int cpu) {
	pthread_t w, r;
	reader_cpu = cpu;
	atomic_store(&step, 0);
	pthread_create(&w, NULL, thread, (void *)0L);
	if (cpu != 0) pthread_create(&r, NULL, thread, (void *)(long)cpu);
	pthread_join(w, NULL);
	if (cpu != 0) pthread_join(r, NULL);
	qsort(secs, ROUNDS, sizeof secs[0], cmp);
	return N * sizeof(float) / secs[ROUNDS / 2] / 1e9;
}

int main(void) {
	buf = aligned_alloc(64, N * sizeof(float));
	if (buf == NULL) return 1;
	// Both CPUs must be usable, or the "other core" would be the same one (or the reader would
	// wait forever for a thread that cannot run).
	if (!pin(1) || !pin(0)) {
		printf("{\"same_core_gbps\": %.1f, \"other_core_gbps\": null}\n", gbps(0));
		return 0;
	}
	double same = gbps(0), other = gbps(1);
	printf("{\"same_core_gbps\": %.1f, \"other_core_gbps\": %.1f}\n", same, other);
	return 0;
}
