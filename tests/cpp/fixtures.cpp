// SPDX-License-Identifier: Apache-2.0
#include "fixtures.hpp"

#include <fstream>
#include <map>
#include <sstream>
#include <stdexcept>

namespace batchcone::testing {
namespace {

template <class T>
std::vector<T> read_array(std::istream& in) {
  size_t count = 0;
  in >> count;
  std::vector<T> v(count);
  for (auto& x : v) {
    std::string tok;
    in >> tok;
    std::istringstream ts(tok);
    if constexpr (std::is_same_v<T, double>) x = std::stod(tok);
    else ts >> x;
  }
  return v;
}

std::vector<Cone> read_cones(std::istream& in) {
  size_t count = 0;
  in >> count;
  std::vector<Cone> cones;
  for (size_t i = 0; i < count; ++i) {
    std::string kind;
    int dim = 0;
    in >> kind;
    if (kind == "p") {  // power cone: the token after the kind is α
      double alpha = 0.0;
      in >> alpha;
      cones.push_back({ConeKind::Pow, 3, alpha});
      continue;
    }
    in >> dim;
    if (kind == "z") cones.push_back({ConeKind::Zero, dim});
    else if (kind == "e") cones.push_back({ConeKind::Exp, dim});
    else if (kind == "l") cones.push_back({ConeKind::NonNeg, dim});
    else if (kind == "q") cones.push_back({ConeKind::SOC, dim});
    else if (kind == "s") cones.push_back({ConeKind::PSD, dim});
    else throw std::runtime_error("fixture: unknown cone kind " + kind);
  }
  return cones;
}

void read_field(const std::string& key, std::istream& in, Fixture& f) {
  if (key == "n") in >> f.spec.n;
  else if (key == "m") in >> f.spec.m;
  else if (key == "P_colptr") f.spec.P_colptr = read_array<int>(in);
  else if (key == "P_rowval") f.spec.P_rowval = read_array<int>(in);
  else if (key == "P_vals") f.P_vals = read_array<double>(in);
  else if (key == "A_colptr") f.spec.A_colptr = read_array<int>(in);
  else if (key == "A_rowval") f.spec.A_rowval = read_array<int>(in);
  else if (key == "A_vals") f.A_vals = read_array<double>(in);
  else if (key == "c") f.c = read_array<double>(in);
  else if (key == "b") f.b = read_array<double>(in);
  else if (key == "cones") f.spec.cones = read_cones(in);
  else if (key == "status") in >> f.status;
  else if (key == "iterations") in >> f.iterations;
  else if (key == "objective") {
    std::string tok;
    in >> tok;
    f.objective = std::stod(tok);
  } else if (key == "x") f.x = read_array<double>(in);
  else if (key == "z") f.z = read_array<double>(in);
  else if (key == "s") f.s = read_array<double>(in);
  else throw std::runtime_error("fixture: unknown field " + key);
}

}  // namespace

std::vector<Fixture> load_fixtures(const std::string& family) {
  const std::string path = std::string(BATCHCONE_TEST_DATA) + "/" + family + ".txt";
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open fixture file " + path);
  std::vector<Fixture> out;
  std::string tok;
  while (in >> tok) {
    if (tok[0] == '#') {
      std::getline(in, tok);
      continue;
    }
    if (tok != "problem") throw std::runtime_error("fixture: expected 'problem', got " + tok);
    Fixture f;
    in >> f.name;
    while (in >> tok && tok != "end") read_field(tok, in, f);
    out.push_back(std::move(f));
  }
  return out;
}

}  // namespace batchcone::testing
