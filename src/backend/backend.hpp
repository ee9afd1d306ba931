// SPDX-License-Identifier: Apache-2.0
// The Backend contract: the closed set of batched primitives the interior-point loop
// (src/core/ipm.hpp) calls. Each primitive applies one per-problem step from kernels/ipm to
// every problem that is still active; the loop never sees where memory lives. A backend is a
// type (selected at compile time, like a Thrust execution policy) providing:
//
//   void setup();                 copy + equilibrate every problem's data, initial point
//   int  check_termination();     residuals, info and termination of the active problems;
//                                 problems that finished leave the active set (masking);
//                                 returns how many remain active
//   void iterate();               one iteration of the active problems: cone scaling, KKT
//                                 assembly, LDLᵀ, predictor, corrector and the update
//                                 (with the exp/pow scaling-strategy retries inside)
//   int  finalize();              reduced-accuracy checks, polishing and unscaled outputs of the
//                                 problems not yet finished; returns how many of them resume
//                                 (active again) for a second run (kernels/ipm/finalize.hpp)
//
// A primitive may mark a problem failed (NumericalError, InsufficientProgress); later
// primitives skip it. Implementations: cpu/ (a thread pool over
// problems, contiguous per-problem storage). The CUDA backend implements the same contract
// with one thread per problem over batch-interleaved storage.
#pragma once

#include <type_traits>
#include <utility>

namespace batchcone::backend {

// True when B provides every primitive of the contract with the right signature.
template <class B, class = void>
struct is_backend : std::false_type {};

template <class B>
struct is_backend<B, std::void_t<decltype(std::declval<B&>().setup()),
                                 decltype(std::declval<B&>().iterate()),
                                 decltype(std::declval<B&>().finalize())>>
    : std::is_same<decltype(std::declval<B&>().check_termination()), int> {};

}  // namespace batchcone::backend
