# Installs the web UI's npm packages exactly as locked (npm ci) into
# web/node_modules, once for every build directory: a lock serialises
# concurrent builds, and nothing runs (so no network is needed) when
# node_modules is already newer than the lockfile.
#
#   cmake -DNPM=/usr/bin/npm -DWEB_DIR=<source>/web -DSTAMP=<build>/web/npm.stamp -P web_npm_ci.cmake
foreach(var NPM WEB_DIR STAMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "web_npm_ci.cmake needs ${var}")
  endif()
endforeach()

set(installed "${WEB_DIR}/node_modules/.package-lock.json")
file(LOCK "${WEB_DIR}/.npm-ci.lock" GUARD PROCESS TIMEOUT 900)
if(NOT EXISTS "${installed}" OR "${WEB_DIR}/package-lock.json" IS_NEWER_THAN "${installed}")
  execute_process(
    COMMAND "${NPM}" ci --prefix "${WEB_DIR}" --no-audit --no-fund --prefer-offline
    RESULT_VARIABLE result)
  if(NOT result EQUAL 0)
    message(FATAL_ERROR "npm ci for the web UI failed (${result}): it needs the npm registry once, "
                        "or a web/node_modules installed from web/package-lock.json")
  endif()
  file(TOUCH "${installed}")
endif()
file(LOCK "${WEB_DIR}/.npm-ci.lock" RELEASE)
file(TOUCH "${STAMP}")
