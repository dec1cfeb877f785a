# Libraries the program opens when it first needs them (dlopen) instead of linking them:
# the soname to open, and, for the Debian package, the package that holds it (no
# DT_NEEDED entry names it, so dpkg-shlibdeps cannot find it).

# jira_alerts_soname(VAR LIBRARY): the SONAME in the dynamic section of LIBRARY (a path).
function(jira_alerts_soname var library)
  execute_process(COMMAND ${CMAKE_OBJDUMP} -p ${library}
                  OUTPUT_VARIABLE dump RESULT_VARIABLE status ERROR_QUIET)
  string(REGEX MATCH "SONAME +([^\n ]+)" found "${dump}")
  if(NOT status EQUAL 0 OR NOT found)
    message(FATAL_ERROR "cannot read the SONAME of ${library} with '${CMAKE_OBJDUMP} -p'")
  endif()
  set(${var} ${CMAKE_MATCH_1} PARENT_SCOPE)
endfunction()

# jira_alerts_debian_package(VAR LIBRARY SONAME): the dependency on the Debian package
# that installed LIBRARY, with the least version its shlibs file asks for SONAME (as
# dpkg-shlibdeps would write for a linked library: "libarchive13 (>= 3.6.2)"), or the bare
# package name where it has none; empty where dpkg does not know LIBRARY (another
# distribution, a library built by hand).
function(jira_alerts_debian_package var library soname)
  set(${var} "" PARENT_SCOPE)
  find_program(DPKG_QUERY dpkg-query)
  if(NOT DPKG_QUERY)
    return()
  endif()
  file(REAL_PATH ${library} real)
  execute_process(COMMAND ${DPKG_QUERY} -S ${real}
                  OUTPUT_VARIABLE owner RESULT_VARIABLE status ERROR_QUIET)
  if(NOT status EQUAL 0 OR NOT owner MATCHES "^([^:, ]+)")
    return()
  endif()
  set(package ${CMAKE_MATCH_1})
  set(${var} ${package} PARENT_SCOPE)
  # A shlibs line is "NAME MAJOR DEPENDENCY" for the soname NAME.so.MAJOR.
  execute_process(COMMAND ${DPKG_QUERY} --control-show ${package} shlibs
                  OUTPUT_VARIABLE shlibs RESULT_VARIABLE status ERROR_QUIET)
  if(status EQUAL 0 AND soname MATCHES "^(.+)\.so\.(.+)$")
    # Matched as text: a string(REGEX) call would set CMAKE_MATCH_<n> again.
    set(name "${CMAKE_MATCH_1} ${CMAKE_MATCH_2} ")
    string(REPLACE "\n" ";" lines "${shlibs}")
    foreach(line IN LISTS lines)
      string(FIND "${line}" "${name}" at)
      if(at EQUAL 0)
        string(LENGTH "${name}" length)
        string(SUBSTRING "${line}" ${length} -1 dependency)
        string(STRIP "${dependency}" dependency)
        set(${var} "${dependency}" PARENT_SCOPE)
        return()
      endif()
    endforeach()
  endif()
endfunction()

jira_alerts_soname(LIBCRYPTO_SONAME ${OPENSSL_CRYPTO_LIBRARY})
jira_alerts_soname(LIBARCHIVE_SONAME ${LibArchive_LIBRARIES})
jira_alerts_debian_package(LIBCRYPTO_PACKAGE ${OPENSSL_CRYPTO_LIBRARY} ${LIBCRYPTO_SONAME})
jira_alerts_debian_package(LIBARCHIVE_PACKAGE ${LibArchive_LIBRARIES} ${LIBARCHIVE_SONAME})
set(JIRA_ALERTS_OPENED_PACKAGES "")
foreach(package IN ITEMS ${LIBCRYPTO_PACKAGE} ${LIBARCHIVE_PACKAGE})
  list(APPEND JIRA_ALERTS_OPENED_PACKAGES ${package})
endforeach()
list(JOIN JIRA_ALERTS_OPENED_PACKAGES ", " JIRA_ALERTS_OPENED_PACKAGES)
