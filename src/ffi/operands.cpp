// SPDX-License-Identifier: Apache-2.0
#include "ffi/operands.hpp"

#include <algorithm>
#include <cstdint>
#include <stdexcept>

namespace batchcone::ffi_support {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("batchcone: " + msg); }

Dims all_dims(const xffi::AnyBuffer& buf) {
  const auto d = buf.dimensions();
  return Dims(d.begin(), d.end());
}

bool all_ones(const Dims& d) {
  for (auto v : d)
    if (v != 1) return false;
  return true;
}

// Element i as float64: float32 widened; float64 and float64 bits (U32 pairs) read as they are.
double element(const xffi::AnyBuffer& buf, std::int64_t i) {
  return buf.element_type() == xffi::DataType::F32
             ? static_cast<double>(static_cast<const float*>(buf.untyped_data())[i])
             : static_cast<const double*>(buf.untyped_data())[i];
}

}  // namespace

std::string dims_string(const Dims& d) {
  std::string s = "(";
  for (size_t i = 0; i < d.size(); ++i) s += (i ? ", " : "") + std::to_string(d[i]);
  return s + (d.size() == 1 ? ",)" : ")");
}

BlockOffsets::BlockOffsets(const Dims& op, const Dims& lead)
    : lead_(lead), stride_(lead.size(), 0) {
  const size_t r = lead.size(), pad = r - op.size();
  std::int64_t acc = 1;
  for (size_t d = r; d-- > pad;) {
    const std::int64_t dim = op[d - pad];
    stride_[d] = dim == 1 ? 0 : acc;
    acc *= dim;
  }
}

std::int64_t BlockOffsets::operator()(std::int64_t k) const {
  std::int64_t off = 0;
  for (size_t d = lead_.size(); d-- > 0;) {
    off += (k % lead_[d]) * stride_[d];
    k /= lead_[d];
  }
  return off;
}

std::vector<std::int64_t> block_offsets(const Dims& op, const Dims& lead) {
  const BlockOffsets offset(op, lead);
  std::vector<std::int64_t> out(product(lead));
  for (std::int64_t k = 0; k < static_cast<std::int64_t>(out.size()); ++k) out[k] = offset(k);
  return out;
}

namespace {

// `lead` with 1 on the axes (right-aligned) where every one of `operands` has size 1: the
// dimensions over which distinct problems vary.
Dims varying_dims(const Dims& lead, const std::vector<Dims>& operands) {
  Dims out(lead.size(), 1);
  for (const Dims& op : operands)
    for (size_t i = 0; i < op.size(); ++i)
      if (op[i] != 1) out[lead.size() - op.size() + i] = lead[lead.size() - op.size() + i];
  return out;
}

}  // namespace

KktBatch kkt_batch(const xffi::AnyBuffer& P, const xffi::AnyBuffer& c, const xffi::AnyBuffer& A,
                   const xffi::AnyBuffer& b, const xffi::AnyBuffer& x, const xffi::AnyBuffer& z,
                   const xffi::AnyBuffer& s, const xffi::AnyBuffer& status,
                   const xffi::AnyBuffer& vx, const xffi::AnyBuffer& vz,
                   std::int64_t min_problems) {
  Dims lead = broadcast_dims(leading_dims(x), leading_dims(vx), "v_x");
  lead = data_batch_dims(P, c, A, b, broadcast_dims(lead, leading_dims(vz), "v_z"));
  const Dims varying =
      varying_dims(lead, {leading_dims(P), leading_dims(c), leading_dims(A), leading_dims(b),
                          leading_dims(x), leading_dims(z), leading_dims(s), all_dims(status)});
  size_t outer = 0;  // the leading axes along which only the vectors vary
  while (outer < lead.size() && varying[outer] == 1) ++outer;
  for (size_t i = outer; i < lead.size(); ++i)
    if (varying[i] != lead[i]) return {lead, lead, 1};  // a vector-only axis inside: no grouping
  Dims problems = lead;
  for (size_t i = 0; i < outer; ++i) problems[i] = 1;
  const std::int64_t count = product(lead) / std::max<std::int64_t>(1, product(problems));
  if (count <= 1 || product(problems) < min_problems) return {lead, lead, 1};
  return {lead, problems, static_cast<int>(count)};
}

std::int64_t product(const Dims& d) {
  for (auto v : d)
    if (v == 0) return 0;
  std::int64_t p = 1;
  for (auto v : d)
    if (__builtin_mul_overflow(p, v, &p)) return INT64_MAX;
  return p;
}

Dims leading_dims(const xffi::AnyBuffer& buf) {
  Dims d = all_dims(buf);
  if (!d.empty()) d.pop_back();
  return d;
}

Dims broadcast_dims(const Dims& a, const Dims& b, const char* name) {
  Dims out(std::max(a.size(), b.size()), 1);
  for (size_t i = 0; i < out.size(); ++i) {
    const std::int64_t x = i < out.size() - a.size() ? 1 : a[i - (out.size() - a.size())];
    const std::int64_t y = i < out.size() - b.size() ? 1 : b[i - (out.size() - b.size())];
    if (x != y && x != 1 && y != 1)
      fail(std::string("batch dimensions of ") + name + " " + dims_string(b) +
           " do not broadcast with " + dims_string(a));
    out[i] = x == 1 ? y : x;
  }
  return out;
}

Dims data_batch_dims(const xffi::AnyBuffer& P, const xffi::AnyBuffer& c, const xffi::AnyBuffer& A,
                     const xffi::AnyBuffer& b, const Dims& extra) {
  Dims lead = broadcast_dims(extra, leading_dims(P), "P_vals");
  lead = broadcast_dims(lead, leading_dims(c), "c");
  lead = broadcast_dims(lead, leading_dims(A), "A_vals");
  lead = broadcast_dims(lead, leading_dims(b), "b");
  const std::int64_t batch = product(lead);
  if (batch > kMaxBatch)
    fail("the batch dimensions " + dims_string(lead) + " hold " +
         (batch == INT64_MAX ? std::string("more than 2^63") : std::to_string(batch)) +
         " problems, more than one call solves (2^31 - 1 = " + std::to_string(kMaxBatch) +
         "); split the batch");
  return lead;
}

xffi::DataType float_dtype(const xffi::AnyBuffer& reference) {
  const xffi::DataType dtype = reference.element_type();
  if (dtype != xffi::DataType::F32 && dtype != xffi::DataType::F64)
    fail("inputs must be float32 or float64");
  return dtype;
}

OperandShape check_operand(const char* name, const xffi::AnyBuffer& buf, xffi::DataType dtype,
                           std::int64_t core, const Dims& lead, bool float64_bits) {
  const bool bits = float64_bits && buf.element_type() == xffi::DataType::U32;
  Dims dims = all_dims(buf);
  if (buf.element_type() != dtype && !bits)
    fail(std::string(name) + " has a different dtype from the other operands");
  if (bits) {  // pairs of uint32 holding float64s: the last dimension counts 2 per element
    if (dims.empty() || dims.back() != 2 * core)
      fail(std::string(name) + " (float64 bits as uint32) has shape " + dims_string(dims) +
           ", expected last dimension " + std::to_string(2 * core));
    dims.back() = core;
  }
  if (dims.empty() || dims.back() != core)
    fail(std::string(name) + " has shape " + dims_string(dims) + ", expected last dimension " +
         std::to_string(core));
  const Dims op(dims.begin(), dims.end() - 1);
  if (op.size() > lead.size())
    fail(std::string(name) + " has more batch dimensions than the batch");
  broadcast_dims(lead, op, name);  // validates
  return {op, bits};
}

namespace {

// How float_operand lays an operand out: read in place, widened from float32 in its own
// layout, or broadcast into one row per problem.
enum class Layout { kInPlace, kWidened, kBroadcast };

Layout operand_layout(const OperandShape& shape, xffi::DataType dtype, const Dims& lead,
                      bool dense) {
  const bool shared = all_ones(shape.batch) && !dense;
  if (shape.batch != lead && !shared) return Layout::kBroadcast;
  return shape.float64_bits || dtype == xffi::DataType::F64 ? Layout::kInPlace : Layout::kWidened;
}

}  // namespace

double operand_copy_bytes(const char* name, const xffi::AnyBuffer& buf, xffi::DataType dtype,
                          std::int64_t core, const Dims& lead, bool dense, bool float64_bits) {
  const OperandShape shape = check_operand(name, buf, dtype, core, lead, float64_bits);
  const bool shared = all_ones(shape.batch) && !dense;
  const double per_row = sizeof(double) * static_cast<double>(core);
  switch (operand_layout(shape, dtype, lead, dense)) {
    case Layout::kInPlace:
      return 0;
    case Layout::kWidened:
      return shared ? per_row : per_row * static_cast<double>(product(lead));
    case Layout::kBroadcast:
      return per_row * static_cast<double>(product(lead));
  }
  return 0;
}

FloatOperand float_operand(const char* name, const xffi::AnyBuffer& buf, xffi::DataType dtype,
                           std::int64_t core, const Dims& lead, bool dense, bool float64_bits) {
  const OperandShape shape = check_operand(name, buf, dtype, core, lead, float64_bits);
  const bool shared = all_ones(shape.batch) && !dense;
  FloatOperand out;
  out.stride = shared ? 0 : static_cast<long>(core);
  switch (operand_layout(shape, dtype, lead, dense)) {
    case Layout::kInPlace:
      out.data = static_cast<const double*>(buf.untyped_data());
      return out;
    case Layout::kWidened: {
      const std::int64_t count = shared ? core : product(lead) * core;
      out.storage.resize(count);
      for (std::int64_t i = 0; i < count; ++i) out.storage[i] = element(buf, i);
      break;
    }
    case Layout::kBroadcast: {
      const std::int64_t rows = core == 0 ? 0 : product(lead);
      const BlockOffsets offset(shape.batch, lead);
      out.storage.resize(rows * core);
      for (std::int64_t k = 0; k < rows; ++k)
        for (std::int64_t i = 0; i < core; ++i)
          out.storage[k * core + i] = element(buf, offset(k) * core + i);
      break;
    }
  }
  out.data = out.storage.data();
  return out;
}

std::vector<std::int32_t> int_operand(const char* name, const xffi::AnyBuffer& buf,
                                      const Dims& lead) {
  if (buf.element_type() != xffi::DataType::S32) fail(std::string(name) + " must be int32");
  const Dims op = all_dims(buf);
  if (op.size() > lead.size())
    fail(std::string(name) + " has more batch dimensions than the batch");
  broadcast_dims(lead, op, name);
  const BlockOffsets offset(op, lead);
  std::vector<std::int32_t> out(product(lead));
  const auto* src = static_cast<const std::int32_t*>(buf.untyped_data());
  for (std::int64_t k = 0; k < static_cast<std::int64_t>(out.size()); ++k) out[k] = src[offset(k)];
  return out;
}

void check_output(const char* name, const xffi::AnyBuffer& buf, xffi::DataType dtype,
                  const Dims& lead, std::int64_t core, bool has_core) {
  Dims want = lead;
  if (has_core) want.push_back(core);
  if (buf.element_type() != dtype) fail(std::string("output ") + name + " has the wrong dtype");
  if (all_dims(buf) != want)
    fail(std::string("output ") + name + " has shape " + dims_string(all_dims(buf)) +
         ", expected " + dims_string(want));
}

std::int64_t check_float64_bits_output(const char* name, const xffi::AnyBuffer& buf,
                                       const Dims& lead, std::int64_t core) {
  if (buf.element_type() != xffi::DataType::U32)
    fail(std::string("output ") + name + " has the wrong dtype");
  const Dims dims = all_dims(buf);
  Dims want = lead;
  want.push_back(dims.empty() || dims.back() == 0 ? 0 : 2 * core);
  if (dims != want)
    fail(std::string("output ") + name + " has shape " + dims_string(dims) + ", expected " +
         dims_string(want) + " (or a last dimension of 0)");
  return want.back() / 2;
}

void store(const std::vector<double>& values, xffi::AnyBuffer& out) {
  if (out.element_type() == xffi::DataType::F64) {
    std::copy(values.begin(), values.end(), static_cast<double*>(out.untyped_data()));
    return;
  }
  auto* dst = static_cast<float*>(out.untyped_data());
  for (size_t i = 0; i < values.size(); ++i) dst[i] = static_cast<float>(values[i]);
}

}  // namespace batchcone::ffi_support
