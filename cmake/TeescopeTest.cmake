# teescope_add_test(NAME SOURCES a.cpp... LIBS lib... [GUI] [NO_CTEST] [TIMEOUT s])
# One Qt Test executable registered with CTest, with a timeout and the test
# data directory. GUI tests run offscreen.
function(teescope_add_test name)
    cmake_parse_arguments(T "GUI;NO_CTEST" "TIMEOUT" "SOURCES;LIBS" ${ARGN})
    add_executable(${name} ${T_SOURCES})
    target_link_libraries(${name} PRIVATE Qt6::Test teescope_options ${T_LIBS})
    target_compile_definitions(${name} PRIVATE
        TEESCOPE_TEST_DATA="${PROJECT_SOURCE_DIR}/tests/data"
        TEESCOPE_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
    # NO_CTEST: the caller registers the binary with ctest itself (for
    # example in parts, each with its own test functions).
    if(T_NO_CTEST)
        return()
    endif()
    add_test(NAME ${name} COMMAND ${name})
    if(NOT T_TIMEOUT)
        set(T_TIMEOUT 300)
    endif()
    set_tests_properties(${name} PROPERTIES TIMEOUT ${T_TIMEOUT})
    if(T_GUI)
        set_tests_properties(${name} PROPERTIES ENVIRONMENT "QT_QPA_PLATFORM=offscreen")
    endif()
endfunction()
