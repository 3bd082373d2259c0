#include "perfbench/python_allocations.hpp"

#include <array>

namespace perfbench {

namespace {

// The hooked domains: both are called with the GIL held, so plain counters suffice.
// PYMEM_DOMAIN_RAW is left alone: it may be called without the GIL, from any thread.
constexpr std::array<PyMemAllocatorDomain, 2> kDomains = {PYMEM_DOMAIN_MEM, PYMEM_DOMAIN_OBJ};

struct Counts {
    std::uint64_t blocks = 0;
    std::uint64_t bytes = 0;
};
Counts counts;

// Each hook's context is the allocator it wraps.
void* counting_malloc(void* ctx, std::size_t size) {
    auto* wrapped = static_cast<PyMemAllocatorEx*>(ctx);
    ++counts.blocks;
    counts.bytes += size;
    return wrapped->malloc(wrapped->ctx, size);
}

void* counting_calloc(void* ctx, std::size_t count, std::size_t size) {
    auto* wrapped = static_cast<PyMemAllocatorEx*>(ctx);
    ++counts.blocks;
    counts.bytes += count * size;
    return wrapped->calloc(wrapped->ctx, count, size);
}

// A list growing by realloc is an allocation of the new size, as Go counts a growing slice.
void* counting_realloc(void* ctx, void* pointer, std::size_t size) {
    auto* wrapped = static_cast<PyMemAllocatorEx*>(ctx);
    ++counts.blocks;
    counts.bytes += size;
    return wrapped->realloc(wrapped->ctx, pointer, size);
}

void passing_free(void* ctx, void* pointer) {
    auto* wrapped = static_cast<PyMemAllocatorEx*>(ctx);
    wrapped->free(wrapped->ctx, pointer);
}

// Installs the hooks for its lifetime; blocks allocated under it are freed by the same
// wrapped allocator afterwards, since the hooks only pass through.
class CountingHooks {
public:
    CountingHooks() {
        for (std::size_t i = 0; i < kDomains.size(); ++i) {
            PyMem_GetAllocator(kDomains[i], &wrapped_[i]);
            PyMemAllocatorEx hook{&wrapped_[i], counting_malloc, counting_calloc, counting_realloc, passing_free};
            PyMem_SetAllocator(kDomains[i], &hook);
        }
    }
    ~CountingHooks() {
        for (std::size_t i = 0; i < kDomains.size(); ++i) PyMem_SetAllocator(kDomains[i], &wrapped_[i]);
    }
    CountingHooks(const CountingHooks&) = delete;
    CountingHooks& operator=(const CountingHooks&) = delete;

private:
    std::array<PyMemAllocatorEx, kDomains.size()> wrapped_{};
};

}  // namespace

bool count_python_allocations(PyObject* callable, const std::vector<PyObject*>& args, std::uint64_t calls,
                              PythonAllocations& out) {
    std::vector<PyObject*> argv(args.size() + 1, nullptr);  // slot 0: PY_VECTORCALL_ARGUMENTS_OFFSET
    std::copy(args.begin(), args.end(), argv.begin() + 1);
    const std::size_t nargsf = args.size() | PY_VECTORCALL_ARGUMENTS_OFFSET;
    bool ok = true;
    counts = {};
    {
        CountingHooks hooks;
        for (std::uint64_t i = 0; i < calls; ++i) {
            PyObject* result = PyObject_Vectorcall(callable, argv.data() + 1, nargsf, nullptr);
            if (result == nullptr) {
                ok = false;
                break;
            }
            Py_DECREF(result);
        }
    }
    out.blocks = counts.blocks;
    out.bytes = counts.bytes;
    return ok;
}

}  // namespace perfbench
