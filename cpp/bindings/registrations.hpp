// One register_<area> function per binding file; module.cpp only calls them.
#pragma once

#include <pybind11/pybind11.h>

namespace perfbench::bindings {
void register_errors(pybind11::module_& m);
void register_build_info(pybind11::module_& m);
void register_clock(pybind11::module_& m);
void register_http_server(pybind11::module_& m);
void register_timing(pybind11::module_& m);
void register_histogram(pybind11::module_& m);
void register_workloads(pybind11::module_& m);
void register_load(pybind11::module_& m);
}  // namespace perfbench::bindings
