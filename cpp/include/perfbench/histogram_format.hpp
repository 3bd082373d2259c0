// The versioned binary form of a LatencyHistogram, so histograms recorded in several
// processes or on several machines can be stored, sent and merged later.
//
// Format version 1 (all integers little-endian):
//   bytes 0-3    magic "PBHS"
//   byte  4      format version (1)
//   byte  5      body encoding: 0 = plain, 1 = zlib (deflate) of the plain body
//   bytes 6-9    length of the plain body
//   bytes 10-13  CRC-32 of the plain body (a flipped byte anywhere in it is caught)
//   bytes 14-    the body
// The plain body is a sequence of unsigned LEB128 varints:
//   significant_digits, lowest_discernible, highest_trackable, saturated, min, max,
//   sum (low 64 bits, high 64 bits), sum of squares (low, high),
//   the number of non-empty buckets, then per non-empty bucket, ascending:
//   (slot - previous slot - 1) and its count (the first bucket's gap counts from slot -1).
// Empty buckets cost nothing: 1e6 lognormal latencies over six decades (14,778 non-empty
// buckets) take 15 KB deflated, 33 KB plain.
//
// Version history:
//   1  first version.
#pragma once

#include <stdexcept>
#include <string>
#include <string_view>

#include "perfbench/histogram.hpp"

namespace perfbench {

inline constexpr unsigned kHistogramFormatVersion = 1;

// A blob that is not a histogram this perfbench can read: wrong magic, a newer version,
// truncated, or corrupt. An invalid_argument, so Python sees a ValueError.
class HistogramFormatError : public std::invalid_argument {
public:
    using std::invalid_argument::invalid_argument;
};

// compress: deflate the body when that makes the blob smaller.
std::string serialize_histogram(const LatencyHistogram& histogram, bool compress = true);
// Throws HistogramFormatError naming what is wrong with the blob.
LatencyHistogram deserialize_histogram(std::string_view blob);

}  // namespace perfbench
