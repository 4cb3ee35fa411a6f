# One INTERFACE target carries the project's warnings and strict Qt defines.
# Third-party targets never link it.
add_library(teescope_options INTERFACE)
target_compile_options(teescope_options INTERFACE
    -Wall -Wextra -Wpedantic -Wnon-virtual-dtor -Wcast-align -Wimplicit-fallthrough)
# A local shadowing a local. GCC's spelling; clang (the fuzz preset) has no
# -Wshadow=local and warns about the unknown option on every file.
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU")
    target_compile_options(teescope_options INTERFACE -Wshadow=local)
elseif(CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    target_compile_options(teescope_options INTERFACE -Wshadow-uncaptured-local)
endif()
target_compile_definitions(teescope_options INTERFACE
    QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
    QT_NO_CAST_FROM_BYTEARRAY QT_USE_QSTRINGBUILDER QT_NO_FOREACH
    QT_NO_KEYWORDS QT_STRICT_ITERATORS_DISABLED
    TEESCOPE_VERSION="${PROJECT_VERSION}")
# GCC 12 reports -Wrestrict for `"literal" + std::string` inside libstdc++
# (GCC bug 105329, a false positive fixed in GCC 13).
if(CMAKE_CXX_COMPILER_ID STREQUAL "GNU" AND CMAKE_CXX_COMPILER_VERSION VERSION_LESS 13)
    target_compile_options(teescope_options INTERFACE -Wno-restrict)
endif()
