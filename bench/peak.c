// peak: this machine's peak single-precision FMA throughput, the denominator of make bench's
// "fraction of peak". Independent chains of vector FMAs (enough to cover the FMA latency on every
// port), nothing else in the loop; AVX-512 where the CPU has it, else AVX2+FMA, else NEON (arm64).
// Prints one JSON object: {"isa", "gflops_1t", "gflops_2t"} (2 threads: one loop per thread).
//
//   gcc -O2 -pthread -o peak peak.c && ./peak
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__)
#include <immintrin.h>

#define CHAINS 16
__attribute__((target("avx512f"))) static float loop512(long iters, float *sink) {
	__m512 acc[CHAINS];
	__m512 b = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
	for (int j = 0; j < CHAINS; j++) acc[j] = _mm512_set1_ps((float)j);
	for (long i = 0; i < iters; i++) {
#pragma GCC unroll 16
		for (int j = 0; j < CHAINS; j++) acc[j] = _mm512_fmadd_ps(acc[j], b, c);
	}
	for (int j = 1; j < CHAINS; j++) acc[0] = _mm512_add_ps(acc[0], acc[j]);
	_mm512_storeu_ps(sink, acc[0]);
	return 16.0f * 2 * CHAINS;  // FLOPs per iteration
}

#define CHAINS2 12
__attribute__((target("avx2,fma"))) static float loop256(long iters, float *sink) {
	__m256 acc[CHAINS2];
	__m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
	for (int j = 0; j < CHAINS2; j++) acc[j] = _mm256_set1_ps((float)j);
	for (long i = 0; i < iters; i++) {
#pragma GCC unroll 12
		for (int j = 0; j < CHAINS2; j++) acc[j] = _mm256_fmadd_ps(acc[j], b, c);
	}
	for (int j = 1; j < CHAINS2; j++) acc[0] = _mm256_add_ps(acc[0], acc[j]);
	_mm256_storeu_ps(sink, acc[0]);
	return 8.0f * 2 * CHAINS2;
}

static const char *isa;
static float (*loop)(long, float *);
static void pick(void) {
	__builtin_cpu_init();
	if (__builtin_cpu_supports("avx512f")) {
		isa = "avx512f", loop = loop512;
	} else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
		isa = "avx2+fma", loop = loop256;
	}
}
#elif defined(__aarch64__)
#include <arm_neon.h>
#define CHAINS 16
static float loopneon(long iters, float *sink) {
	float32x4_t acc[CHAINS];
	float32x4_t b = vdupq_n_f32(0.999999f), c = vdupq_n_f32(1e-7f);
	for (int j = 0; j < CHAINS; j++) acc[j] = vdupq_n_f32((float)j);
	for (long i = 0; i < iters; i++) {
#pragma GCC unroll 16
		for (int j = 0; j < CHAINS; j++) acc[j] = vfmaq_f32(c, acc[j], b);
	}
	for (int j = 1; j < CHAINS; j++) acc[0] = vaddq_f32(acc[0], acc[j]);
	vst1q_f32(sink, acc[0]);
	return 4.0f * 2 * CHAINS;
}
static const char *isa;
static float (*loop)(long, float *);
static void pick(void) { isa = "neon", loop = loopneon; }
#else
static const char *isa;
static float (*loop)(long, float *);
static void pick(void) {}
#endif

static double now(void) {
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec + 1e-9 * t.tv_nsec;
}

static long iters;
static float sinks[8][16];
static void *worker(void *arg) {
	loop(iters, sinks[(long)arg]);
	return NULL;
}

// run returns GFLOP/s of n threads each running the loop for iters iterations; best of 3.
static double run(int n) {
	double best = 0;
	for (int rep = 0; rep < 3; rep++) {
		pthread_t th[8];
		double t0 = now();
		for (long k = 0; k < n; k++) pthread_create(&th[k], NULL, worker, (void *)k);
		for (int k = 0; k < n; k++) pthread_join(th[k], NULL);
		double dt = now() - t0;
		float flops = loop(0, sinks[0]);
		double g = (double)flops * iters * n / dt / 1e9;
		if (g > best) best = g;
	}
	return best;
}

int main(void) {
	pick();
	if (!loop) {
		fprintf(stderr, "peak: no vector FMA (AVX-512, AVX2+FMA or NEON) on this CPU\n");
		return 1;
	}
	// Calibrate to ~0.2 s per run on one thread.
	iters = 1 << 20;
	for (;;) {
		double t0 = now();
		loop(iters, sinks[0]);
		if (now() - t0 > 0.05) break;
		iters *= 2;
	}
	iters *= 4;
	printf("{\"isa\": \"%s\", \"gflops_1t\": %.1f, \"gflops_2t\": %.1f}\n", isa, run(1), run(2));
	return 0;
}
