// Gather and scatter of scattered pages between pool memory (host memory registered with CUDA and mapped into the
// device's address space) and device memory, one launch for a whole batch. Built to PTX by nvcc at build time
// where nvcc exists; the PTX is kept as a resource (io/kvpool/gpu/pages.ptx) so machines without nvcc build and run.
//
// The work is cut into items of chunk_bytes (one block's threads times 16 bytes): item i is chunk i % chunks_per_page
// of page i / chunks_per_page, so small pages still spread over every multiprocessor and many PCIe reads are in
// flight at once. Each thread moves 16-byte vectors (addresses are 16-byte aligned; the Java side checks); a tail
// that is not a multiple of 16 bytes is copied bytewise. The page list itself is read from pinned host memory
// (mapped), so no copy of it precedes the launch.

#include <stdint.h>

// Small batches travel in the launch's parameters (no read of a page list over PCIe before the first byte moves).
#define INLINE_PAGES 128

struct InlinePages
{
    uint64_t sources[INLINE_PAGES];
    uint64_t destinations[INLINE_PAGES];
    uint64_t lengths[INLINE_PAGES];
};

__device__ __forceinline__ void copy_chunk(
    const char* __restrict__ src, char* __restrict__ dst, uint64_t start, uint64_t end)
{
    const uint64_t vector_end = start + ((end - start) / 16) * 16;
    for (uint64_t at = start + threadIdx.x * 16ull; at < vector_end; at += blockDim.x * 16ull)
    {
        *reinterpret_cast<uint4*>(dst + at) = *reinterpret_cast<const uint4*>(src + at);
    }
    for (uint64_t at = vector_end + threadIdx.x; at < end; at += blockDim.x)
    {
        dst[at] = src[at];
    }
}

extern "C" __global__ void copy_pages_inline(
    const InlinePages pages, int count, uint32_t chunks_per_page, uint32_t chunk_bytes)
{
    const uint64_t items = (uint64_t)count * chunks_per_page;
    for (uint64_t item = blockIdx.x; item < items; item += gridDim.x)
    {
        const uint64_t page = item / chunks_per_page;
        const uint64_t start = (item % chunks_per_page) * (uint64_t)chunk_bytes;
        const uint64_t length = pages.lengths[page];
        if (start < length)
        {
            copy_chunk(reinterpret_cast<const char*>(pages.sources[page]),
                reinterpret_cast<char*>(pages.destinations[page]), start, min(length, start + chunk_bytes));
        }
    }
}

extern "C" __global__ void copy_pages(
    const uint64_t* __restrict__ sources, const uint64_t* __restrict__ destinations,
    const uint64_t* __restrict__ lengths, int count, uint32_t chunks_per_page, uint32_t chunk_bytes)
{
    const uint64_t items = (uint64_t)count * chunks_per_page;
    for (uint64_t item = blockIdx.x; item < items; item += gridDim.x)
    {
        const uint64_t page = item / chunks_per_page;
        const uint64_t start = (item % chunks_per_page) * (uint64_t)chunk_bytes;
        const uint64_t length = lengths[page];
        if (start >= length)
        {
            continue;
        }
        copy_chunk(reinterpret_cast<const char*>(sources[page]), reinterpret_cast<char*>(destinations[page]), start,
            min(length, start + chunk_bytes));
    }
}
