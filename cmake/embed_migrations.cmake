# Generates a C++ source holding every migrations/NNNN_name.sql file, in order.
file(GLOB files ${INPUT_DIR}/*.sql)
list(SORT files)
set(body "")
foreach(f ${files})
  get_filename_component(base ${f} NAME_WE)
  string(REGEX MATCH "^([0-9]+)_(.*)$" _ ${base})
  if(NOT CMAKE_MATCH_1)
    message(FATAL_ERROR "migration file ${f} must be named NNNN_name.sql")
  endif()
  math(EXPR version "${CMAKE_MATCH_1} + 0")
  file(READ ${f} sql)
  string(APPEND body "    {${version}, \"${CMAKE_MATCH_2}\", R\"__guichet_sql__(${sql})__guichet_sql__\"},\n")
endforeach()
file(WRITE ${OUTPUT}.tmp
"// Generated from migrations/*.sql by cmake/embed_migrations.cmake; do not edit.
#include \"guichet/storage/migrations.hpp\"

namespace guichet::storage {
const std::vector<MigrationSource>& builtin_migrations() {
  static const std::vector<MigrationSource> migrations{
${body}  };
  return migrations;
}
}  // namespace guichet::storage
")
file(COPY_FILE ${OUTPUT}.tmp ${OUTPUT} ONLY_IF_DIFFERENT)
