// SPDX-License-Identifier: Apache-2.0
// The FFI layer at the edges of its input: array lengths at the C API, batch sizes past int,
// broadcasting without offset tables, integer settings, and the memory checks' messages.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "core/memory.hpp"
#include "ffi/c_api.hpp"
#include "ffi/operands.hpp"
#include "ffi/settings_codec.hpp"

namespace bf = batchcone::ffi_support;

namespace {

// Whether `text` contains `part`, printing both when not.
::testing::AssertionResult contains(const std::string& text, const std::string& part) {
  if (text.find(part) != std::string::npos) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure() << "'" << text << "' does not contain '" << part << "'";
}

// ---- the C API ---------------------------------------------------------------------------------

// Registers an n-variable, one-row structure whose column pointers have the given lengths (all
// zeros: no entries), with one Zero cone; returns the error message, or "" on success.
std::string register_with_colptr_lengths(std::int64_t n, std::int64_t p_len, std::int64_t a_len) {
  static std::int64_t key = 1000;
  const std::vector<int> p(p_len, 0), a(a_len, 0);
  const int kind = 0, dim = 1;
  const double alpha = 0;
  char err[512] = "";
  const int rc =
      batchcone_register_structure(++key, n, 1, p.data(), p_len, nullptr, 0, a.data(), a_len,
                                   nullptr, 0, &kind, &dim, &alpha, 1, err, sizeof err);
  return rc == 0 ? "" : err;
}

TEST(CApi, ColumnPointersOfTheWrongLengthAreRejected) {
  for (std::int64_t n : {2, 3, 100, 10000000}) {
    const std::string e = register_with_colptr_lengths(n, 2, 2);
    EXPECT_TRUE(contains(e, "P_colptr has length 2, expected n+1 = " + std::to_string(n + 1)))
        << "n = " << n;
  }
  EXPECT_TRUE(contains(register_with_colptr_lengths(1, 3, 2), "P_colptr has length 3"));
  EXPECT_TRUE(contains(register_with_colptr_lengths(1, 2, 1), "A_colptr has length 1"));
  EXPECT_EQ(register_with_colptr_lengths(1, 2, 2), "");
}

TEST(CApi, NullArraysNegativeLengthsAndSizesOutOfRangeAreRejected) {
  const int zeros[2] = {0, 0}, kind = 1, dim = 1;
  const double alpha = 0;
  char err[512];
  const auto call = [&](std::int64_t n, const int* pc, std::int64_t pc_len) {
    err[0] = '\0';
    return batchcone_register_structure(77, n, 1, pc, pc_len, nullptr, 0, zeros, 2, nullptr, 0,
                                        &kind, &dim, &alpha, 1, err, sizeof err);
  };
  EXPECT_EQ(call(1, nullptr, 2), 1);
  EXPECT_TRUE(contains(err, "P_colptr is null but has length 2"));
  EXPECT_EQ(call(1, zeros, -1), 1);
  EXPECT_TRUE(contains(err, "P_colptr has length -1"));
  EXPECT_EQ(call(std::int64_t{1} << 31, zeros, 2), 1);
  EXPECT_TRUE(contains(err, "n = 2147483648 is outside [0, 2^31 - 1]"));
  // A null or empty error buffer is allowed: the call still fails.
  EXPECT_EQ(batchcone_register_structure(78, 1, 1, nullptr, 2, nullptr, 0, zeros, 2, nullptr, 0,
                                         &kind, &dim, &alpha, 1, nullptr, 0),
            1);
}

// ---- batch sizes and broadcasting
// ----------------------------------------------------------------

// An XLA buffer descriptor over caller-owned data (or none: the checks read only the shape).
struct FakeBuffer {
  FakeBuffer(std::vector<std::int64_t> shape, XLA_FFI_DataType dtype, void* data = nullptr)
      : dims(std::move(shape)),
        raw{XLA_FFI_Buffer_STRUCT_SIZE,
            nullptr,
            dtype,
            data,
            static_cast<std::int64_t>(dims.size()),
            dims.data()} {}
  xla::ffi::AnyBuffer any() const { return xla::ffi::AnyBuffer(&raw); }
  std::vector<std::int64_t> dims;
  XLA_FFI_Buffer raw;
};

TEST(Operands, BatchesPastIntAreRejectedNotTruncated) {
  const FakeBuffer shared({3}, XLA_FFI_DataType_F64);
  for (std::vector<std::int64_t> lead : {std::vector<std::int64_t>{(1LL << 32) + 5},
                                         {(1LL << 31) + 5},
                                         {65536, 32769},
                                         {1LL << 40, 1LL << 40}}) {
    std::vector<std::int64_t> shape = lead;
    shape.push_back(0);
    const FakeBuffer P(shape, XLA_FFI_DataType_F64);
    try {
      bf::data_batch_dims(P.any(), shared.any(), shared.any(), shared.any());
      ADD_FAILURE() << "accepted a batch of " << bf::dims_string(lead);
    } catch (const std::invalid_argument& e) {
      EXPECT_TRUE(contains(e.what(), "more than one call solves (2^31 - 1"));
      EXPECT_TRUE(contains(e.what(), bf::dims_string(lead)));
    }
  }
  const FakeBuffer largest({bf::kMaxBatch, 0}, XLA_FFI_DataType_F64);
  EXPECT_EQ(
      bf::product(bf::data_batch_dims(largest.any(), shared.any(), shared.any(), shared.any())),
      bf::kMaxBatch);
  EXPECT_EQ(bf::product({1LL << 40, 1LL << 40}), INT64_MAX);
  EXPECT_EQ(bf::product({1LL << 40, 0, 1LL << 40}), 0);
}

TEST(Operands, BroadcastLayoutMatchesNumpy) {
  // An operand of batch dimensions (2, 1) over a batch (3, 2, 2), core 2: problem (i, j, k)
  // reads row j of the operand.
  std::vector<double> values = {1, 2, 3, 4};
  const FakeBuffer op({2, 1, 2}, XLA_FFI_DataType_F64, values.data());
  const bf::FloatOperand out =
      bf::float_operand("c", op.any(), xla::ffi::DataType::F64, 2, {3, 2, 2}, false);
  ASSERT_EQ(out.stride, 2);
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 2; ++j)
      for (int k = 0; k < 2; ++k) {
        const int problem = (i * 2 + j) * 2 + k;
        EXPECT_EQ(out.data[problem * 2], values[j * 2]);
        EXPECT_EQ(out.data[problem * 2 + 1], values[j * 2 + 1]);
      }
  EXPECT_EQ(bf::operand_copy_bytes("c", op.any(), xla::ffi::DataType::F64, 2, {3, 2, 2}, false),
            12 * 2 * sizeof(double));
}

TEST(Operands, StatusWithMoreDimensionsThanTheBatchIsRejected) {
  std::vector<std::int32_t> status(4, 0);
  const FakeBuffer st({2, 2}, XLA_FFI_DataType_S32, status.data());
  EXPECT_THROW(bf::int_operand("status", st.any(), {2}), std::invalid_argument);
  EXPECT_EQ(bf::int_operand("status", st.any(), {3, 2, 2}).size(), 12u);
}

// ---- settings
// ------------------------------------------------------------------------------------

TEST(SettingsCodec, IntegerFieldsMustBeIntegersInRange) {
  std::vector<double> values(bf::settings_field_count(), 0.0);
  // Field 0 is max_iter (the Python side reads the same list): the defaults, then bad values.
  ASSERT_EQ(std::string(bf::settings_fields()).rfind("max_iter,", 0), 0u);
  const batchcone::Settings defaults;
  values[0] = defaults.max_iter;
  for (double bad : {1e12, 2.5, -3e9}) {
    values[0] = bad;
    try {
      bf::decode_settings(values.data(), values.size());
      ADD_FAILURE() << "accepted max_iter = " << bad;
    } catch (const std::invalid_argument& e) {
      EXPECT_TRUE(contains(e.what(), "setting max_iter ="));
    }
  }
}

// ---- memory
// ----------------------------------------------------------------------------------------

TEST(Memory, MessageGivesTheSizesAndABatchThatFits) {
  const double gib = double(1u << 30);
  try {
    batchcone::core::check_memory("the workspace", 10 * gib, std::size_t(4) << 30, 1000);
    FAIL() << "10 GiB fit in 4";
  } catch (const batchcone::core::OutOfMemory& e) {
    EXPECT_TRUE(contains(e.what(), "the workspace for 1000 problems needs 10.00 GiB"));
    EXPECT_TRUE(contains(e.what(), "4.00 GiB is available"));
    // 90% of 4 GiB at 10.24 MiB per problem: 360 problems.
    EXPECT_TRUE(contains(e.what(), "pieces of at most 360 problems"));
  }
  EXPECT_NO_THROW(batchcone::core::check_memory("w", 3 * gib, std::size_t(4) << 30, 10));
  EXPECT_NO_THROW(batchcone::core::check_memory("w", 1e30, 0, 10));  // unknown: no check
}

TEST(Memory, ConfiguredLimitBoundsHostAllocations) {
  ASSERT_EQ(setenv("BATCHCONE_HOST_MEMORY_LIMIT", "1048576", 1), 0);
  EXPECT_LE(batchcone::core::host_memory_available(), std::size_t{1} << 20);
  EXPECT_THROW(batchcone::core::allocate_host("the workspace", std::size_t{16} << 20, 16),
               batchcone::core::OutOfMemory);
  std::unique_ptr<double[]> small(batchcone::core::allocate_host("the workspace", 4096, 1));
  EXPECT_NE(small.get(), nullptr);
  ASSERT_EQ(setenv("BATCHCONE_HOST_MEMORY_LIMIT", "lots", 1), 0);
  EXPECT_THROW(batchcone::core::host_memory_available(), std::invalid_argument);
  unsetenv("BATCHCONE_HOST_MEMORY_LIMIT");
}

}  // namespace
