#include "util/shared_library.hpp"

#include <dlfcn.h>

#include "util/error.hpp"

namespace jira_alerts::util {

SharedLibrary::SharedLibrary(const char* soname, std::string purpose)
    : handle_(dlopen(soname, RTLD_NOW | RTLD_LOCAL)),
      soname_(soname),
      purpose_(std::move(purpose)) {
  if (handle_ == nullptr) {
    const char* why = dlerror();
    throw Error(purpose_ + " needs " + soname_ +
                ", which cannot be loaded: " + (why != nullptr ? why : "unknown reason"));
  }
}

void* SharedLibrary::address(const char* name) const {
  dlerror();
  void* found = dlsym(handle_, name);
  if (found == nullptr)
    throw Error(purpose_ + " needs " + name + " from " + soname_ + ", which it lacks");
  return found;
}

}  // namespace jira_alerts::util
