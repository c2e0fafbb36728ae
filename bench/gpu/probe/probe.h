// What the host-clock probes (persistent_probe.cu, resident_harness.cu) share: a checked CUDA call, the host's
// clock, and the median rate of a run repeated.
#pragma once
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <vector>
#include <cuda_runtime.h>

#define CHECK(x) do { cudaError_t e = (x); if (e != cudaSuccess) { printf("%s: %s\n", #x, cudaGetErrorString(e)); \
    exit(1); } } while (0)

static double now_s()
{
    return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// GB/s of the median of 20 runs after 5 warm-ups; `run` returns one run's seconds, each run moving `bytes`.
template <typename Run>
static double median_gbps(Run run, double bytes)
{
    std::vector<double> seconds;
    for (int r = 0; r < 25; r++)
    {
        const double s = run();
        if (r >= 5) seconds.push_back(s);
    }
    std::sort(seconds.begin(), seconds.end());
    return bytes / seconds[seconds.size() / 2] / 1e9;
}
