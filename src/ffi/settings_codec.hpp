// SPDX-License-Identifier: Apache-2.0
// Settings cross the FFI as one float64 array attribute whose fields are listed, in order, by
// settings_fields() (the Python Settings reads that list, so the order lives only here).
#pragma once

#include <cstddef>
#include <vector>

#include "batchcone/settings.hpp"

namespace batchcone::ffi_support {

// Comma-separated field names, in attribute order.
const char* settings_fields();
std::size_t settings_field_count();

// The attribute of `settings` (the inverse of decode_settings; the Python side encodes its own).
std::vector<double> encode_settings(const Settings& settings);

// Throws std::invalid_argument if the count is wrong or a value is out of range.
Settings decode_settings(const double* values, std::size_t count);

}  // namespace batchcone::ffi_support
