// SPDX-License-Identifier: Apache-2.0
// Host/device parity of the whole solve: the CUDA backend runs the same per-problem code as the
// CPU backend, so every fixture family solved on the GPU must match the CPU to 1e-9, with the
// same statuses and iteration counts. Skipped (reported as skipped) without a GPU.
#include <cuda_runtime.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <vector>

#include "batchcone/cuda.hpp"
#include "batchcone/diff.hpp"
#include "solve_util.hpp"

namespace batchcone::testing {
namespace {

template <class T>
struct DeviceArray {
  T* ptr = nullptr;
  explicit DeviceArray(const std::vector<T>& host) {
    EXPECT_EQ(cudaMalloc(&ptr, std::max<size_t>(1, host.size()) * sizeof(T)), cudaSuccess);
    if (!host.empty())
      EXPECT_EQ(cudaMemcpy(ptr, host.data(), host.size() * sizeof(T), cudaMemcpyHostToDevice),
                cudaSuccess);
  }
  explicit DeviceArray(size_t n) { EXPECT_EQ(cudaMalloc(&ptr, std::max<size_t>(1, n) * sizeof(T)), cudaSuccess); }
  std::vector<T> host(size_t n) const {
    std::vector<T> out(n);
    EXPECT_EQ(cudaMemcpy(out.data(), ptr, n * sizeof(T), cudaMemcpyDeviceToHost), cudaSuccess);
    return out;
  }
  ~DeviceArray() { cudaFree(ptr); }
};

// Without a GPU these tests skip; under `make gpu-check` (BATCHCONE_REQUIRE_GPU=1) a missing
// device fails them, so a run on a GPU machine cannot pass by skipping.
#define SKIP_WITHOUT_GPU()                                                                       \
  if (!cuda_available()) {                                                                       \
    if (std::getenv("BATCHCONE_REQUIRE_GPU")) FAIL() << "BATCHCONE_REQUIRE_GPU: no CUDA device"; \
    GTEST_SKIP() << "no CUDA device";                                                            \
  }

class CudaParity : public ::testing::TestWithParam<const char*> {};

TEST_P(CudaParity, GpuSolveEqualsCpuSolve) {
  SKIP_WITHOUT_GPU();
  for (const Fixture& f : load_fixtures(GetParam())) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    const int B = 3;  // copies with scaled c: different problems, one structure
    std::vector<double> c;
    for (int k = 0; k < B; ++k)
      for (double v : f.c) c.push_back(v * (1.0 + 0.1 * k));
    const Result cpu = solve_values(st, B, f.P_vals.data(), 0, c.data(), kDense, f.A_vals.data(),
                                    0, f.b.data(), 0);
    DeviceArray<double> P(f.P_vals), C(c), A(f.A_vals), b(f.b);
    DeviceArray<double> x(B * st.n()), z(B * st.m()), s(B * st.m()), obj(B);
    DeviceArray<std::int32_t> status(B), iters(B);
    const size_t bytes = cuda_workspace_bytes(st, B);
    DeviceArray<char> ws(bytes);
    cuda_solve(st, Settings{}, {B, P.ptr, 0, C.ptr, kDense, A.ptr, 0, b.ptr, 0},
               {x.ptr, z.ptr, s.ptr, status.ptr, iters.ptr, obj.ptr}, ws.ptr, bytes, nullptr);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    EXPECT_EQ(status.host(B), cpu.status);
    EXPECT_EQ(iters.host(B), cpu.iterations);
    const auto gx = x.host(B * st.n()), gz = z.host(B * st.m());
    for (size_t i = 0; i < gx.size(); ++i) EXPECT_NEAR(gx[i], cpu.x[i], 1e-9 * (1 + std::abs(cpu.x[i])));
    for (size_t i = 0; i < gz.size(); ++i) EXPECT_NEAR(gz[i], cpu.z[i], 1e-9 * (1 + std::abs(cpu.z[i])));
  }
}

// The derivative building blocks: K⁻¹r at each solution on the GPU equals the CPU's.
TEST_P(CudaParity, GpuKktSolveEqualsCpu) {
  SKIP_WITHOUT_GPU();
  for (const Fixture& f : load_fixtures(GetParam())) {
    SCOPED_TRACE(f.name);
    const Structure st = make_structure(f.spec);
    const Result r = solve_fixture(f);
    std::vector<double> rx(st.n()), rz(st.m()), cx(st.n()), cz(st.m());
    for (int i = 0; i < st.n(); ++i) rx[i] = std::sin(1.0 + i);
    for (int i = 0; i < st.m(); ++i) rz[i] = std::cos(1.0 + i);
    const BatchData host{1, f.P_vals.data(), kDense, f.c.data(), kDense, f.A_vals.data(), kDense,
                         f.b.data(), kDense};
    cpu_kkt_solve(st, Settings{}, host, {r.x.data(), r.z.data(), r.s.data(), r.status.data()},
                  {rx.data(), rz.data()}, {cx.data(), cz.data()});
    DeviceArray<double> P(f.P_vals), C(f.c), A(f.A_vals), b(f.b), x(r.x), z(r.z), s(r.s);
    DeviceArray<std::int32_t> status(r.status);
    DeviceArray<double> vx(rx), vz(rz), ox(st.n()), oz(st.m());
    const size_t bytes = cuda_workspace_bytes(st, 1);
    DeviceArray<char> ws(bytes);
    cuda_kkt_solve(st, Settings{}, {1, P.ptr, kDense, C.ptr, kDense, A.ptr, kDense, b.ptr, kDense},
                   {x.ptr, z.ptr, s.ptr, status.ptr}, {vx.ptr, vz.ptr}, {ox.ptr, oz.ptr}, ws.ptr,
                   bytes, nullptr);
    ASSERT_EQ(cudaDeviceSynchronize(), cudaSuccess);
    const auto gx = ox.host(st.n()), gz = oz.host(st.m());
    for (int i = 0; i < st.n(); ++i) EXPECT_NEAR(gx[i], cx[i], 1e-9 * (1 + std::abs(cx[i])));
    for (int i = 0; i < st.m(); ++i) EXPECT_NEAR(gz[i], cz[i], 1e-9 * (1 + std::abs(cz[i])));
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, CudaParity,
                         ::testing::Values("lp", "qp", "socp", "sdp", "exp", "pow", "infeasible"));

TEST(Cuda, AvailabilityIsReported) {
  // Always runs: on machines without a GPU cuda_available() must say so rather than fail.
  int count = 0;
  const bool runtime_sees_device = cudaGetDeviceCount(&count) == cudaSuccess && count > 0;
  EXPECT_EQ(cuda_available(), runtime_sees_device);
}

}  // namespace
}  // namespace batchcone::testing
