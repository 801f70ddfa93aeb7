// Used by the NEON pooling kernels (pool_arm64.s): the bookkeeping of a step
// over two output rows at once. Registers as in that file: R10, R11 the current output and input
// row, R13, R14 their strides in bytes, R12 rows left, R2 the input row stride in bytes, R3 the
// input rows per output row; the pair's first row reads R1, R6, R7 and writes R0 (sum V0), its
// second reads R15, R19, R20 and writes R21 (sum V16).

// Goes to one unless two output rows with all three input rows are left; then points the pair's
// registers at them.
#define PAIRROWS(one) \
	CMP  $2, R12; \
	BLT  one; \
	CMP  $3, R3; \
	BLT  one; \
	MOVD R10, R0; \
	ADD  R13, R10, R21; \
	MOVD R11, R1; \
	ADD  R2, R1, R6; \
	ADD  R2, R6, R7; \
	ADD  R14, R11, R15; \
	ADD  R2, R15, R19; \
	ADD  R2, R19, R20

// Stores the pair's 4 outputs and steps its input rows adv bytes on; sets the flags for the
// outputs left (R5).
#define PAIRSTORE(adv) \
	VST1.P [V0.S4], 16(R0); \
	VST1.P [V16.S4], 16(R21); \
	ADD    $adv, R1; \
	ADD    $adv, R6; \
	ADD    $adv, R7; \
	ADD    $adv, R15; \
	ADD    $adv, R19; \
	ADD    $adv, R20; \
	SUBS   $4, R5

// Steps the current rows on by two; sets the flags for the rows left.
#define PAIRNEXT \
	ADD    R13, R10; \
	ADD    R13, R10; \
	ADD    R14, R11; \
	ADD    R14, R11; \
	SUBS   $2, R12
