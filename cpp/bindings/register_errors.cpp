// The one place C++ exceptions become Python exceptions.
#include <pybind11/pybind11.h>

#include "perfbench/http_server.hpp"
#include "perfbench/timing_loop.hpp"
#include "perfbench/workload.hpp"
#include "registrations.hpp"

namespace py = pybind11;

namespace perfbench::bindings {

void register_errors(py::module_& m) {
    static py::exception<UnknownWorkload> unknown_workload(m, "UnknownWorkloadError", PyExc_LookupError);
    static py::exception<HttpServerError> http_server_error(m, "HttpServerError", PyExc_OSError);
    py::register_exception_translator([](std::exception_ptr p) {
        try {
            if (p) std::rethrow_exception(p);
        } catch (const BodyFailed& e) {
            // The body is a Python callable whose exception is already set: re-raise it as is.
            if (PyErr_Occurred()) throw py::error_already_set();
            PyErr_SetString(PyExc_RuntimeError, e.what());
        } catch (const UnknownWorkload& e) {
            py::set_error(unknown_workload, e.what());
        } catch (const HttpServerError& e) {
            py::set_error(http_server_error, e.what());
        }
    });
}

}  // namespace perfbench::bindings
