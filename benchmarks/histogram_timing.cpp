// The histogram's own costs, in C++ where they are paid: ns per record, µs per one-pass
// read of the standard percentiles, bytes per histogram, serialised size. Built and run by
// histogram_figures.py (g++ -O3, against cpp/src/histogram*.cpp); prints one JSON object.
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "perfbench/histogram.hpp"
#include "perfbench/histogram_format.hpp"

using perfbench::LatencyHistogram;
using Clock = std::chrono::steady_clock;

namespace {

constexpr double kStandardPercentiles[] = {50, 75, 90, 95, 99, 99.9, 99.99, 99.999, 100};
constexpr int kRepeats = 9;

double elapsed_ns(Clock::time_point began) {
    return static_cast<double>(std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now() - began).count());
}

double median(std::vector<double> values) {
    std::sort(values.begin(), values.end());
    return values[values.size() / 2];
}

// Latencies around 200 µs with a long tail (lognormal, sigma 1.5): most land in distinct
// buckets across six decades, so the record loop's bucket writes are not all cache hits.
std::vector<std::uint64_t> lognormal_ns(std::size_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::lognormal_distribution<double> dist(std::log(200'000.0), 1.5);
    std::vector<std::uint64_t> values(n);
    for (auto& v : values) v = static_cast<std::uint64_t>(std::clamp(dist(rng), 1'000.0, 3.0e12));
    return values;
}

// The same call, but out of line, as it was before record_n moved into the header.
[[gnu::noinline]] void record_out_of_line(LatencyHistogram& h, std::uint64_t value) { h.record(value); }

template <class Record>
double ns_per_record(const std::vector<std::uint64_t>& values, Record record) {
    std::vector<double> runs;
    for (int r = 0; r < kRepeats; ++r) {
        LatencyHistogram h = LatencyHistogram::request_latency();
        const auto began = Clock::now();
        for (const std::uint64_t v : values) record(h, v);
        runs.push_back(elapsed_ns(began) / static_cast<double>(values.size()));
        if (h.count() != values.size()) std::abort();  // also keeps the loop from being dropped
    }
    return median(runs);
}

template <class Read>
double us_per_read(int reads, Read read) {
    std::vector<double> runs;
    for (int r = 0; r < kRepeats; ++r) {
        const auto began = Clock::now();
        for (int i = 0; i < reads; ++i) read();
        runs.push_back(elapsed_ns(began) / reads / 1e3);
    }
    return median(runs);
}

}  // namespace

int main() {
    const std::vector<std::uint64_t> values = lognormal_ns(10'000'000, 1);
    const double record_inline = ns_per_record(values, [](LatencyHistogram& h, std::uint64_t v) { h.record(v); });
    const double record_call = ns_per_record(values, record_out_of_line);

    LatencyHistogram h = LatencyHistogram::request_latency();
    for (std::size_t i = 0; i < 1'000'000; ++i) h.record(values[i]);
    std::uint64_t out[std::size(kStandardPercentiles)];
    std::uint64_t sink = 0;
    const double one_pass_us = us_per_read(2'000, [&] {
        h.values_at_percentiles(kStandardPercentiles, out);
        sink += out[0];
    });
    const double one_by_one_us = us_per_read(2'000, [&] {
        for (const double p : kStandardPercentiles) sink += h.value_at_percentile(p);
    });
    const std::string blob = perfbench::serialize_histogram(h);
    const std::string plain = perfbench::serialize_histogram(h, false);
    const double serialize_us = us_per_read(200, [&] { sink += perfbench::serialize_histogram(h).size(); });
    const double deserialize_us = us_per_read(200, [&] { sink += perfbench::deserialize_histogram(blob).count(); });
    if (perfbench::deserialize_histogram(blob) != h) std::abort();

    const LatencyHistogram workloads;  // the default layout the in-process workloads use
    std::printf(
        "{\"record_ns\": %.3f, \"record_out_of_line_ns\": %.3f, \"percentiles_one_pass_us\": %.3f, "
        "\"percentiles_one_by_one_us\": %.3f, \"percentiles\": %zu, \"values_for_percentiles\": %llu, "
        "\"request_latency_bytes\": %zu, \"request_latency_buckets\": %zu, \"default_bytes\": %zu, "
        "\"default_buckets\": %zu, \"serialized_bytes\": %zu, \"serialized_plain_bytes\": %zu, "
        "\"nonzero_buckets\": %zu, \"serialize_us\": %.3f, \"deserialize_us\": %.3f, \"sink\": %llu}\n",
        record_inline, record_call, one_pass_us, one_by_one_us, std::size(kStandardPercentiles),
        static_cast<unsigned long long>(h.count()), h.memory_bytes(), h.counts().size(), workloads.memory_bytes(),
        workloads.counts().size(), blob.size(), plain.size(), h.nonzero_buckets().size(), serialize_us,
        deserialize_us, static_cast<unsigned long long>(sink));
}
