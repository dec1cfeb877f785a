#pragma once
// A shared library opened when it is first needed (dlopen) rather than when the program
// starts. libcrypto and libarchive each cost about a millisecond of relocations and
// initialisers at start, which every `check` in a CI job would pay for nothing: only
// signed captures need the one and only compressed input the other.

#include <string>

namespace jira_alerts::util {

class SharedLibrary {
 public:
  // Opens SONAME (e.g. "libarchive.so.13"), needed for PURPOSE (e.g. "reading xz input");
  // throws Error naming both when the library cannot be loaded. It is never closed.
  SharedLibrary(const char* soname, std::string purpose);

  // The address of function NAME, as a pointer to F; throws Error when it is missing.
  template <class F>
  F* function(const char* name) const {
    return reinterpret_cast<F*>(address(name));
  }

 private:
  void* address(const char* name) const;

  void* handle_;
  const char* soname_;
  std::string purpose_;
};

}  // namespace jira_alerts::util

// The library's function NAME, typed as its header declares it: LIBRARY.function<...>("NAME").
#define JIRA_ALERTS_FUNCTION(library, name) (library).function<decltype(name)>(#name)
