// SPDX-License-Identifier: Apache-2.0
// A fuzz target over the entry points that take a caller's raw input: the C API's structure
// registration (lengths, pointers, sizes, cone kinds and parameters as bytes decide), the FFI
// settings decoder, and a CPU solve of a small batch of arbitrary values (NaN and ±inf included)
// on every structure that registers. Any input must end in success or a C++ exception with a
// message, never in a crash, an overflow or a read out of bounds (run under ASan + UBSan).
//
// libFuzzer-compatible (LLVMFuzzerTestOneInput); test_fuzz_inputs.cpp drives it with random
// inputs inside ctest.
#include "fuzz_target.hpp"

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <vector>

#include "batchcone/solver.hpp"
#include "ffi/c_api.hpp"
#include "ffi/registry.hpp"
#include "ffi/settings_codec.hpp"

// How far inputs got (the driver checks that the deep paths are reached at all).
FuzzReach fuzz_reach;

namespace {

// Reads the input front to back; past its end every read is 0.
class Bytes {
 public:
  Bytes(const std::uint8_t* data, std::size_t size) : p_(data), left_(size) {}
  std::uint8_t byte() { return left_ ? (--left_, *p_++) : 0; }
  template <class T>
  T raw() {
    static_assert(sizeof(T) <= sizeof(std::uint64_t));
    std::uint64_t bits = 0;
    for (std::size_t i = 0; i < sizeof(T); ++i) bits |= std::uint64_t{byte()} << (8 * i);
    T v;
    std::memcpy(&v, &bits, sizeof(T));  // (little-endian: the low bytes)
    return v;
  }

 private:
  const std::uint8_t* p_;
  std::size_t left_;
};

// A structure as the C API takes it.
struct Candidate {
  std::int64_t n = 0, m = 0;
  std::vector<int> pc, pr, ac, ar, kinds, dims;
  std::vector<double> alphas;
};

// The rows of a column picked by the bits of `mask` among rows [0, rows), in order.
void append_rows(std::vector<int>& rowval, std::uint32_t mask, int rows) {
  for (int i = 0; i < rows && i < 32; ++i)
    if (mask >> i & 1u) rowval.push_back(i);
}

// A valid structure (up to 6 variables, up to 3 cones of every kind) that the bytes pick.
Candidate valid_candidate(Bytes& in) {
  Candidate c;
  const int cones = 1 + in.byte() % 3;
  for (int k = 0; k < cones; ++k) {
    const int kind = in.byte() % 6, size = in.byte();
    int dim = 3, rows = 3;
    if (kind <= 1) dim = rows = 1 + size % 3;                       // Zero, NonNeg
    if (kind == 2) dim = rows = 2 + size % 3;                       // SOC
    if (kind == 3) dim = 1 + size % 2, rows = dim * (dim + 1) / 2;  // PSD (side)
    c.kinds.push_back(kind), c.dims.push_back(dim), c.m += rows;
    c.alphas.push_back(0.1 + 0.8 * (in.byte() / 255.0));
  }
  c.n = 1 + in.byte() % 6;
  c.pc.push_back(0), c.ac.push_back(0);
  for (int j = 0; j < c.n; ++j) {
    append_rows(c.pr, in.byte(), j + 1);  // upper triangle, diagonal included
    append_rows(c.ar, in.raw<std::uint16_t>(), static_cast<int>(c.m));
    c.pc.push_back(static_cast<int>(c.pr.size())), c.ac.push_back(static_cast<int>(c.ar.size()));
  }
  return c;
}

// One defect, or none, that the bytes pick: the sizes at the C API's edges, arrays one short or
// one long, indices out of order or range, unknown cones, bad cone parameters.
void corrupt(Candidate& c, Bytes& in) {
  static constexpr std::int64_t kEdges[] = {0,          -1,           10000000,
                                            2147483647, 2147483648LL, -(1LL << 40)};
  std::vector<int>* arrays[] = {&c.pc, &c.pr, &c.ac, &c.ar};
  std::vector<int>& a = *arrays[in.byte() % 4];
  const std::uint8_t what = in.byte();
  if (what < 96) return;
  switch (what % 10) {
    case 0:
      c.n = kEdges[in.byte() % 6];
      break;
    case 1:
      c.m = in.byte() % 2 ? kEdges[in.byte() % 6] : c.m + 1;
      break;
    case 2:
      if (!a.empty()) a.pop_back();
      break;
    case 3:
      a.push_back(in.byte() % 8);
      break;
    case 4:
      if (!a.empty()) a[in.byte() % a.size()] = in.raw<int>();
      break;
    case 5:
      if (!a.empty()) a[in.byte() % a.size()] += in.byte() % 2 ? 1 : -1;
      break;
    case 6:
      c.kinds[in.byte() % c.kinds.size()] = static_cast<int>(in.byte() % 9) - 2;
      break;
    case 7:
      c.dims[in.byte() % c.dims.size()] = in.byte() % 2 ? in.raw<int>() : in.byte() % 5;
      break;
    case 8:
      c.alphas[in.byte() % c.alphas.size()] = in.raw<double>();
      break;
    case 9:
      a.clear();
      break;
  }
}

double value(Bytes& in) {
  const std::uint8_t b = in.byte();
  if (b < 8) return std::numeric_limits<double>::quiet_NaN();
  if (b < 12) return b % 2 ? HUGE_VAL : -HUGE_VAL;
  if (b < 16) return in.raw<double>();
  return (static_cast<int>(b) - 136) / 16.0;
}

void solve_some(const batchcone::Structure& st, Bytes& in) {
  constexpr int kBatch = 2;
  if (st.n() > 16 || st.m() > 16) return;
  std::vector<double> P(kBatch * st.nnz_P()), c(kBatch * st.n()), A(kBatch * st.nnz_A()),
      b(kBatch * st.m());
  for (auto* v : {&P, &c, &A, &b})
    for (double& e : *v) e = value(in);
  batchcone::Settings settings;
  settings.max_iter = 1 + in.byte() % 30;
  settings.nonfinite_as_status = in.byte() % 2;
  settings.num_threads = 1;
  std::vector<double> x(kBatch * st.n()), z(kBatch * st.m()), s(kBatch * st.m()), obj(kBatch);
  std::vector<std::int32_t> status(kBatch), iterations(kBatch);
  ++fuzz_reach.solves;
  batchcone::cpu_solve(
      st, settings,
      {kBatch, P.data(), static_cast<long>(st.nnz_P()), c.data(), static_cast<long>(st.n()),
       A.data(), static_cast<long>(st.nnz_A()), b.data(), static_cast<long>(st.m())},
      {x.data(), z.data(), s.data(), status.data(), iterations.data(), obj.data()});
  ++fuzz_reach.solved;
}

void register_and_solve(Bytes& in) {
  const std::int64_t key = in.raw<std::int64_t>();
  Candidate c = valid_candidate(in);
  corrupt(c, in);
  // The lengths passed are the arrays'; rarely a pointer is null with its length positive.
  const auto ptr = [&](const std::vector<int>& v) { return in.byte() < 4 ? nullptr : v.data(); };
  const auto len = [](const auto& v) { return static_cast<std::int64_t>(v.size()); };
  char err[256];
  const int rc = batchcone_register_structure(
      key, c.n, c.m, ptr(c.pc), len(c.pc), ptr(c.pr), len(c.pr), ptr(c.ac), len(c.ac), ptr(c.ar),
      len(c.ar), c.kinds.data(), c.dims.data(), c.alphas.data(), len(c.kinds), err, sizeof err);
  if (rc != 0) return;
  ++fuzz_reach.registered;
  solve_some(*batchcone::ffi_support::find_structure(key), in);
}

void decode_some_settings(Bytes& in) {
  std::vector<double> values = batchcone::ffi_support::encode_settings(batchcone::Settings{});
  for (int k = in.byte() % 4; k > 0; --k) {
    double& v = values[in.byte() % values.size()];
    v = in.byte() % 2 ? value(in) : v * (in.byte() / 64.0);
  }
  if (in.byte() < 8) values.resize(values.size() + in.byte() % 3 - 1);
  batchcone::ffi_support::decode_settings(values.data(), values.size());
  ++fuzz_reach.settings_decoded;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  Bytes in(data, size);
  try {
    if (in.byte() % 4 == 0)
      decode_some_settings(in);
    else
      register_and_solve(in);
  } catch (const std::exception& e) {
    if (std::strlen(e.what()) == 0) __builtin_trap();  // every error says what it is
  }
  return 0;
}
