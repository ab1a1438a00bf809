/* Which builds of the lane kernels this binary holds, and which the running CPU can execute.
 * Compiled without any instruction-set flag: it runs before anything is known about the CPU. */
#include "dtw_simd.h"

extern const struct tswarp_build tswarp_build_baseline;
#if TSWARP_BUILDS_X86
extern const struct tswarp_build tswarp_build_avx2;
extern const struct tswarp_build tswarp_build_avx512;
#endif

static const struct tswarp_build *const builds[] = {
    &tswarp_build_baseline,
#if TSWARP_BUILDS_X86
    &tswarp_build_avx2,
    &tswarp_build_avx512,
#endif
};

int tswarp_build_count(void) { return (int)(sizeof(builds) / sizeof(builds[0])); }

const struct tswarp_build *tswarp_build_get(int index) { return builds[index]; }

int tswarp_build_supported(int index)
{
#if TSWARP_BUILDS_X86
    /* libgcc's checks include the OS side: AVX state saved on context switches (XCR0). */
    __builtin_cpu_init();
    if (index == 1)
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (index == 2)
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
#endif
    return index == 0;
}
