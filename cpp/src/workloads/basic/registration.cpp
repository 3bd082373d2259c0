#include "bodies.hpp"

#include "perfbench/workload.hpp"
#include "workloads/families.hpp"

namespace perfbench {

namespace {
template <class Body>
WorkloadSpec body_spec(std::string name, std::string description) {
    return {std::move(name), "basic", std::move(description), {},
            [](const WorkloadParams&) { return std::make_unique<BodyWorkload<Body>>(); }};
}
}  // namespace

void register_basic_workloads(WorkloadCatalog& catalog) {
    using namespace workloads;
    catalog.add(body_spec<Empty>("empty", "nothing: the loop alone (must read ~0 ns after correction)"));
    catalog.add(body_spec<AddChain8>("add_chain_8", "8 dependent 64-bit adds (8 cycles of latency)"));
    catalog.add(body_spec<HashLookup1k>("hash_lookup_1k", "one lookup in a 1024-entry std::unordered_map"));
    catalog.add(body_spec<MemoryCopy<4096>>("memcpy_4KiB", "memcpy of 4 KiB (L1-resident)"));
    catalog.add(body_spec<MemoryCopy<1 << 20>>("memcpy_1MiB", "memcpy of 1 MiB (beyond L1/L2)"));
    catalog.add(body_spec<SortIntegers<1000>>("sort_1k", "copy and std::sort 1,000 random uint32"));
    catalog.add(body_spec<SortIntegers<100000>>("sort_100k", "copy and std::sort 100,000 random uint32"));
}

}  // namespace perfbench
