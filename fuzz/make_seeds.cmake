# cmake -DFIXTURES=dir -DHAND_SEEDS=dir -DOUT_DIR=dir -P make_seeds.cmake
# Writes the fuzz seed corpus to OUT_DIR: every file of FIXTURES and HAND_SEEDS as is,
# every non-empty line of the *.ndjson files of FIXTURES as a file of its own, and a
# gzip copy of each *.json file of FIXTURES (the input reader undoes gzip).
# Lines are cut with string(FIND)/string(SUBSTRING) on quoted values, never as CMake
# lists, so ';', '[' and '\' in payloads are kept byte for byte.
foreach(var FIXTURES HAND_SEEDS OUT_DIR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "make_seeds.cmake: ${var} is not set")
  endif()
endforeach()

file(REMOVE_RECURSE "${OUT_DIR}")
file(MAKE_DIRECTORY "${OUT_DIR}")

file(GLOB fixtures "${FIXTURES}/*")
file(GLOB hand "${HAND_SEEDS}/*")
foreach(path IN LISTS fixtures hand)
  file(COPY "${path}" DESTINATION "${OUT_DIR}")
endforeach()

foreach(path IN LISTS fixtures)
  get_filename_component(name "${path}" NAME)
  if(name MATCHES "\\.ndjson$")
    file(READ "${path}" rest)
    set(n 0)
    while(NOT rest STREQUAL "")
      string(FIND "${rest}" "\n" at)
      if(at EQUAL -1)
        set(line "${rest}")
        set(rest "")
      else()
        string(SUBSTRING "${rest}" 0 ${at} line)
        math(EXPR next "${at} + 1")
        string(SUBSTRING "${rest}" ${next} -1 rest)
      endif()
      math(EXPR n "${n} + 1")
      if(NOT line STREQUAL "")
        file(WRITE "${OUT_DIR}/${name}.line${n}" "${line}")
      endif()
    endwhile()
  elseif(name MATCHES "\\.json$")
    file(ARCHIVE_CREATE OUTPUT "${OUT_DIR}/${name}.gz" PATHS "${path}" FORMAT raw COMPRESSION GZip)
  endif()
endforeach()
