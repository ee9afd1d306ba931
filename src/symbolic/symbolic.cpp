// SPDX-License-Identifier: Apache-2.0
// make_structure: validation, then the symbolic analysis, once per structure.
#include "symbolic.hpp"

namespace batchcone {
namespace detail {

kernels::ConeTable Symbolic::cone_table() const {
  return {static_cast<int>(cones.kind.size()), cones.kind.data(), cones.offset.data(),
          cones.dim.data(), cones.woff.data(), cones.w_size, cones.degree, cones.nonsym,
          cones.alpha.data()};
}

kernels::LdlPlan Symbolic::plan() const {
  return {kkt.order,          kkt.kp.data(),          kkt.ki.data(),
          factor.lp.data(),   factor.li.data(),       factor.run_ptr.data(),
          factor.run_start.data(), factor.row_ptr.data(), factor.sched_col.data(),
          factor.sched_slot.data(), kkt.sign.data(), factor.dense_from};
}

kernels::KktMaps Symbolic::maps() const {
  return {spec.n,
          spec.m,
          kkt.order,
          static_cast<int>(kkt.ki.size()),
          kkt.perm.data(),
          kkt.iperm.data(),
          kkt.p_to_k.data(),
          kkt.a_to_k.data(),
          kkt.diag_to_k.data(),
          kkt.h_ptr.data(),
          kkt.h_slot.data(),
          kkt.expansion.data()};
}

kernels::CscPattern Symbolic::P() const {
  return {spec.n, spec.n, spec.P_colptr.data(), spec.P_rowval.data()};
}

kernels::CscPattern Symbolic::A() const {
  return {spec.m, spec.n, spec.A_colptr.data(), spec.A_rowval.data()};
}

}  // namespace detail

const StructureSpec& Structure::spec() const { return sym_->spec; }
int Structure::kkt_order() const { return sym_->kkt.order; }
int Structure::kkt_nnz() const { return static_cast<int>(sym_->kkt.ki.size()); }
int Structure::factor_nnz() const { return static_cast<int>(sym_->factor.li.size()); }

Structure make_structure(StructureSpec spec) {
  detail::validate_spec(spec);
  auto sym = std::make_shared<detail::Symbolic>();
  sym->spec = std::move(spec);
  sym->cones = detail::build_cone_arrays(sym->spec);
  sym->kkt = detail::build_kkt_pattern(sym->spec, sym->cones);
  sym->factor = detail::build_factor_schedule(sym->kkt.order, sym->kkt.kp, sym->kkt.ki);
  return Structure(std::move(sym));
}

}  // namespace batchcone
