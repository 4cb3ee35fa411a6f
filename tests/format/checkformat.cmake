# cmake -DCLANG_FORMAT=... -DSOURCE_DIR=... -P checkformat.cmake
# Fails, listing the files, when any C++ source differs from .clang-format.
set(files)
foreach(dir app core simulator tests benchmarks)
    file(GLOB_RECURSE found ${SOURCE_DIR}/${dir}/*.cpp ${SOURCE_DIR}/${dir}/*.h)
    list(APPEND files ${found})
endforeach()
list(SORT files)
set(bad)
foreach(f IN LISTS files)
    execute_process(COMMAND ${CLANG_FORMAT} --dry-run -Werror --style=file ${f}
                    WORKING_DIRECTORY ${SOURCE_DIR}
                    RESULT_VARIABLE rc OUTPUT_QUIET ERROR_QUIET)
    if(NOT rc EQUAL 0)
        file(RELATIVE_PATH rel ${SOURCE_DIR} ${f})
        list(APPEND bad ${rel})
    endif()
endforeach()
list(LENGTH files n)
if(bad)
    string(REPLACE ";" "\n  " list "${bad}")
    message(FATAL_ERROR "not formatted with .clang-format (run clang-format -i on them):\n  ${list}")
endif()
message(STATUS "format: ${n} files follow .clang-format")
