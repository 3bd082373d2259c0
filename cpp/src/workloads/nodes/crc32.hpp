// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), one table lookup per byte: the
// CPU-bound kernel of the compute nodes. Byte-at-a-time on purpose: each step depends on
// the previous one, so the cost is a predictable latency chain (~3-4 cycles per byte)
// rather than a memory-bandwidth figure. Check value: crc32("123456789") == 0xCBF43926.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

namespace perfbench::workloads::nodes {

inline constexpr std::array<std::uint32_t, 256> kCrc32Table = [] {
    std::array<std::uint32_t, 256> table{};
    for (std::uint32_t i = 0; i < 256; ++i) {
        std::uint32_t c = i;
        for (int bit = 0; bit < 8; ++bit) c = (c & 1) ? 0xEDB88320u ^ (c >> 1) : c >> 1;
        table[i] = c;
    }
    return table;
}();

inline std::uint32_t crc32(std::string_view bytes, std::uint32_t crc = 0) noexcept {
    crc = ~crc;
    for (const char ch : bytes) crc = kCrc32Table[(crc ^ static_cast<unsigned char>(ch)) & 0xFF] ^ (crc >> 8);
    return ~crc;
}

// The same CRC computed bit by bit, without the table: the independent reference the
// self-checks compare against.
inline std::uint32_t crc32_bitwise(std::string_view bytes) noexcept {
    std::uint32_t crc = ~0u;
    for (const char ch : bytes) {
        crc ^= static_cast<unsigned char>(ch);
        for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1)));
    }
    return ~crc;
}

}  // namespace perfbench::workloads::nodes
