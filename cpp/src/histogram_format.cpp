#include "perfbench/histogram_format.hpp"

#include <zlib.h>

#include <cstdint>
#include <limits>

namespace perfbench {

namespace {

constexpr std::string_view kMagic = "PBHS";
constexpr std::size_t kHeaderBytes = 14;
constexpr unsigned char kPlain = 0;
constexpr unsigned char kDeflated = 1;
// Above any real histogram (5 digits up to 2^48 ns has 3.9 M buckets, ~40 MB of varints at
// worst); it keeps a corrupt length field from making us allocate gigabytes.
constexpr std::uint32_t kLargestBody = 1u << 28;

void put_varint(std::string& out, std::uint64_t value) {
    while (value >= 0x80) {
        out.push_back(static_cast<char>((value & 0x7f) | 0x80));
        value >>= 7;
    }
    out.push_back(static_cast<char>(value));
}

void put_u32(std::string& out, std::uint32_t value) {
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((value >> (8 * i)) & 0xff));
}

std::uint32_t get_u32(std::string_view bytes, std::size_t at) {
    std::uint32_t value = 0;
    for (int i = 0; i < 4; ++i) value |= static_cast<std::uint32_t>(static_cast<unsigned char>(bytes[at + i])) << (8 * i);
    return value;
}

std::uint32_t crc_of(std::string_view bytes) {
    return static_cast<std::uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

// Reads the body's varints, failing with the field it was reading when the bytes run out.
class BodyReader {
public:
    explicit BodyReader(std::string_view body) : body_(body) {}
    std::uint64_t varint(const char* field) {
        std::uint64_t value = 0;
        for (unsigned shift = 0; shift < 64; shift += 7) {
            if (at_ == body_.size())
                throw HistogramFormatError("truncated histogram: the body ends inside " + std::string(field));
            const auto byte = static_cast<unsigned char>(body_[at_++]);
            if (shift == 63 && byte > 1) break;
            value |= static_cast<std::uint64_t>(byte & 0x7f) << shift;
            if (!(byte & 0x80)) return value;
        }
        throw HistogramFormatError("corrupt histogram: " + std::string(field) + " does not fit 64 bits");
    }
    uint128 wide(const char* field) {
        const std::uint64_t low = varint(field);
        return (static_cast<uint128>(varint(field)) << 64) | low;
    }
    bool at_end() const { return at_ == body_.size(); }

private:
    std::string_view body_;
    std::size_t at_ = 0;
};

std::string plain_body(const HistogramState& state) {
    std::string body;
    body.reserve(64 + 4 * state.nonzero_slots.size());
    put_varint(body, static_cast<std::uint64_t>(state.layout.significant_digits));
    put_varint(body, state.layout.lowest_discernible);
    put_varint(body, state.layout.highest_trackable);
    put_varint(body, state.saturated);
    put_varint(body, state.min);
    put_varint(body, state.max);
    for (const uint128 wide : {state.sum, state.sum_of_squares}) {
        put_varint(body, static_cast<std::uint64_t>(wide));
        put_varint(body, static_cast<std::uint64_t>(wide >> 64));
    }
    put_varint(body, state.nonzero_slots.size());
    std::size_t next = 0;  // the slot after the previous non-empty one
    for (const auto& [slot, count] : state.nonzero_slots) {
        put_varint(body, slot - next);
        put_varint(body, count);
        next = slot + 1;
    }
    return body;
}

HistogramState parse_body(std::string_view body) {
    BodyReader reader(body);
    HistogramState state;
    const std::uint64_t digits = reader.varint("significant_digits");
    if (digits > 64) throw HistogramFormatError("corrupt histogram: significant_digits " + std::to_string(digits));
    state.layout.significant_digits = static_cast<int>(digits);
    state.layout.lowest_discernible = reader.varint("lowest_discernible");
    state.layout.highest_trackable = reader.varint("highest_trackable");
    state.saturated = reader.varint("saturated");
    state.min = reader.varint("min");
    state.max = reader.varint("max");
    state.sum = reader.wide("sum");
    state.sum_of_squares = reader.wide("sum of squares");
    const std::uint64_t buckets = reader.varint("the bucket count");
    // Each bucket takes at least two bytes, so a larger count than that cannot be right.
    if (buckets > body.size() / 2) throw HistogramFormatError("truncated histogram: too few bytes for its buckets");
    state.nonzero_slots.reserve(buckets);
    std::uint64_t next = 0;
    for (std::uint64_t i = 0; i < buckets; ++i) {
        const std::uint64_t gap = reader.varint("a bucket's position");
        if (gap > std::numeric_limits<std::uint32_t>::max() || next + gap < next)
            throw HistogramFormatError("corrupt histogram: a bucket lies beyond the layout");
        const std::uint64_t slot = next + gap;
        state.nonzero_slots.emplace_back(static_cast<std::size_t>(slot), reader.varint("a bucket's count"));
        next = slot + 1;
    }
    if (!reader.at_end()) throw HistogramFormatError("corrupt histogram: bytes follow the last bucket");
    return state;
}

std::string inflated(std::string_view deflated, std::uint32_t plain_length) {
    std::string plain(plain_length, '\0');
    uLongf length = plain_length;
    uLong consumed = static_cast<uLong>(deflated.size());
    const int status = uncompress2(reinterpret_cast<Bytef*>(plain.data()), &length,
                                   reinterpret_cast<const Bytef*>(deflated.data()), &consumed);
    if (status == Z_MEM_ERROR) throw std::bad_alloc();
    // Z_BUF_ERROR: the stream ended early or inflates to more than the header says;
    // Z_DATA_ERROR: a corrupt stream (deflate's own Adler-32 caught it).
    if (status != Z_OK || length != plain_length || consumed != deflated.size())
        throw HistogramFormatError("truncated or corrupt histogram: its compressed body does not inflate to the " +
                                   std::to_string(plain_length) + " bytes its header states");
    return plain;
}

}  // namespace

std::string serialize_histogram(const LatencyHistogram& histogram, bool compress) {
    const std::string plain = plain_body(histogram.state());
    std::string body = plain;
    unsigned char encoding = kPlain;
    if (compress) {
        // Level 1: measured on 1e6 lognormal values, 455 µs and 15,487 bytes against the
        // default level's 1,365 µs and 15,328 bytes (benchmarks/histogram_timing.cpp).
        uLongf length = compressBound(static_cast<uLong>(plain.size()));
        std::string deflated(length, '\0');
        if (compress2(reinterpret_cast<Bytef*>(deflated.data()), &length, reinterpret_cast<const Bytef*>(plain.data()),
                      static_cast<uLong>(plain.size()), Z_BEST_SPEED) != Z_OK)
            throw std::bad_alloc();  // compress2 fails only for want of memory
        if (length < plain.size()) {
            deflated.resize(length);
            body = std::move(deflated);
            encoding = kDeflated;
        }
    }
    std::string blob(kMagic);
    blob.push_back(static_cast<char>(kHistogramFormatVersion));
    blob.push_back(static_cast<char>(encoding));
    put_u32(blob, static_cast<std::uint32_t>(plain.size()));
    put_u32(blob, crc_of(plain));
    return blob + body;
}

LatencyHistogram deserialize_histogram(std::string_view blob) {
    if (blob.size() < kMagic.size() || blob.substr(0, kMagic.size()) != kMagic)
        throw HistogramFormatError("not a perfbench histogram: it does not start with the magic bytes \"PBHS\"");
    if (blob.size() < kHeaderBytes)
        throw HistogramFormatError("truncated histogram: " + std::to_string(blob.size()) + " bytes, the header alone is " +
                                   std::to_string(kHeaderBytes));
    const unsigned version = static_cast<unsigned char>(blob[4]);
    if (version != kHistogramFormatVersion)
        throw HistogramFormatError("histogram format version " + std::to_string(version) + " is unknown: this perfbench " +
                                   "reads version " + std::to_string(kHistogramFormatVersion) +
                                   (version > kHistogramFormatVersion ? "; upgrade perfbench to read it" : ""));
    const unsigned char encoding = static_cast<unsigned char>(blob[5]);
    const std::uint32_t plain_length = get_u32(blob, 6);
    const std::uint32_t crc = get_u32(blob, 10);
    if (plain_length > kLargestBody) throw HistogramFormatError("corrupt histogram: its stated body length is implausible");
    const std::string_view body = blob.substr(kHeaderBytes);
    std::string plain;
    if (encoding == kPlain) {
        if (body.size() < plain_length)
            throw HistogramFormatError("truncated histogram: " + std::to_string(body.size()) + " body bytes of " +
                                       std::to_string(plain_length));
        if (body.size() > plain_length) throw HistogramFormatError("corrupt histogram: bytes follow its body");
        plain = body;
    } else if (encoding == kDeflated) {
        plain = inflated(body, plain_length);
    } else {
        throw HistogramFormatError("corrupt histogram: unknown body encoding " + std::to_string(encoding));
    }
    if (crc_of(plain) != crc) throw HistogramFormatError("corrupt histogram: its checksum does not match its body");
    try {
        return LatencyHistogram::from_state(parse_body(plain));
    } catch (const HistogramFormatError&) {
        throw;
    } catch (const std::invalid_argument& inconsistent) {
        throw HistogramFormatError(std::string("corrupt histogram: ") + inconsistent.what());
    }
}

}  // namespace perfbench
