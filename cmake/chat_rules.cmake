# The architecture as a build rule: the chat core (chatd_chat), the client model (chat_model) and the
# common protocol library never see sockets or the terminal.
#  - At compile time, a forbidden library finds cmake/forbidden first on its include path, whose
#    asio.hpp, asio/ssl.hpp, ncurses.h ... stop the build with #error.
#  - At configure time, chat_check_forbidden() (called once every target exists) fails if the link
#    closure of a forbidden library reaches the asio target or curses.
#  - At test time, the ctest no_asio_symbols (tests/check_no_asio.cmake) fails if `nm -C` finds an
#    asio:: symbol in the archives.

function(chat_forbid_asio target)
  target_include_directories(${target} BEFORE PRIVATE ${PROJECT_SOURCE_DIR}/cmake/forbidden)
  set_property(GLOBAL APPEND PROPERTY CHAT_FORBID_ASIO_TARGETS ${target})
endfunction()

function(_chat_link_closure target out)
  set(seen ${${out}})
  foreach(prop LINK_LIBRARIES INTERFACE_LINK_LIBRARIES)
    get_target_property(libs ${target} ${prop})
    if(NOT libs)
      continue()
    endif()
    foreach(lib ${libs})
      string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" lib "${lib}")
      if(lib IN_LIST seen)
        continue()
      endif()
      list(APPEND seen ${lib})
      if(TARGET ${lib})
        _chat_link_closure(${lib} seen)
      endif()
    endforeach()
  endforeach()
  set(${out} ${seen} PARENT_SCOPE)
endfunction()

function(chat_check_forbidden)
  get_property(targets GLOBAL PROPERTY CHAT_FORBID_ASIO_TARGETS)
  foreach(target ${targets})
    set(closure)
    _chat_link_closure(${target} closure)
    foreach(lib ${closure})
      if(lib STREQUAL "asio" OR lib MATCHES "curses" OR lib MATCHES "^chatd_net$|^chat_net$")
        message(FATAL_ERROR "${target} must not link ${lib}: the core libraries cannot see Asio or "
                            "ncurses (cmake/chat_rules.cmake)")
      endif()
    endforeach()
  endforeach()
endfunction()

# Source lists are explicit, so a .cpp added to a directory but to no list would silently not be
# built (or, in tests/, not run). chat_check_listed(<dir> <file>...) fails the configure instead.
function(chat_check_listed dir)
  file(GLOB present CONFIGURE_DEPENDS ${dir}/*.cpp)
  foreach(f ${present})
    if(NOT f IN_LIST ARGN)
      message(FATAL_ERROR "${f} is in no source list: add it to ${dir}/CMakeLists.txt")
    endif()
  endforeach()
endfunction()
