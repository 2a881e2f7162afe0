# Generates the man pages (help2man, from the CLI's own --help) and the shell completions
# (`converge completion bash|zsh`) into OUT_DIR. Run with cmake -P at build time:
#   -DCONVERGE=path/to/converge -DHELP2MAN=/usr/bin/help2man -DVERSION=0.1.0 -DOUT_DIR=dir
# The subcommand list is read from `converge --help`, so a new subcommand gets its page.
file(MAKE_DIRECTORY ${OUT_DIR}/man1 ${OUT_DIR}/completions)

execute_process(COMMAND ${CONVERGE} completion bash OUTPUT_FILE ${OUT_DIR}/completions/converge
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "converge completion bash failed (${rc})")
endif()
execute_process(COMMAND ${CONVERGE} completion zsh OUTPUT_FILE ${OUT_DIR}/completions/_converge
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "converge completion zsh failed (${rc})")
endif()

execute_process(COMMAND ${CONVERGE} --help OUTPUT_VARIABLE help RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "converge --help failed (${rc})")
endif()
# "Subcommands:" then one "  name   description" line each. A ';' would split CMake's lists.
string(REPLACE ";" "," help "${help}")
string(FIND "${help}" "Subcommands:" at)
string(SUBSTRING "${help}" ${at} -1 subcommands_text)
string(REGEX MATCHALL "\n  [a-z][a-z-]*[ ]+[^\n]*" lines "${subcommands_text}")

set(see_also "")
set(commands "")
foreach(line ${lines})
  string(REGEX REPLACE "^\n  ([a-z][a-z-]*)[ ]+(.*)$" "\\1" name "${line}")
  string(REGEX REPLACE "^\n  ([a-z][a-z-]*)[ ]+(.*)$" "\\2" description "${line}")
  list(APPEND commands "${name}")
  set(description_${name} "${description}")
  if(see_also STREQUAL "")
    set(see_also "\\fBconverge-${name}\\fR(1)")
  else()
    set(see_also "${see_also}, \\fBconverge-${name}\\fR(1)")
  endif()
endforeach()

set(footer "[SEE ALSO]\n\\fBconverge\\fR(1), ${see_also}\n\nThe documentation: README.md and docs/ under /usr/share/doc/converge.\n")
file(WRITE ${OUT_DIR}/converge.h2m "[NAME]\nconverge \\- a declarative reconciler for Azure Machine Learning\n${footer}")
execute_process(COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${VERSION}
                        --include=${OUT_DIR}/converge.h2m --output=${OUT_DIR}/man1/converge.1 ${CONVERGE}
                RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "help2man converge failed (${rc})")
endif()
foreach(name ${commands})
  string(TOLOWER "${description_${name}}" lower)
  file(WRITE ${OUT_DIR}/${name}.h2m "[NAME]\nconverge-${name} \\- ${lower}\n${footer}")
  execute_process(COMMAND ${HELP2MAN} --no-info --no-discard-stderr --version-string=${VERSION}
                          "--help-option=${name} --help" --include=${OUT_DIR}/${name}.h2m
                          --output=${OUT_DIR}/man1/converge-${name}.1 ${CONVERGE}
                  RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "help2man converge ${name} failed (${rc})")
  endif()
endforeach()
file(REMOVE ${OUT_DIR}/converge.h2m)
foreach(name ${commands})
  file(REMOVE ${OUT_DIR}/${name}.h2m)
endforeach()
