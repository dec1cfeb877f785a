# Settings that only the project's own targets link: warnings and sanitizers.
add_library(project_settings INTERFACE)
target_compile_options(project_settings INTERFACE
  -Wall -Wextra -Wpedantic -Wshadow -Wconversion -Wno-sign-conversion
  -Wnon-virtual-dtor -Wold-style-cast -Woverloaded-virtual
  -Wimplicit-fallthrough)
if(JIRA_ALERTS_WERROR)
  target_compile_options(project_settings INTERFACE -Werror)
endif()

# A fuzz build instruments the project's code for libFuzzer and always runs it under
# AddressSanitizer and UndefinedBehaviorSanitizer; libFuzzer comes with clang only.
if(JIRA_ALERTS_FUZZ AND NOT CMAKE_CXX_COMPILER_ID MATCHES "Clang")
  message(FATAL_ERROR "JIRA_ALERTS_FUZZ=ON needs clang (libFuzzer), not ${CMAKE_CXX_COMPILER_ID}: "
                      "configure with CC=clang CXX=clang++")
endif()
if(JIRA_ALERTS_SANITIZE OR JIRA_ALERTS_FUZZ)
  target_compile_options(project_settings INTERFACE
    -fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  target_link_options(project_settings INTERFACE -fsanitize=address,undefined)
  if(CMAKE_CXX_COMPILER_ID MATCHES "Clang")
    # Debian's RapidJSON 1.1.0 computes NULL + n in internal::Stack::Reserve() on the
    # first push of every fresh Reader; clang's pointer-overflow check reports it (gcc's
    # does not), which would stop every run at the first payload. Not checked in
    # RapidJSON's headers only; everything else keeps every check.
    set(ignorelist "${CMAKE_BINARY_DIR}/sanitizer-ignorelist.txt")
    file(CONFIGURE OUTPUT "${ignorelist}" CONTENT "[pointer-overflow]\nsrc:*/rapidjson/*\n" @ONLY)
    target_compile_options(project_settings INTERFACE "-fsanitize-ignorelist=${ignorelist}")
  endif()
endif()
if(JIRA_ALERTS_FUZZ)
  target_compile_options(project_settings INTERFACE -fsanitize=fuzzer-no-link)
endif()
