# Writes a C++ file holding every schemas/*.json as a string, so the binary needs no
# source tree at run time. Usage:
#   cmake -DOUT=<file.cpp> -DSCHEMA_DIR=<dir> -P embed_schemas.cmake
file(GLOB files "${SCHEMA_DIR}/*.json")
list(SORT files)
set(body "")
foreach(f IN LISTS files)
  get_filename_component(name "${f}" NAME)
  string(REGEX REPLACE "\\.schema\\.json$|\\.json$" "" stem "${name}")
  file(READ "${f}" text)
  string(APPEND body "    {\"${stem}\", R\"converge_schema(${text})converge_schema\"},\n")
endforeach()
set(content "// Generated from schemas/*.json by cmake/embed_schemas.cmake; do not edit.
#include <cstddef>
#include <string_view>
#include <utility>

namespace converge::schema {
extern const std::pair<std::string_view, std::string_view> k_embedded_schemas[];
extern const std::size_t k_embedded_schema_count;
const std::pair<std::string_view, std::string_view> k_embedded_schemas[] = {
${body}};
const std::size_t k_embedded_schema_count = sizeof(k_embedded_schemas) / sizeof(k_embedded_schemas[0]);
}  // namespace converge::schema
")
file(WRITE "${OUT}.tmp" "${content}")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUT}.tmp")
