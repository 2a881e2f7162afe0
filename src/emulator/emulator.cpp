#include "emulator.hpp"

namespace emulator {

std::string describe() { return "converge emulator"; }

}  // namespace emulator
