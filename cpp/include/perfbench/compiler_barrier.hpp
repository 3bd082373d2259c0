// Keeping the optimiser honest in C++ benchmark bodies.
//
// do_not_optimize(x) makes the compiler believe x is read (and, for lvalues, written)
// by an opaque instruction, so the computation producing it cannot be deleted or hoisted
// out of the loop. clobber_memory() makes it believe all memory is read and written, so
// pending stores must be emitted. Neither emits an instruction.
#pragma once

#include <type_traits>

namespace perfbench {

template <class T>
inline void do_not_optimize(T const& value) noexcept {
    if constexpr (std::is_trivially_copyable_v<T> && sizeof(T) <= sizeof(void*)) {
        asm volatile("" : : "r,m"(value) : "memory");
    } else {
        asm volatile("" : : "m"(value) : "memory");
    }
}

template <class T>
inline void do_not_optimize(T& value) noexcept {
    if constexpr (std::is_trivially_copyable_v<T> && sizeof(T) <= sizeof(void*)) {
#if defined(__clang__)
        asm volatile("" : "+r,m"(value) : : "memory");
#else
        // GCC rejects the in-out "+r,m" ("impossible constraint in asm") once inlining has
        // made the value a known constant (seen with a constexpr size in MemoryCopy); it
        // accepts the same two alternatives written memory-first.
        asm volatile("" : "+m,r"(value) : : "memory");
#endif
    } else {
        asm volatile("" : "+m"(value) : : "memory");
    }
}

inline void clobber_memory() noexcept { asm volatile("" : : : "memory"); }

}  // namespace perfbench
