// SPDX-License-Identifier: Apache-2.0
// Structure validation: every fault gets a message naming the array, the index and the rule.
#include <sstream>
#include <stdexcept>
#include <string>

#include "symbolic.hpp"

namespace batchcone::detail {
namespace {

[[noreturn]] void fail(const std::string& msg) { throw std::invalid_argument("batchcone: " + msg); }

template <class T>
std::string str(const T& v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

// Checks one CSC pattern with `ncols` columns and rows in [0, nrows); if `upper`, rows ≤ col.
void validate_csc(const char* name, int nrows, int ncols, const std::vector<int>& colptr,
                  const std::vector<int>& rowval, bool upper) {
  const std::string n(name);
  if (colptr.size() != static_cast<size_t>(ncols) + 1)
    fail(n + "_colptr has length " + str(colptr.size()) +
         ", expected n+1 = " + str(static_cast<long long>(ncols) + 1));
  if (colptr[0] != 0) fail(n + "_colptr[0] is " + str(colptr[0]) + ", expected 0");
  for (int j = 0; j < ncols; ++j)
    if (colptr[j + 1] < colptr[j])
      fail(n + "_colptr is decreasing at column " + str(j) + " (" + str(colptr[j]) + " > " +
           str(colptr[j + 1]) + ")");
  if (static_cast<size_t>(colptr[ncols]) != rowval.size())
    fail(n + "_colptr[n] is " + str(colptr[ncols]) + " but " + n + "_rowval has " +
         str(rowval.size()) + " entries");
  for (int j = 0; j < ncols; ++j) {
    for (int p = colptr[j]; p < colptr[j + 1]; ++p) {
      const int i = rowval[p];
      // The message's prefix, built only for a failure (formatting per entry would cost more
      // than the whole symbolic analysis on large patterns).
      auto where = [&] {
        return n + "_rowval[" + str(p) + "] = " + str(i) + " (column " + str(j) + ")";
      };
      if (i < 0 || i >= nrows) fail(where() + " is out of range [0, " + str(nrows) + ")");
      if (upper && i > j) fail(where() + " is below the diagonal: P must be upper triangular");
      if (p > colptr[j] && rowval[p - 1] >= i)
        fail(where() + " is not strictly increasing within its column (sorted, no duplicates)");
    }
  }
}

const char* cone_name(ConeKind k) {
  switch (k) {
    case ConeKind::Zero:
      return "Zero";
    case ConeKind::NonNeg:
      return "NonNeg";
    case ConeKind::SOC:
      return "SOC";
    case ConeKind::PSD:
      return "PSD";
    case ConeKind::Exp:
      return "Exp";
    case ConeKind::Pow:
      return "Pow";
  }
  return "unknown";
}

// The KKT pattern lists triu(P), Aᵀ, a diagonal, the dense upper triangle of every PSD,
// exponential, power and small SOC block, and two columns of d entries per expanded SOC (see
// kkt_pattern.cpp). Its order and entry count are int32 throughout the kernels, so a structure
// whose counts overflow is rejected here, in 64-bit arithmetic, before anything is allocated.
void validate_kkt_size(const StructureSpec& spec) {
  constexpr long long kMax = 2147483647LL;
  long long order = static_cast<long long>(spec.n) + spec.m;
  long long entries = static_cast<long long>(spec.P_rowval.size()) + spec.A_rowval.size();
  for (const Cone& k : spec.cones) {
    const long long d = cone_rows(k);
    if (k.kind == ConeKind::SOC && d >= kernels::kSocExpansionMinDim)
      order += 2, entries += 2 * d;
    else if (k.kind != ConeKind::Zero && k.kind != ConeKind::NonNeg)
      entries += d * (d + 1) / 2;
  }
  entries += order;
  if (order > kMax || entries > kMax)
    fail("the KKT system would have order " + str(order) + " and " + str(entries) +
         " stored entries, more than the 2^31 - 1 that int32 indices allow");
}

}  // namespace

int cone_rows(const Cone& k) {
  return k.kind == ConeKind::PSD ? static_cast<int>(static_cast<long long>(k.dim) * (k.dim + 1) / 2)
                                 : k.dim;
}

void validate_spec(const StructureSpec& spec) {
  if (spec.n < 0) fail("n = " + str(spec.n) + " is negative");
  if (spec.m < 0) fail("m = " + str(spec.m) + " is negative");
  validate_csc("P", spec.n, spec.n, spec.P_colptr, spec.P_rowval, true);
  validate_csc("A", spec.m, spec.n, spec.A_colptr, spec.A_rowval, false);
  long total = 0;
  for (size_t c = 0; c < spec.cones.size(); ++c) {
    const Cone& k = spec.cones[c];
    if (k.kind != ConeKind::Zero && k.kind != ConeKind::NonNeg && k.kind != ConeKind::SOC &&
        k.kind != ConeKind::PSD && k.kind != ConeKind::Exp && k.kind != ConeKind::Pow)
      fail("cones[" + str(c) + "] has unknown kind " + str(static_cast<int>(k.kind)) +
           " (supported: Zero, NonNeg, SOC, PSD, Exp, Pow)");
    if ((k.kind == ConeKind::Exp || k.kind == ConeKind::Pow) && k.dim != 3)
      fail("cones[" + str(c) + "] (" + cone_name(k.kind) + ") has dimension " + str(k.dim) +
           ", expected 3");
    if (k.kind == ConeKind::Pow && !(k.alpha > 0.0 && k.alpha < 1.0))
      fail("cones[" + str(c) + "] (Pow) has alpha " + std::to_string(k.alpha) +
           ", expected 0 < alpha < 1");
    if (k.dim < 1)
      fail("cones[" + str(c) + "] (" + cone_name(k.kind) + ") has dimension " + str(k.dim) +
           ", expected ≥ 1");
    if (k.kind == ConeKind::PSD && k.dim > 1000)
      fail("cones[" + str(c) + "] (PSD) has side " + str(k.dim) + ", larger than 1000");
    total += cone_rows(k);
  }
  if (total != spec.m)
    fail("cone dimensions sum to " + str(total) + " rows but m = " + str(spec.m) +
         (total != 0 ? " (a PSD cone of side k takes k(k+1)/2 rows)" : ""));
  validate_kkt_size(spec);
}

ConeArrays build_cone_arrays(const StructureSpec& spec) {
  ConeArrays out;
  int offset = 0;
  out.w_size = spec.m;  // NonNeg/SOC blocks are their own rows; PSD blocks follow
  for (const Cone& k : spec.cones) {
    const int rows = cone_rows(k);
    out.kind.push_back(k.kind == ConeKind::Zero     ? kernels::kZeroCone
                       : k.kind == ConeKind::NonNeg ? kernels::kNonNegCone
                       : k.kind == ConeKind::SOC    ? kernels::kSocCone
                       : k.kind == ConeKind::PSD    ? kernels::kPsdCone
                       : k.kind == ConeKind::Exp    ? kernels::kExpCone
                                                    : kernels::kPowCone);
    out.offset.push_back(offset);
    out.dim.push_back(rows);
    out.alpha.push_back(k.kind == ConeKind::Pow ? k.alpha : 0.0);
    const bool nonsym = k.kind == ConeKind::Exp || k.kind == ConeKind::Pow;
    if (k.kind == ConeKind::PSD || nonsym) {
      out.woff.push_back(out.w_size);
      out.w_size += nonsym ? kernels::kNonsymWSize : kernels::psd_w_size(k.dim);
    } else {
      out.woff.push_back(offset);
    }
    out.degree += (k.kind == ConeKind::NonNeg || k.kind == ConeKind::PSD) ? k.dim
                  : k.kind == ConeKind::SOC                               ? 1
                  : nonsym                                                ? 3
                                                                          : 0;
    out.nonsym += nonsym ? 1 : 0;
    offset += rows;
  }
  return out;
}

}  // namespace batchcone::detail
