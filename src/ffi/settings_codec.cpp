// SPDX-License-Identifier: Apache-2.0
#include "ffi/settings_codec.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

namespace batchcone::ffi_support {
namespace {

// An integer field's value: integral and in int's range (a cast of anything else is undefined).
int as_int(const char* name, double v) {
  if (v != std::floor(v) || v < -2147483648.0 || v > 2147483647.0)
    throw std::invalid_argument(std::string("batchcone: setting ") + name + " = " +
                                std::to_string(v) + " is not an integer in int's range");
  return static_cast<int>(v);
}

// One row per field: its name and how to store a double into Settings and read it back.
struct Field {
  const char* name;
  void (*set)(Settings&, double);
  double (*get)(const Settings&);
};

// clang-format off
#define BC_GET(f) [](const Settings& s) { return static_cast<double>(s.f); }
#define BC_REAL(f) {#f, [](Settings& s, double v) { s.f = v; }, BC_GET(f)}
#define BC_INT(f) {#f, [](Settings& s, double v) { s.f = as_int(#f, v); }, BC_GET(f)}
#define BC_BOOL(f) {#f, [](Settings& s, double v) { s.f = v != 0.0; }, BC_GET(f)}
#define BC_ENUM(f, T) {#f, [](Settings& s, double v) { s.f = static_cast<T>(as_int(#f, v)); }, BC_GET(f)}
// clang-format on
const Field kFields[] = {
    BC_INT(max_iter),
    BC_REAL(max_step_fraction),
    BC_REAL(tol_gap_abs),
    BC_REAL(tol_gap_rel),
    BC_REAL(tol_feas),
    BC_REAL(tol_infeas_abs),
    BC_REAL(tol_infeas_rel),
    BC_REAL(tol_ktratio),
    BC_REAL(reduced_tol_gap_abs),
    BC_REAL(reduced_tol_gap_rel),
    BC_REAL(reduced_tol_feas),
    BC_REAL(reduced_tol_infeas_abs),
    BC_REAL(reduced_tol_infeas_rel),
    BC_REAL(reduced_tol_ktratio),
    BC_BOOL(equilibrate_enable),
    BC_INT(equilibrate_max_iter),
    BC_REAL(equilibrate_min_scaling),
    BC_REAL(equilibrate_max_scaling),
    BC_REAL(min_terminate_step_length),
    BC_REAL(min_switch_step_length),
    BC_REAL(linesearch_backtrack_step),
    BC_BOOL(static_regularization_enable),
    BC_REAL(static_regularization_constant),
    BC_REAL(static_regularization_proportional),
    BC_BOOL(dynamic_regularization_enable),
    BC_REAL(dynamic_regularization_eps),
    BC_REAL(dynamic_regularization_delta),
    BC_BOOL(iterative_refinement_enable),
    BC_REAL(iterative_refinement_reltol),
    BC_REAL(iterative_refinement_abstol),
    BC_INT(iterative_refinement_max_iter),
    BC_REAL(iterative_refinement_stop_ratio),
    BC_BOOL(polish_enable),
    BC_INT(polish_max_iter),
    BC_ENUM(qp_method, QpMethod),
    BC_BOOL(verbose),
    BC_INT(num_threads),
    BC_BOOL(nonfinite_as_status),
};
#undef BC_GET
#undef BC_REAL
#undef BC_INT
#undef BC_BOOL
#undef BC_ENUM

std::string joined_names() {
  std::string out;
  for (const Field& f : kFields) out += (out.empty() ? "" : ",") + std::string(f.name);
  return out;
}

}  // namespace

const char* settings_fields() {
  static const std::string names = joined_names();
  return names.c_str();
}

std::size_t settings_field_count() { return sizeof(kFields) / sizeof(kFields[0]); }

std::vector<double> encode_settings(const Settings& settings) {
  std::vector<double> out;
  for (const Field& f : kFields) out.push_back(f.get(settings));
  return out;
}

Settings decode_settings(const double* values, std::size_t count) {
  if (count != settings_field_count())
    throw std::invalid_argument("batchcone: settings attribute has " + std::to_string(count) +
                                " values, expected " + std::to_string(settings_field_count()));
  Settings s;
  for (std::size_t i = 0; i < count; ++i) {
    if (!std::isfinite(values[i]))
      throw std::invalid_argument(std::string("batchcone: setting ") + kFields[i].name +
                                  " is not finite");
    kFields[i].set(s, values[i]);
  }
  validate(s);
  return s;
}

}  // namespace batchcone::ffi_support
