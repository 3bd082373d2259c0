#include <pybind11/pybind11.h>

#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

namespace {
std::string compiler_name() {
#if defined(__clang__)
    return std::string("clang ") + __clang_version__;
#elif defined(__GNUC__)
    return std::string("GCC ") + __VERSION__;
#else
    return "unknown";
#endif
}
}  // namespace

void register_build_info(py::module_& m) {
    m.attr("__version__") = PERFBENCH_VERSION;
    m.def("build_info", [] {
        py::dict info;
        info["version"] = PERFBENCH_VERSION;
        info["compiler"] = compiler_name();
        info["cxx_flags"] = PERFBENCH_CXX_FLAGS;
        info["build_type"] = PERFBENCH_BUILD_TYPE;
        info["cxx_standard"] = __cplusplus;
        return info;
    });
}

}  // namespace perfbench::bindings
