// Shared by the NEON depthwise 3x3 row kernels (dwRowKernel in depthwise_simd.go):
// depthwise4_arm64.s (4 outputs per step, written by gen_depthwise4_neon.go) and
// depthwise_arm64.s (16). The registers DWSETUP sets: R2 the row stride in bytes; R3 the row
// count; R4 past the weights it read; R10, R11 the current output and input row; R12 rows left; R13, R14
// their strides in bytes; V31 the bias; V1-V9 the weights of rows 0-2, each broadcast. Sums and
// taps are each file's.

// Broadcasts the weights of the nr rows (no read past them) and sets up the row pointers.
#define DWSETUP \
	MOVD  out+0(FP), R10; \
	MOVD  in+8(FP), R11; \
	MOVD  m+48(FP), R12; \
	MOVD  ldo+56(FP), R13; \
	LSL   $2, R13; \
	MOVD  ldi+64(FP), R14; \
	LSL   $2, R14; \
	MOVD  w+16(FP), R2; \
	LSL   $2, R2; \
	MOVD  nr+24(FP), R3; \
	MOVD  wt+32(FP), R4; \
	FMOVS bias+72(FP), F31; \
	VDUP  V31.S[0], V31.S4; \
	VLD1R.P 4(R4), [V1.S4]; \
	VLD1R.P 4(R4), [V2.S4]; \
	VLD1R.P 4(R4), [V3.S4]; \
	CMP   $2, R3; \
	BLT   4(PC); \
	VLD1R.P 4(R4), [V4.S4]; \
	VLD1R.P 4(R4), [V5.S4]; \
	VLD1R.P 4(R4), [V6.S4]; \
	CMP   $3, R3; \
	BLT   4(PC); \
	VLD1R.P 4(R4), [V7.S4]; \
	VLD1R.P 4(R4), [V8.S4]; \
	VLD1R (R4), [V9.S4]

// Sets R19 when there are fewer than 2 input rows and R20 when fewer than 3 (R3), leaving the
// flags of the comparison with 3.
#define DWROWFLAGS \
	CMP  $2, R3; \
	CSET LT, R19; \
	CMP  $3, R3; \
	CSET LT, R20
