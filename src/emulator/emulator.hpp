#pragma once
// The emulator's public face: start a local Azure (AAD + ARM + Azure ML) and stop it.
// Nothing under include/converge is visible here: the emulator is an independent reading
// of the contract in ../shared/reference/azure-ml-rest.
#include <string>

namespace emulator {

/// The emulator library's version string (it is versioned with converge).
std::string describe();

}  // namespace emulator
