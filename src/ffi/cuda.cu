// SPDX-License-Identifier: Apache-2.0
// XLA FFI handlers for the CUDA platform, under the same target names as the CPU ones and in
// the same library (so both see one structure registry).
//
//   batchcone_solve: runs cuda_solve on XLA's stream with a workspace from XLA's scratch
//   allocator. Operands are device buffers, broadcast numpy-style over the batch dimensions (a
//   shared operand is read with stride 0); float32 is widened on the device.
//   batchcone_kkt_solve / batchcone_kkt_multiply (derivatives): cuda_kkt_solve / cuda_kkt_multiply
//   at the solution, likewise.
// Broadcasting, dtype and shape checks and their messages are the CPU handlers' (operands.hpp);
// broadcast operands are gathered into dense rows on the device. Non-finite values are found by
// the CUDA backend itself (device_backend.hpp, check_finite) with the CPU's messages.
#include <cuda_runtime.h>

#include <algorithm>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "backend/cuda/cuda_check.hpp"
#include "batchcone/cuda.hpp"
#include "batchcone/diff.hpp"
#include "core/memory.hpp"
#include "ffi/c_api.hpp"
#include "ffi/operands.hpp"
#include "ffi/pointer_api.hpp"
#include "ffi/registry.hpp"
#include "ffi/settings_codec.hpp"
#include "xla/ffi/api/ffi.h"

namespace ffi = ::xla::ffi;

namespace batchcone::ffi_support {
namespace {

__global__ void widen_kernel(const float* in, double* out, long n) {
  const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = in[i];
}

__global__ void narrow_kernel(const double* in, float* out, long n) {
  const long i = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (i < n) out[i] = static_cast<float>(in[i]);
}

int blocks_for(long n) { return static_cast<int>((n + 255) / 256); }

// Scratch memory for one call, from XLA's allocator. It counts what the call has taken, so that
// a failed allocation reports the call's whole need, per problem, and a batch size that fits.
class Scratch {
 public:
  Scratch(ffi::ScratchAllocator& allocator, std::int64_t batch)
      : allocator_(allocator), batch_(batch) {}

  void* get(std::size_t bytes) {
    used_ += static_cast<double>(bytes);
    std::optional<void*> p = allocator_.Allocate(bytes == 0 ? 8 : bytes, 16);
    if (!p.has_value()) fail();
    return *p;
  }

 private:
  // XLA's allocator holds most of the device in its own pool, so the device's total memory is
  // the scale of what a call may hope for (XLA_PYTHON_CLIENT_MEM_FRACTION sets the pool's share).
  [[noreturn]] void fail() const {
    std::size_t free = 0, total = 0;
    cudaGetLastError();
    if (cudaMemGetInfo(&free, &total) != cudaSuccess) total = 0;
    throw core::OutOfMemory(core::memory_message("the call's device scratch", used_, total,
                                                 static_cast<long>(batch_), "device") +
                            " (of the device's total; XLA's pool holds a share of it)");
  }

  ffi::ScratchAllocator& allocator_;
  std::int64_t batch_;
  double used_ = 0;
};

// A device operand as the solver reads it: float64, problem k at data + k·stride.
struct DeviceOperand {
  const double* data;
  long stride;
};

// out[k·core + i] = in[offsets[k]·core + i] as float64: the dense rows of an operand broadcast
// over the batch (T: float widened, or double, which also carries float64 bits).
template <class T, class U>
__global__ void gather_kernel(const T* in, const std::int64_t* offsets, long core, long total,
                              U* out) {
  const long t = static_cast<long>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (t < total) out[t] = static_cast<U>(in[offsets[t / core] * core + t % core]);
}

// The rows of `buf` (core `core` elements of type T each) for every problem of `lead`, dense, in
// scratch: the numpy broadcasting the CPU handlers apply (operands.hpp).
template <class T, class U>
U* gather_rows(const ffi::AnyBuffer& buf, std::int64_t core, const Dims& op, const Dims& lead,
               Scratch& scratch, cudaStream_t stream) {
  if (core == 0) return static_cast<U*>(scratch.get(0));  // (no rows to gather: an LP's P_vals)
  // Device memory first, then the host's table of offsets: a batch too large fails before either
  // is filled.
  const std::int64_t rows = product(lead);
  const long total = static_cast<long>(rows * core);
  auto* out = static_cast<U*>(scratch.get(sizeof(U) * total));
  auto* dev_offsets = static_cast<std::int64_t*>(scratch.get(sizeof(std::int64_t) * rows));
  core::check_memory("the broadcast offsets", sizeof(std::int64_t) * static_cast<double>(rows),
                     core::host_memory_available(), static_cast<long>(rows));
  const std::vector<std::int64_t> offsets = block_offsets(op, lead);
  // Pageable source: the copy is staged before the call returns, so `offsets` may go.
  check_cuda(cudaMemcpyAsync(dev_offsets, offsets.data(), sizeof(std::int64_t) * offsets.size(),
                             cudaMemcpyHostToDevice, stream),
             "upload broadcast offsets");
  if (total > 0)  // (a launch of no blocks is an error)
    gather_kernel<<<blocks_for(total), 256, 0, stream>>>(static_cast<const T*>(buf.untyped_data()),
                                                         dev_offsets, core, total, out);
  return out;
}

// Whether batch dimensions `op` are laid out as `lead` (equal after leading 1s).
bool same_layout(const Dims& op, const Dims& lead) {
  return op.size() <= lead.size() && product(op) == product(lead) &&
         std::equal(op.begin(), op.end(), lead.end() - op.size());
}

// As float_operand (operands.hpp) on device buffers, with the same checks (check_operand): read
// in place when laid out as the batch (float64) or shared by it (stride 0, unless `dense`), else
// widened or broadcast into scratch.
DeviceOperand device_operand(const char* name, const ffi::AnyBuffer& buf, ffi::DataType dtype,
                             std::int64_t core, const Dims& lead, Scratch& scratch,
                             cudaStream_t stream, bool dense = false, bool float64_bits = false) {
  const auto [op, bits] = check_operand(name, buf, dtype, core, lead, float64_bits);
  const bool wide = bits || dtype == ffi::DataType::F64;
  const bool shared = product(op) == 1 && !dense;
  if (same_layout(op, lead) || shared) {
    const long rows = shared ? 1 : static_cast<long>(product(lead));
    const long stride = shared ? 0 : static_cast<long>(core);
    if (wide) return {static_cast<const double*>(buf.untyped_data()), stride};
    auto* out = static_cast<double*>(scratch.get(sizeof(double) * rows * core));
    if (rows * core > 0)  // (a launch of no blocks is an error: an LP's P_vals)
      widen_kernel<<<blocks_for(rows * core), 256, 0, stream>>>(
          static_cast<const float*>(buf.untyped_data()), out, rows * core);
    return {out, stride};
  }
  const double* rows = wide ? gather_rows<double, double>(buf, core, op, lead, scratch, stream)
                            : gather_rows<float, double>(buf, core, op, lead, scratch, stream);
  return {rows, static_cast<long>(core)};
}

// Per-problem statuses (int32, no core dimension) over `lead`, broadcast like device_operand.
const std::int32_t* device_status(const ffi::AnyBuffer& buf, const Dims& lead, Scratch& scratch,
                                  cudaStream_t stream) {
  if (buf.element_type() != ffi::DataType::S32)
    throw std::invalid_argument("batchcone: status must be int32");
  const auto d = buf.dimensions();
  const Dims op(d.begin(), d.end());
  if (op.size() > lead.size())
    throw std::invalid_argument("batchcone: status has more batch dimensions than the batch");
  broadcast_dims(lead, op, "status");
  if (same_layout(op, lead)) return static_cast<const std::int32_t*>(buf.untyped_data());
  return gather_rows<std::int32_t, std::int32_t>(buf, 1, op, lead, scratch, stream);
}

// The data (P_vals, c, A_vals, b) as the solver reads it on the device, over `lead`.
BatchData device_data(const Structure& st, ffi::DataType dtype, const Dims& lead,
                      const ffi::AnyBuffer& P, const ffi::AnyBuffer& c, const ffi::AnyBuffer& A,
                      const ffi::AnyBuffer& b, Scratch& scratch, cudaStream_t stream) {
  const DeviceOperand dP = device_operand("P_vals", P, dtype, st.nnz_P(), lead, scratch, stream);
  const DeviceOperand dc = device_operand("c", c, dtype, st.n(), lead, scratch, stream);
  const DeviceOperand dA = device_operand("A_vals", A, dtype, st.nnz_A(), lead, scratch, stream);
  const DeviceOperand db = device_operand("b", b, dtype, st.m(), lead, scratch, stream);
  const int batch = static_cast<int>(product(lead));
  return {batch, dP.data, dP.stride, dc.data, dc.stride, dA.data, dA.stride, db.data, db.stride};
}

// Runs a handler body and maps its outcome to an FFI error: bad arguments, other exceptions,
// then any launch error left on the stream's device.
template <class Body>
ffi::Error guarded(Body&& body) {
  try {
    body();
    const cudaError_t err = cudaGetLastError();
    if (err != cudaSuccess) return ffi::Error::Internal(cudaGetErrorString(err));
    return ffi::Error::Success();
  } catch (const std::invalid_argument& e) {
    return ffi::Error::InvalidArgument(e.what());
  } catch (const core::OutOfMemory& e) {
    return ffi::Error(ffi::ErrorCode::kResourceExhausted, e.what());
  } catch (const std::exception& e) {
    return ffi::Error::Internal(e.what());
  }
}

// The float64 buffer the solver writes an output into (the output itself when it is float64).
double* output_buffer(ffi::AnyBuffer& out, Scratch& scratch) {
  if (out.element_type() == ffi::DataType::F64) return static_cast<double*>(out.untyped_data());
  return static_cast<double*>(scratch.get(sizeof(double) * out.element_count()));
}

// The float64 values into an optional uint32-pair output (check_float64_bits_output).
void copy_float64_bits(const double* values, std::int64_t count, ffi::AnyBuffer& out,
                       cudaStream_t stream) {
  if (count > 0)
    check_cuda(cudaMemcpyAsync(out.untyped_data(), values, sizeof(double) * count,
                               cudaMemcpyDeviceToDevice, stream),
               "copy the float64 solution");
}

void narrow_into(const double* values, ffi::AnyBuffer& out, cudaStream_t stream) {
  if (out.element_type() == ffi::DataType::F64) return;
  const long n = static_cast<long>(out.element_count());
  if (n == 0) return;
  narrow_kernel<<<blocks_for(n), 256, 0, stream>>>(values, static_cast<float*>(out.untyped_data()),
                                                   n);
}

ffi::Error solve_cuda(cudaStream_t stream, ffi::ScratchAllocator allocator, ffi::AnyBuffer P,
                      ffi::AnyBuffer c, ffi::AnyBuffer A, ffi::AnyBuffer b,
                      ffi::Result<ffi::AnyBuffer> x, ffi::Result<ffi::AnyBuffer> z,
                      ffi::Result<ffi::AnyBuffer> s, ffi::Result<ffi::AnyBuffer> status,
                      ffi::Result<ffi::AnyBuffer> iterations, ffi::Result<ffi::AnyBuffer> objective,
                      ffi::Result<ffi::AnyBuffer> x64, ffi::Result<ffi::AnyBuffer> z64,
                      ffi::Result<ffi::AnyBuffer> s64, std::int64_t key,
                      ffi::Span<const double> settings_attr) {
  return guarded([&] {
    const auto structure = find_structure(key);
    const Structure& st = *structure;
    const Settings settings = decode_settings(settings_attr.begin(), settings_attr.size());
    const ffi::DataType dtype = float_dtype(c);
    const Dims lead = data_batch_dims(P, c, A, b);
    Scratch scratch(allocator, product(lead));
    const BatchData data = device_data(st, dtype, lead, P, c, A, b, scratch, stream);
    check_output("x", *x, dtype, lead, st.n());
    check_output("z", *z, dtype, lead, st.m());
    check_output("s", *s, dtype, lead, st.m());
    check_output("status", *status, ffi::DataType::S32, lead, 0, false);
    check_output("iterations", *iterations, ffi::DataType::S32, lead, 0, false);
    check_output("objective", *objective, dtype, lead, 0, false);
    const std::int64_t B = product(lead);
    const std::int64_t nx64 = B * check_float64_bits_output("x64", *x64, lead, st.n());
    const std::int64_t nz64 = B * check_float64_bits_output("z64", *z64, lead, st.m());
    const std::int64_t ns64 = B * check_float64_bits_output("s64", *s64, lead, st.m());
    double *ox = output_buffer(*x, scratch), *oz = output_buffer(*z, scratch),
           *os = output_buffer(*s, scratch), *oobj = output_buffer(*objective, scratch);
    const std::size_t bytes = cuda_workspace_bytes(st, data.batch);
    void* workspace = scratch.get(bytes);
    cuda_solve(st, settings, data,
               {ox, oz, os, static_cast<std::int32_t*>(status->untyped_data()),
                static_cast<std::int32_t*>(iterations->untyped_data()), oobj},
               workspace, bytes, stream);
    copy_float64_bits(ox, nx64, *x64, stream), copy_float64_bits(oz, nz64, *z64, stream);
    copy_float64_bits(os, ns64, *s64, stream);
    narrow_into(ox, *x, stream), narrow_into(oz, *z, stream), narrow_into(os, *s, stream);
    narrow_into(oobj, *objective, stream);
  });
}

// On the GPU the vectors' grouping by problem (operands.hpp, kkt_batch) pays once the
// problems alone fill a good part of the device; below that every vector is a problem of its own
// (one thread each) rather than `count` launches over few threads.
constexpr std::int64_t kGpuGroupMinProblems = 4096;

// K⁻¹v or Kv at each problem's solution (for float32 callers: at the float64 solution the solve
// returned as uint32 pairs, see cpu.cc), with the CPU handler's broadcasting: the solution and the
// vectors may carry batch dimensions the data does not (vmap over tangents only).
template <bool kMultiply>
ffi::Error kkt_cuda(cudaStream_t stream, ffi::ScratchAllocator allocator, ffi::AnyBuffer P,
                    ffi::AnyBuffer c, ffi::AnyBuffer A, ffi::AnyBuffer b, ffi::AnyBuffer x,
                    ffi::AnyBuffer z, ffi::AnyBuffer s, ffi::AnyBuffer status, ffi::AnyBuffer vx,
                    ffi::AnyBuffer vz, ffi::Result<ffi::AnyBuffer> ox,
                    ffi::Result<ffi::AnyBuffer> oz, std::int64_t key,
                    ffi::Span<const double> settings_attr) {
  return guarded([&] {
    const auto structure = find_structure(key);
    const Structure& st = *structure;
    const Settings settings = decode_settings(settings_attr.begin(), settings_attr.size());
    const ffi::DataType dtype = float_dtype(c);
    const KktBatch kb = kkt_batch(P, c, A, b, x, z, s, status, vx, vz, kGpuGroupMinProblems);
    const Dims &lead = kb.lead, &problems = kb.problems;
    Scratch scratch(allocator, product(lead));
    const BatchData data = device_data(st, dtype, problems, P, c, A, b, scratch, stream);
    const DeviceOperand sx =
        device_operand("x", x, dtype, st.n(), problems, scratch, stream, true, true);
    const DeviceOperand sz =
        device_operand("z", z, dtype, st.m(), problems, scratch, stream, true, true);
    const DeviceOperand ss =
        device_operand("s", s, dtype, st.m(), problems, scratch, stream, true, true);
    const std::int32_t* stat = device_status(status, problems, scratch, stream);
    const DeviceOperand vxs = device_operand("v_x", vx, dtype, st.n(), lead, scratch, stream, true);
    const DeviceOperand vzs = device_operand("v_z", vz, dtype, st.m(), lead, scratch, stream, true);
    check_output("out_x", *ox, dtype, lead, st.n());
    check_output("out_z", *oz, dtype, lead, st.m());
    double *rx = output_buffer(*ox, scratch), *rz = output_buffer(*oz, scratch);
    const std::size_t bytes = cuda_workspace_bytes(st, data.batch);
    void* workspace = scratch.get(bytes);
    const SolutionView sol{sx.data, sz.data, ss.data, stat};
    const KktVectors vectors{vxs.data, vzs.data, kb.count};
    if (kMultiply)
      cuda_kkt_multiply(st, settings, data, sol, vectors, {rx, rz}, workspace, bytes, stream);
    else
      cuda_kkt_solve(st, settings, data, sol, vectors, {rx, rz}, workspace, bytes, stream);
    narrow_into(rx, *ox, stream), narrow_into(rz, *oz, stream);
  });
}

}  // namespace
}  // namespace batchcone::ffi_support

XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeSolveCuda, batchcone::ffi_support::solve_cuda,
                              ffi::Ffi::Bind()
                                  .Ctx<ffi::PlatformStream<cudaStream_t>>()
                                  .Ctx<ffi::ScratchAllocator>()
                                  .Arg<ffi::AnyBuffer>()  // P_vals
                                  .Arg<ffi::AnyBuffer>()  // c
                                  .Arg<ffi::AnyBuffer>()  // A_vals
                                  .Arg<ffi::AnyBuffer>()  // b
                                  .Ret<ffi::AnyBuffer>()  // x
                                  .Ret<ffi::AnyBuffer>()  // z
                                  .Ret<ffi::AnyBuffer>()  // s
                                  .Ret<ffi::AnyBuffer>()  // status
                                  .Ret<ffi::AnyBuffer>()  // iterations
                                  .Ret<ffi::AnyBuffer>()  // objective
                                  .Ret<ffi::AnyBuffer>()  // x64 (uint32 pairs, or empty)
                                  .Ret<ffi::AnyBuffer>()  // z64
                                  .Ret<ffi::AnyBuffer>()  // s64
                                  .Attr<std::int64_t>("structure_key")
                                  .Attr<ffi::Span<const double>>("settings"));

#define BC_KKT_CUDA_BINDING                     \
  ffi::Ffi::Bind()                              \
      .Ctx<ffi::PlatformStream<cudaStream_t>>() \
      .Ctx<ffi::ScratchAllocator>()             \
      .Arg<ffi::AnyBuffer>() /* P_vals */       \
      .Arg<ffi::AnyBuffer>() /* c */            \
      .Arg<ffi::AnyBuffer>() /* A_vals */       \
      .Arg<ffi::AnyBuffer>() /* b */            \
      .Arg<ffi::AnyBuffer>() /* x */            \
      .Arg<ffi::AnyBuffer>() /* z */            \
      .Arg<ffi::AnyBuffer>() /* s */            \
      .Arg<ffi::AnyBuffer>() /* status */       \
      .Arg<ffi::AnyBuffer>() /* v_x */          \
      .Arg<ffi::AnyBuffer>() /* v_z */          \
      .Ret<ffi::AnyBuffer>() /* out_x */        \
      .Ret<ffi::AnyBuffer>() /* out_z */        \
      .Attr<std::int64_t>("structure_key")      \
      .Attr<ffi::Span<const double>>("settings")

XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeKktSolveCuda, batchcone::ffi_support::kkt_cuda<false>,
                              BC_KKT_CUDA_BINDING);
XLA_FFI_DEFINE_HANDLER_SYMBOL(BatchconeKktMultiplyCuda, batchcone::ffi_support::kkt_cuda<true>,
                              BC_KKT_CUDA_BINDING);

// ---- the CUDA pointer API (pointer_api.hpp, c_api.hpp) ------------------------------------------

namespace {

namespace fs = batchcone::ffi_support;

// One CUDA entry point: the problem resolved (pointer_problem), the caller's workspace checked
// against cuda_workspace_bytes, run(problem, stream), then any launch error left on the device;
// exceptions become the API's error codes.
template <class Run>
int cuda_call(char* err, int errlen, std::int64_t key, const double* settings,
              std::int64_t settings_len, const fs::PointerOperands& in,
              std::int64_t workspace_bytes, void* stream, Run&& run) {
  return fs::pointer_call(err, errlen, [&] {
    const fs::PointerProblem pr = fs::pointer_problem(key, settings, settings_len, in);
    const std::size_t need = batchcone::cuda_workspace_bytes(*pr.structure, pr.data.batch);
    if (workspace_bytes < 0 || static_cast<std::size_t>(workspace_bytes) < need)
      throw std::invalid_argument("batchcone: the workspace has " +
                                  std::to_string(workspace_bytes) + " bytes; this batch needs " +
                                  std::to_string(need));
    run(pr, static_cast<cudaStream_t>(stream));
    const cudaError_t e = cudaGetLastError();
    if (e != cudaSuccess) throw std::runtime_error(cudaGetErrorString(e));
  });
}

}  // namespace

extern "C" {

__attribute__((visibility("default"))) std::int64_t batchcone_cuda_workspace_bytes(
    std::int64_t key, std::int64_t batch, char* err, int errlen) {
  std::int64_t bytes = -1;
  const int rc = fs::pointer_call(err, errlen, [&] {
    const int b = fs::checked_batch(batch);
    bytes = static_cast<std::int64_t>(batchcone::cuda_workspace_bytes(*fs::find_structure(key), b));
  });
  return rc == 0 ? bytes : -1;
}

__attribute__((visibility("default"))) int batchcone_solve_cuda_f64(
    std::int64_t key, const double* settings, std::int64_t settings_len, std::int64_t batch,
    const double* P, std::int64_t P_stride, const double* c, std::int64_t c_stride, const double* A,
    std::int64_t A_stride, const double* b, std::int64_t b_stride, double* x, double* z, double* s,
    std::int32_t* status, std::int32_t* iterations, double* objective, void* workspace,
    std::int64_t workspace_bytes, void* stream, char* err, int errlen) {
  return cuda_call(err, errlen, key, settings, settings_len,
                   {batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride}, workspace_bytes,
                   stream, [&](const fs::PointerProblem& pr, cudaStream_t s_) {
                     batchcone::cuda_solve(*pr.structure, pr.settings, pr.data,
                                           {x, z, s, status, iterations, objective}, workspace,
                                           static_cast<std::size_t>(workspace_bytes), s_);
                   });
}

__attribute__((visibility("default"))) int batchcone_kkt_solve_cuda_f64(
    std::int64_t key, const double* settings, std::int64_t settings_len, std::int64_t batch,
    const double* P, std::int64_t P_stride, const double* c, std::int64_t c_stride, const double* A,
    std::int64_t A_stride, const double* b, std::int64_t b_stride, const double* x, const double* z,
    const double* s, const std::int32_t* status, const double* rx, const double* rz, double* ox,
    double* oz, void* workspace, std::int64_t workspace_bytes, void* stream, char* err,
    int errlen) {
  return cuda_call(err, errlen, key, settings, settings_len,
                   {batch, P, P_stride, c, c_stride, A, A_stride, b, b_stride}, workspace_bytes,
                   stream, [&](const fs::PointerProblem& pr, cudaStream_t s_) {
                     batchcone::cuda_kkt_solve(*pr.structure, pr.settings, pr.data,
                                               {x, z, s, status}, {rx, rz, 1}, {ox, oz}, workspace,
                                               static_cast<std::size_t>(workspace_bytes), s_);
                   });
}

}  // extern "C"
