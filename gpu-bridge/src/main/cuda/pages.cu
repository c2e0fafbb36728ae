// Gather and scatter of scattered pages between pool memory (host memory registered with CUDA and mapped into the
// device's address space) and device memory, one launch for a whole batch. Built to PTX by nvcc at build time
// where nvcc exists; the PTX is kept as a resource (io/kvpool/gpu/pages.ptx) so machines without nvcc build and run.
//
// Each block copies one page, its threads striding over it in 16-byte vectors (the page's bytes are read once
// over PCIe and written once to device memory); a tail that is not a multiple of 16 bytes is copied bytewise.
// Source and destination addresses must be 16-byte aligned for the vector path; the Java side checks that.

#include <stdint.h>

extern "C" __global__ void copy_pages(
    const uint64_t* __restrict__ sources, const uint64_t* __restrict__ destinations,
    const uint64_t* __restrict__ lengths, int count)
{
    for (int page = blockIdx.x; page < count; page += gridDim.x)
    {
        const char* src = reinterpret_cast<const char*>(sources[page]);
        char* dst = reinterpret_cast<char*>(destinations[page]);
        const uint64_t length = lengths[page];
        const uint64_t vectors = length / 16;
        const uint4* src4 = reinterpret_cast<const uint4*>(src);
        uint4* dst4 = reinterpret_cast<uint4*>(dst);
        // Four independent 16-byte loads in flight per thread before the first store.
        uint64_t i = threadIdx.x;
        const uint64_t stride = blockDim.x;
        for (; i + 3 * stride < vectors; i += 4 * stride)
        {
            const uint4 a = src4[i];
            const uint4 b = src4[i + stride];
            const uint4 c = src4[i + 2 * stride];
            const uint4 d = src4[i + 3 * stride];
            dst4[i] = a;
            dst4[i + stride] = b;
            dst4[i + 2 * stride] = c;
            dst4[i + 3 * stride] = d;
        }
        for (; i < vectors; i += stride)
        {
            dst4[i] = src4[i];
        }
        for (uint64_t t = vectors * 16 + threadIdx.x; t < length; t += stride)
        {
            dst[t] = src[t];
        }
    }
}
