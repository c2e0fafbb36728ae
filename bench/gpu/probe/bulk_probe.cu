// Probe: can Hopper's bulk copy (cp.async.bulk, the TMA unit without a tensor map) move scattered pages between
// registered host memory and device memory faster than per-thread 16-byte loads? Compares, on fresh pages per
// batch (no L2 re-reads), a contiguous cudaMemcpyAsync, the vector kernel of pages.cu and a bulk-copy kernel.
// Build: nvcc -O3 -arch=sm_90 -o bulk_probe bulk_probe.cu
#include <cstdio>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <vector>
#include <algorithm>
#include <random>
#include <sys/mman.h>
#include <cuda_runtime.h>

#define CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("%s: %s\n", #x, cudaGetErrorString(e)); exit(1); } } while (0)

struct Pages { const uint64_t* src; const uint64_t* dst; const uint64_t* len; int count; };

__global__ void vector_kernel(Pages p, uint32_t chunks_per_page, uint32_t chunk_bytes)
{
    const uint64_t items = (uint64_t)p.count * chunks_per_page;
    for (uint64_t item = blockIdx.x; item < items; item += gridDim.x)
    {
        const uint64_t page = item / chunks_per_page;
        const uint64_t start = (item % chunks_per_page) * (uint64_t)chunk_bytes;
        const uint64_t length = p.len[page];
        if (start >= length) continue;
        const uint64_t end = min(length, start + chunk_bytes);
        const char* s = (const char*)p.src[page];
        char* d = (char*)p.dst[page];
        for (uint64_t at = start + threadIdx.x * 16ull; at < end; at += blockDim.x * 16ull)
            *(uint4*)(d + at) = *(const uint4*)(s + at);
    }
}

template <int STAGES, int CHUNK>
__global__ void bulk_kernel(Pages p, uint32_t chunks_per_page)
{
    __shared__ alignas(128) char buffer[STAGES][CHUNK];
    __shared__ alignas(8) uint64_t barrier[STAGES];
    if (threadIdx.x != 0) return;
    for (int s = 0; s < STAGES; s++)
    {
        asm volatile("mbarrier.init.shared::cta.b64 [%0], 1;" :: "r"((uint32_t)__cvta_generic_to_shared(&barrier[s])));
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
    const uint64_t items = (uint64_t)p.count * chunks_per_page;
    // My items: blockIdx.x, blockIdx.x + gridDim.x, ...
    const uint64_t mine = items > blockIdx.x ? (items - blockIdx.x + gridDim.x - 1) / gridDim.x : 0;
    auto item_of = [&](uint64_t j) { return blockIdx.x + j * gridDim.x; };
    auto bytes_of = [&](uint64_t item, uint64_t& page, uint64_t& start) -> uint32_t {
        page = item / chunks_per_page;
        start = (item % chunks_per_page) * (uint64_t)CHUNK;
        const uint64_t length = p.len[page];
        return start >= length ? 0 : (uint32_t)(min(length, start + CHUNK) - start);
    };
    auto issue_load = [&](uint64_t j) {
        uint64_t page, start;
        const uint32_t bytes = bytes_of(item_of(j), page, start);
        const int s = j % STAGES;
        const uint32_t bar = (uint32_t)__cvta_generic_to_shared(&barrier[s]);
        asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" :: "r"(bar), "r"(bytes) : "memory");
        if (bytes > 0)
        {
            asm volatile("cp.async.bulk.shared::cluster.global.mbarrier::complete_tx::bytes [%0], [%1], %2, [%3];"
                :: "r"((uint32_t)__cvta_generic_to_shared(buffer[s])), "l"(p.src[page] + start), "r"(bytes), "r"(bar)
                : "memory");
        }
    };
    for (uint64_t j = 0; j < mine && j < STAGES - 1; j++) issue_load(j);
    for (uint64_t j = 0; j < mine; j++)
    {
        const uint64_t next = j + STAGES - 1;
        if (next < mine)
        {
            // The stage of `next` last held item j-1, whose store must have finished reading it.
            asm volatile("cp.async.bulk.wait_group.read 0;" ::: "memory");
            issue_load(next);
        }
        const int s = j % STAGES;
        const uint32_t bar = (uint32_t)__cvta_generic_to_shared(&barrier[s]);
        const uint32_t parity = (j / STAGES) & 1;
        uint32_t done = 0;
        while (!done)
        {
            asm volatile("{ .reg .pred p; mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2; selp.u32 %0, 1, 0, p; }"
                : "=r"(done) : "r"(bar), "r"(parity) : "memory");
        }
        uint64_t page, start;
        const uint32_t bytes = bytes_of(item_of(j), page, start);
        if (bytes > 0)
        {
            asm volatile("cp.async.bulk.global.shared::cta.bulk_group [%0], [%1], %2;"
                :: "l"(p.dst[page] + start), "r"((uint32_t)__cvta_generic_to_shared(buffer[s])), "r"(bytes) : "memory");
            asm volatile("cp.async.bulk.commit_group;" ::: "memory");
        }
    }
    asm volatile("cp.async.bulk.wait_group 0;" ::: "memory");
}

int main(int argc, char** argv)
{
    const size_t region_bytes = 1ull << 30;
    const int pages = 128;
    char* region = (char*)mmap(nullptr, region_bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    memset(region, 1, region_bytes);
    CHECK(cudaHostRegister(region, region_bytes, cudaHostRegisterPortable | cudaHostRegisterMapped));
    char* device;
    CHECK(cudaMalloc(&device, 256ull << 20));
    int sms;
    CHECK(cudaDeviceGetAttribute(&sms, cudaDevAttrMultiProcessorCount, 0));
    cudaStream_t streams[2];
    for (auto& s : streams) CHECK(cudaStreamCreateWithFlags(&s, cudaStreamNonBlocking));
    cudaEvent_t a, b;
    CHECK(cudaEventCreate(&a)); CHECK(cudaEventCreate(&b));
    auto time_ms = [&](auto enqueue) {
        float best[20];
        for (int r = 0; r < 25; r++)
        {
            CHECK(cudaEventRecord(a, streams[0]));
            CHECK(cudaStreamWaitEvent(streams[1], a));
            enqueue();
            cudaEvent_t j; CHECK(cudaEventCreateWithFlags(&j, cudaEventDisableTiming));
            CHECK(cudaEventRecord(j, streams[1])); CHECK(cudaStreamWaitEvent(streams[0], j));
            CHECK(cudaEventRecord(b, streams[0])); CHECK(cudaEventSynchronize(b));
            CHECK(cudaGetLastError());
            float ms; CHECK(cudaEventElapsedTime(&ms, a, b));
            if (r >= 5) best[r - 5] = ms;
            cudaEventDestroy(j);
        }
        std::sort(best, best + 20);
        return best[10];
    };
    const size_t contiguous = 256ull << 20;
    const float h2d_ms = time_ms([&] { CHECK(cudaMemcpyAsync(device, region, contiguous, cudaMemcpyHostToDevice, streams[0])); });
    const float d2h_ms = time_ms([&] { CHECK(cudaMemcpyAsync(region, device, contiguous, cudaMemcpyDeviceToHost, streams[0])); });
    const double h2d = contiguous / (h2d_ms / 1e3) / 1e9, d2h = contiguous / (d2h_ms / 1e3) / 1e9;
    printf("contiguous H2D %.1f GB/s, D2H %.1f GB/s\n", h2d, d2h);
    std::mt19937_64 random(11);
    for (size_t page_bytes : {16ull << 10, 64ull << 10, 256ull << 10})
    {
        const int batches = std::max<int>(10, (int)((256ull << 20) / (pages * page_bytes)));
        std::vector<uint64_t> slots(region_bytes / page_bytes);
        for (size_t i = 0; i < slots.size(); i++) slots[i] = i;
        std::shuffle(slots.begin(), slots.end(), random);
        // Tables in mapped pinned memory: [batch][src|dst|len][page]
        uint64_t* tables;
        CHECK(cudaHostAlloc(&tables, sizeof(uint64_t) * 3 * pages * batches * 2, cudaHostAllocMapped | cudaHostAllocPortable));
        std::vector<Pages> up(batches), down(batches);
        for (int bi = 0; bi < batches; bi++)
        {
            uint64_t* u = tables + (size_t)bi * 3 * pages;
            uint64_t* d = tables + (size_t)(batches + bi) * 3 * pages;
            for (int i = 0; i < pages; i++)
            {
                const uint64_t host = (uint64_t)region + slots[bi * pages + i] * page_bytes;
                u[i] = host; u[pages + i] = (uint64_t)device + i * page_bytes; u[2 * pages + i] = page_bytes;
                d[i] = (uint64_t)device + i * page_bytes; d[pages + i] = host; d[2 * pages + i] = page_bytes;
            }
            up[bi] = Pages{u, u + pages, u + 2 * pages, pages};
            down[bi] = Pages{d, d + pages, d + 2 * pages, pages};
        }
        const double bytes = (double)pages * page_bytes * batches;
        auto report = [&](const char* name, auto launch) {
            const float up_ms = time_ms([&] { for (int bi = 0; bi < batches; bi++) launch(up[bi], streams[bi & 1]); });
            const float down_ms = time_ms([&] { for (int bi = 0; bi < batches; bi++) launch(down[bi], streams[bi & 1]); });
            const double u = bytes / (up_ms / 1e3) / 1e9, d = bytes / (down_ms / 1e3) / 1e9;
            printf("128 x %3zu KiB %-28s H2D %5.1f GB/s (%3.0f%%)  D2H %5.1f GB/s (%3.0f%%)\n", page_bytes >> 10, name,
                u, 100 * u / h2d, d, 100 * d / d2h);
        };
        report("vector kernel 256x16B", [&](Pages p, cudaStream_t s) {
            const uint32_t chunk = 4096, cpp = (page_bytes + chunk - 1) / chunk;
            vector_kernel<<<std::min<uint64_t>((uint64_t)pages * cpp, sms * 16), 256, 0, s>>>(p, cpp, chunk);
        });
        report("bulk 4 x 8 KiB stages", [&](Pages p, cudaStream_t s) {
            const uint32_t cpp = (page_bytes + 8191) / 8192;
            bulk_kernel<4, 8192><<<std::min<uint64_t>((uint64_t)pages * cpp, sms * 6), 32, 0, s>>>(p, cpp);
        });
        report("bulk 2 x 16 KiB stages", [&](Pages p, cudaStream_t s) {
            const uint32_t cpp = (page_bytes + 16383) / 16384;
            bulk_kernel<2, 16384><<<std::min<uint64_t>((uint64_t)pages * cpp, sms * 6), 32, 0, s>>>(p, cpp);
        });
        report("bulk 3 x 4 KiB stages", [&](Pages p, cudaStream_t s) {
            const uint32_t cpp = (page_bytes + 4095) / 4096;
            bulk_kernel<3, 4096><<<std::min<uint64_t>((uint64_t)pages * cpp, sms * 16), 32, 0, s>>>(p, cpp);
        });
        // Correctness of the bulk kernel, H2D then D2H on the first batch.
        for (int i = 0; i < pages; i++) memset((char*)up[0].src[i], i + 3, page_bytes);
        CHECK(cudaMemset(device, 0, pages * page_bytes));
        bulk_kernel<4, 8192><<<sms * 6, 32, 0, streams[0]>>>(up[0], (page_bytes + 8191) / 8192);
        CHECK(cudaStreamSynchronize(streams[0]));
        for (int i = 0; i < pages; i++) memset((char*)up[0].src[i], 0, page_bytes);
        bulk_kernel<4, 8192><<<sms * 6, 32, 0, streams[0]>>>(down[0], (page_bytes + 8191) / 8192);
        CHECK(cudaStreamSynchronize(streams[0]));
        long bad = 0;
        for (int i = 0; i < pages; i++)
            for (size_t k = 0; k < page_bytes; k++) bad += ((unsigned char*)up[0].src[i])[k] != (unsigned char)(i + 3);
        printf("  bulk round trip of 128 x %zu KiB: %ld wrong bytes\n", page_bytes >> 10, bad);
        CHECK(cudaFreeHost(tables));
    }
    return 0;
}
