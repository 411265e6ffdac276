# The web UI (web/): npm packages from web/package-lock.json, bundled by
# esbuild (web/build.mjs) into <build>/web/dist, then compiled into the
# server library by cmake/embed_web.mjs (raw and gzip copies, ETags).
# Included from src/CMakeLists.txt after devagent_server is defined.
find_program(DEVAGENT_NODE NAMES node nodejs)
find_program(DEVAGENT_NPM npm)
if(NOT DEVAGENT_NODE OR NOT DEVAGENT_NPM)
  message(FATAL_ERROR
    "The web UI is built with Node.js and npm, and they were not found (node: ${DEVAGENT_NODE}, npm: ${DEVAGENT_NPM}). "
    "Install Node.js 18 or newer with npm, then configure again.")
endif()
execute_process(COMMAND ${DEVAGENT_NODE} --version OUTPUT_VARIABLE devagent_node_version
  OUTPUT_STRIP_TRAILING_WHITESPACE)
string(REGEX MATCH "^v([0-9]+)" _ "${devagent_node_version}")
if(NOT CMAKE_MATCH_1 OR CMAKE_MATCH_1 LESS 18)
  message(FATAL_ERROR "The web UI needs Node.js 18 or newer; ${DEVAGENT_NODE} is ${devagent_node_version}")
endif()

set(web_dir ${PROJECT_SOURCE_DIR}/web)
set(web_out ${CMAKE_BINARY_DIR}/web)
file(MAKE_DIRECTORY ${web_out})
file(GLOB_RECURSE web_sources CONFIGURE_DEPENDS ${web_dir}/src/*)

add_custom_command(
  OUTPUT ${web_out}/npm.stamp
  COMMAND ${CMAKE_COMMAND} -DNPM=${DEVAGENT_NPM} -DWEB_DIR=${web_dir} -DSTAMP=${web_out}/npm.stamp
          -P ${PROJECT_SOURCE_DIR}/cmake/web_npm_ci.cmake
  DEPENDS ${web_dir}/package.json ${web_dir}/package-lock.json ${PROJECT_SOURCE_DIR}/cmake/web_npm_ci.cmake
  COMMENT "Installing the web UI's npm packages (npm ci)")

add_custom_command(
  OUTPUT ${web_out}/dist/index.html
  COMMAND ${DEVAGENT_NODE} ${web_dir}/build.mjs ${web_out}/dist
  DEPENDS ${web_sources} ${web_dir}/build.mjs ${web_out}/npm.stamp
  COMMENT "Building the web UI (esbuild)")

set(web_assets_cpp ${CMAKE_CURRENT_BINARY_DIR}/generated/web_assets.cpp)
add_custom_command(
  OUTPUT ${web_assets_cpp}
  COMMAND ${DEVAGENT_NODE} ${PROJECT_SOURCE_DIR}/cmake/embed_web.mjs ${web_out}/dist ${web_assets_cpp}
  DEPENDS ${web_out}/dist/index.html ${PROJECT_SOURCE_DIR}/cmake/embed_web.mjs
  COMMENT "Embedding the web UI")
target_sources(devagent_server PRIVATE ${web_assets_cpp})
