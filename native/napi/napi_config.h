// Every binding file includes napi.h through this header, so that the
// node-addon-api options below hold in all of them.
#pragma once

// While a worker thread is being terminated, JavaScript cannot run: a job
// finishing then cannot resolve its promise, node-addon-api fails to throw
// the resulting error and, without this option, calls std::terminate, which
// takes the whole process down. With it, such an error is dropped (the
// worker, and its promise, are going away anyway).
#ifndef NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#define NODE_API_SWALLOW_UNTHROWABLE_EXCEPTIONS
#endif
#include <napi.h>
