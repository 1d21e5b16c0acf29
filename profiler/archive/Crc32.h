#pragma once
// CRC-32 as zip records it (the gzip polynomial), fast enough to check a model's every record before loading:
// carry-less multiplication where the CPU has it (PCLMULQDQ; see tests/bench/bench_files), zlib's otherwise.

#include <cstddef>
#include <cstdint>

namespace memoscope {

// The CRC-32 of `size` bytes continuing from `crc` (0 to start), as zlib's crc32() computes it.
std::uint32_t crc32(std::uint32_t crc, const unsigned char* data, std::size_t size);

} // namespace memoscope
