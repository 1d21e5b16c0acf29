#include "Crc32.h"

#include <zlib.h>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace memoscope {

namespace {
    std::uint32_t crc32ByZlib(std::uint32_t crc, const unsigned char* data, std::size_t size)
    {
        // zlib takes at most 4 GiB at a time (uInt).
        while (size > 0) {
            const std::size_t chunk = size > (1u << 30) ? (1u << 30) : size;
            crc = std::uint32_t(::crc32(crc, data, uInt(chunk)));
            data += chunk;
            size -= chunk;
        }
        return crc;
    }

#if defined(__x86_64__)
    __attribute__((target("pclmul,sse4.1"))) inline __m128i load(const unsigned char* p)
    {
        return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    }

    // x times the folding constants k, plus the next 16 bytes.
    __attribute__((target("pclmul,sse4.1"))) inline __m128i fold(__m128i x, __m128i k, __m128i next)
    {
        return _mm_xor_si128(_mm_xor_si128(_mm_clmulepi64_si128(x, k, 0x00), _mm_clmulepi64_si128(x, k, 0x11)), next);
    }

    // Folds 64 bytes at a time with PCLMULQDQ, then reduces to 32 bits (Barrett), as in Intel's "Fast CRC
    // Computation for Generic Polynomials Using PCLMULQDQ" for the bit-reflected gzip polynomial. `size` is a
    // multiple of 16 and at least 64; `crc` and the result are in zlib's inverted form.
    __attribute__((target("pclmul,sse4.1"))) std::uint32_t foldCrc32(
        std::uint32_t crc, const unsigned char* data, std::size_t size)
    {
        const __m128i k1k2 = _mm_set_epi64x(0x01c6e41596, 0x0154442bd4);
        const __m128i k3k4 = _mm_set_epi64x(0x00ccaa009e, 0x01751997d0);
        const __m128i k5 = _mm_set_epi64x(0, 0x0163cd6124);
        const __m128i polyMu = _mm_set_epi64x(0x01f7011641, 0x01db710641);
        const __m128i low32 = _mm_setr_epi32(~0, 0, ~0, 0);

        __m128i x1 = _mm_xor_si128(load(data), _mm_cvtsi32_si128(int(crc)));
        __m128i x2 = load(data + 16);
        __m128i x3 = load(data + 32);
        __m128i x4 = load(data + 48);
        data += 64;
        size -= 64;
        for (; size >= 64; data += 64, size -= 64) {
            x1 = fold(x1, k1k2, load(data));
            x2 = fold(x2, k1k2, load(data + 16));
            x3 = fold(x3, k1k2, load(data + 32));
            x4 = fold(x4, k1k2, load(data + 48));
        }
        x1 = fold(x1, k3k4, x2);
        x1 = fold(x1, k3k4, x3);
        x1 = fold(x1, k3k4, x4);
        for (; size >= 16; data += 16, size -= 16)
            x1 = fold(x1, k3k4, load(data));

        // 128 bits to 64, then 64 to 32.
        __m128i x = _mm_xor_si128(_mm_clmulepi64_si128(x1, k3k4, 0x10), _mm_srli_si128(x1, 8));
        const __m128i high = _mm_srli_si128(x, 4);
        x = _mm_xor_si128(_mm_clmulepi64_si128(_mm_and_si128(x, low32), k5, 0x00), high);
        __m128i t = _mm_clmulepi64_si128(_mm_and_si128(x, low32), polyMu, 0x10);
        t = _mm_clmulepi64_si128(_mm_and_si128(t, low32), polyMu, 0x00);
        return std::uint32_t(_mm_extract_epi32(_mm_xor_si128(x, t), 1));
    }

    bool hasCarrylessMultiply()
    {
        static const bool has = __builtin_cpu_supports("pclmul") && __builtin_cpu_supports("sse4.1");
        return has;
    }
#endif
}

std::uint32_t crc32(std::uint32_t crc, const unsigned char* data, std::size_t size)
{
#if defined(__x86_64__)
    if (size >= 64 && hasCarrylessMultiply()) {
        const std::size_t folded = size & ~std::size_t(15);
        crc = ~foldCrc32(~crc, data, folded);
        data += folded;
        size -= folded;
    }
#endif
    return size > 0 ? crc32ByZlib(crc, data, size) : crc;
}

} // namespace memoscope
