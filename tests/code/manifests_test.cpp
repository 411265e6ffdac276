#include "code/manifests.h"

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <tuple>
#include <vector>

namespace devagent::code {
namespace {

// (ecosystem, name, constraint, scope)
using Dep = std::tuple<std::string, std::string, std::string, std::string>;

struct Case {
  std::string path;
  std::string content;
  std::vector<Dep> expected;
};

std::vector<Dep> as_tuples(const std::vector<Dependency>& deps) {
  std::vector<Dep> out;
  for (const auto& d : deps) out.emplace_back(d.ecosystem, d.name, d.constraint, d.scope);
  return out;
}

void expect_parses(const Case& c) {
  SCOPED_TRACE(c.path);
  auto deps = parse_manifest(c.path, c.content);
  ASSERT_TRUE(deps) << deps.error().message;
  EXPECT_EQ(as_tuples(*deps), c.expected);
  for (const auto& d : *deps) EXPECT_EQ(d.manifest, c.path);
}

// --- realistic manifests, one per format ------------------------------------

const Case kPackageJson{"web/package.json",
                        R"({
  "name": "web",
  "version": "0.1.0",
  "private": true,
  "workspaces": ["packages/*"],
  "scripts": {"dev": "next dev", "build": "next build"},
  "dependencies": {
    "next": "14.1.0",
    "react": "^18.2.0",
    "react-dom": "^18.2.0",
    "zod": "~3.22.4",
    "left-pad": "*",
    "ui": "workspace:*",
    "lodash-es": "npm:lodash@^4.17.21"
  },
  "devDependencies": {
    "@types/react": "^18.2.48",
    "typescript": "5.3.3",
    "eslint": ">=8 <9"
  },
  "peerDependencies": {"react": ">=17"},
  "optionalDependencies": {"fsevents": "2.3.3"},
  "bundleDependencies": ["zod"],
  "overrides": {"semver": "7.5.4"}
})",
                        {
                            {"npm", "next", "14.1.0", "runtime"},
                            {"npm", "react", "^18.2.0", "runtime"},
                            {"npm", "react-dom", "^18.2.0", "runtime"},
                            {"npm", "zod", "~3.22.4", "runtime"},
                            {"npm", "left-pad", "", "runtime"},
                            {"npm", "ui", "workspace:*", "runtime"},
                            {"npm", "lodash-es", "npm:lodash@^4.17.21", "runtime"},
                            {"npm", "@types/react", "^18.2.48", "dev"},
                            {"npm", "typescript", "5.3.3", "dev"},
                            {"npm", "eslint", ">=8 <9", "dev"},
                            {"npm", "react", ">=17", "peer"},
                            {"npm", "fsevents", "2.3.3", "optional"},
                        }};

const Case kRequirementsDev{"requirements-dev.txt",
                            R"(# Development requirements
-r requirements.txt
-c constraints.txt
--index-url https://pypi.org/simple
--extra-index-url https://download.pytorch.org/whl/cpu
--pre

pytest>=7.4,<8  # test runner
pytest-cov==4.1.0
requests[security,socks] >= 2.31.0 ; python_version >= "3.8"
Django (>=4.2, <5.0)
black==23.12.1 \
    --hash=sha256:aaaa \
    --hash=sha256:bbbb
numpy; sys_platform != "win32"
pip @ https://github.com/pypa/pip/archive/22.0.2.zip
-e git+https://github.com/acme/tool.git@v1.2#egg=tool
git+https://github.com/acme/other.git@main#egg=other-lib
-e .
./vendor/localpkg
dist/pkg-1.0-py3-none-any.whl
uvicorn[standard]
zope.interface~=6.1
)",
                            {
                                {"pypi", "pytest", ">=7.4,<8", "dev"},
                                {"pypi", "pytest-cov", "==4.1.0", "dev"},
                                {"pypi", "requests", ">= 2.31.0", "dev"},
                                {"pypi", "Django", ">=4.2, <5.0", "dev"},
                                {"pypi", "black", "==23.12.1", "dev"},
                                {"pypi", "numpy", "", "dev"},
                                {"pypi", "pip", "https://github.com/pypa/pip/archive/22.0.2.zip", "dev"},
                                {"pypi", "tool", "git+https://github.com/acme/tool.git@v1.2", "dev"},
                                {"pypi", "other-lib", "git+https://github.com/acme/other.git@main", "dev"},
                                {"pypi", "uvicorn", "", "dev"},
                                {"pypi", "zope.interface", "~=6.1", "dev"},
                            }};

const Case kPyprojectPep621{"pyproject.toml",
                            R"([build-system]
requires = ["hatchling>=1.18", "hatch-vcs"]
build-backend = "hatchling.build"

[project]
name = "acme"
version = "0.3.0"
requires-python = ">=3.9"
dependencies = [
  "httpx>=0.25",
  "pydantic[email]>=2.5,<3",
  "typing-extensions; python_version < '3.11'",
  "acme-core @ git+https://github.com/acme/core.git@v1.0",
]

[project.optional-dependencies]
cli = ["typer>=0.9", "rich"]
postgres = ["psycopg[binary]==3.1.16"]

[project.scripts]
acme = "acme.cli:main"

[dependency-groups]
test = ["pytest>=8", "coverage[toml]"]
lint = ["ruff==0.1.9", {include-group = "test"}]

[tool.uv]
dev-dependencies = ["ipython"]

[tool.ruff]
line-length = 100
)",
                            {
                                {"pypi", "httpx", ">=0.25", "runtime"},
                                {"pypi", "pydantic", ">=2.5,<3", "runtime"},
                                {"pypi", "typing-extensions", "", "runtime"},
                                {"pypi", "acme-core", "git+https://github.com/acme/core.git@v1.0", "runtime"},
                                {"pypi", "typer", ">=0.9", "optional"},
                                {"pypi", "rich", "", "optional"},
                                {"pypi", "psycopg", "==3.1.16", "optional"},
                                {"pypi", "hatchling", ">=1.18", "build"},
                                {"pypi", "hatch-vcs", "", "build"},
                                {"pypi", "pytest", ">=8", "test"},
                                {"pypi", "coverage", "", "test"},
                                {"pypi", "ruff", "==0.1.9", "dev"},
                                {"pypi", "ipython", "", "dev"},
                            }};

const Case kPyprojectPoetry{"services/api/pyproject.toml",
                            R"([tool.poetry]
name = "service"
version = "1.0.0"
description = "An API"

[tool.poetry.dependencies]
python = "^3.10"
fastapi = "^0.109.0"
uvicorn = {extras = ["standard"], version = "^0.27.0"}
sqlalchemy = {version = "^2.0", optional = true}
mylib = {git = "https://github.com/acme/mylib.git", tag = "v2.1.0"}
shared = {path = "../shared", develop = true}
numpy = [
  {version = "<1.25", python = "<3.9"},
  {version = "^1.26", python = ">=3.9"},
]
anything = "*"

[tool.poetry.extras]
db = ["sqlalchemy"]

[tool.poetry.group.dev.dependencies]
black = "^23.12"

[tool.poetry.group.test.dependencies]
pytest = "^7.4"

[tool.poetry.dev-dependencies]
mypy = "1.8.0"

[tool.pdm.dev-dependencies]
docs = ["mkdocs>=1.5"]

[build-system]
requires = ["poetry-core"]
build-backend = "poetry.core.masonry.api"
)",
                            {
                                {"pypi", "poetry-core", "", "build"},
                                {"pypi", "fastapi", "^0.109.0", "runtime"},
                                {"pypi", "uvicorn", "^0.27.0", "runtime"},
                                {"pypi", "sqlalchemy", "^2.0", "optional"},
                                {"pypi", "mylib", "v2.1.0", "runtime"},
                                {"pypi", "shared", "", "runtime"},
                                {"pypi", "numpy", "<1.25 || ^1.26", "runtime"},
                                {"pypi", "anything", "", "runtime"},
                                {"pypi", "mypy", "1.8.0", "dev"},
                                {"pypi", "black", "^23.12", "dev"},
                                {"pypi", "pytest", "^7.4", "test"},
                                {"pypi", "mkdocs", ">=1.5", "dev"},
                            }};

const Case kPipfile{"Pipfile",
                    R"([[source]]
url = "https://pypi.org/simple"
verify_ssl = true
name = "pypi"

[packages]
requests = "*"
flask = "==3.0.0"
django = {version = ">=4.2", extras = ["bcrypt"]}
mylib = {git = "https://github.com/acme/mylib.git", ref = "v1.4"}
local = {path = "./local", editable = true}

[dev-packages]
pytest = ">=7"
black = {version = "*"}

[requires]
python_version = "3.11"
)",
                    {
                        {"pypi", "requests", "", "runtime"},
                        {"pypi", "flask", "==3.0.0", "runtime"},
                        {"pypi", "django", ">=4.2", "runtime"},
                        {"pypi", "mylib", "v1.4", "runtime"},
                        {"pypi", "local", "", "runtime"},
                        {"pypi", "pytest", ">=7", "dev"},
                        {"pypi", "black", "", "dev"},
                    }};

const Case kCargoToml{"crates/server/Cargo.toml",
                      R"([package]
name = "server"
version = "0.1.0"
edition = "2021"

[dependencies]
tokio = { version = "1.35", features = ["full"] }
serde = { version = "1.0", features = ["derive"] }
serde_json = "1.0.111"
anyhow.workspace = true
rand = { version = "0.8", optional = true }
my-utils = { path = "../utils" }
tower = { git = "https://github.com/tower-rs/tower", branch = "master" }
hyper1 = { package = "hyper", version = "1.1" }

[dependencies.regex]
version = "1.10"
default-features = false

[dev-dependencies]
criterion = "0.5"
tempfile = "3"

[build-dependencies]
cc = "1.0.83"

[target.'cfg(windows)'.dependencies]
winapi = { version = "0.3", features = ["winuser"] }

[target.'cfg(unix)'.dev-dependencies]
nix = "0.27"

[workspace]
members = ["crates/*"]

[workspace.dependencies]
anyhow = "1.0.79"
thiserror = { version = "1.0" }
)",
                      {
                          {"cargo", "tokio", "1.35", "runtime"},
                          {"cargo", "serde", "1.0", "runtime"},
                          {"cargo", "serde_json", "1.0.111", "runtime"},
                          {"cargo", "anyhow", "1.0.79", "runtime"},
                          {"cargo", "rand", "0.8", "optional"},
                          {"cargo", "my-utils", "", "runtime"},
                          {"cargo", "tower", "master", "runtime"},
                          {"cargo", "hyper", "1.1", "runtime"},
                          {"cargo", "regex", "1.10", "runtime"},
                          {"cargo", "criterion", "0.5", "dev"},
                          {"cargo", "tempfile", "3", "dev"},
                          {"cargo", "cc", "1.0.83", "build"},
                          {"cargo", "winapi", "0.3", "runtime"},
                          {"cargo", "nix", "0.27", "dev"},
                          {"cargo", "anyhow", "1.0.79", "runtime"},
                          {"cargo", "thiserror", "1.0", "runtime"},
                      }};

const Case kGoMod{"go.mod",
                  R"(module github.com/acme/api

go 1.21

toolchain go1.21.5

require (
	github.com/gin-gonic/gin v1.9.1
	github.com/jackc/pgx/v5 v5.5.1
	golang.org/x/sync v0.6.0 // indirect
	"github.com/quoted/mod" v0.1.0
	github.com/legacy/pkg v2.0.0+incompatible
)

require github.com/stretchr/testify v1.8.4

replace github.com/acme/lib => ../lib

replace (
	golang.org/x/net v0.19.0 => golang.org/x/net v0.20.0
)

exclude (
	github.com/bad/mod v1.0.0
)

retract v1.0.1 // published by mistake
)",
                  {
                      {"go", "github.com/gin-gonic/gin", "v1.9.1", "runtime"},
                      {"go", "github.com/jackc/pgx/v5", "v5.5.1", "runtime"},
                      {"go", "golang.org/x/sync", "v0.6.0", "runtime"},
                      {"go", "github.com/quoted/mod", "v0.1.0", "runtime"},
                      {"go", "github.com/legacy/pkg", "v2.0.0+incompatible", "runtime"},
                      {"go", "github.com/stretchr/testify", "v1.8.4", "runtime"},
                  }};

const Case kPomXml{"orders/pom.xml",
                   R"(<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0"
         xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"
         xsi:schemaLocation="http://maven.apache.org/POM/4.0.0 https://maven.apache.org/xsd/maven-4.0.0.xsd">
  <modelVersion>4.0.0</modelVersion>
  <parent>
    <groupId>org.springframework.boot</groupId>
    <artifactId>spring-boot-starter-parent</artifactId>
    <version>3.2.1</version>
    <relativePath/>
  </parent>
  <groupId>com.acme</groupId>
  <artifactId>orders</artifactId>
  <version>1.4.0-SNAPSHOT</version>
  <properties>
    <java.version>17</java.version>
    <guava.version>33.0.0-jre</guava.version>
    <jackson.base>2.16</jackson.base>
    <jackson.version>${jackson.base}.1</jackson.version>
  </properties>
  <dependencyManagement>
    <dependencies>
      <dependency>
        <groupId>software.amazon.awssdk</groupId>
        <artifactId>bom</artifactId>
        <version>2.22.0</version>
        <type>pom</type>
        <scope>import</scope>
      </dependency>
    </dependencies>
  </dependencyManagement>
  <dependencies>
    <dependency>
      <groupId>org.springframework.boot</groupId>
      <artifactId>spring-boot-starter-web</artifactId>
    </dependency>
    <dependency>
      <groupId>com.google.guava</groupId>
      <artifactId>guava</artifactId>
      <version>${guava.version}</version>
    </dependency>
    <dependency>
      <groupId>com.fasterxml.jackson.core</groupId>
      <artifactId>jackson-databind</artifactId>
      <version>${jackson.version}</version>
    </dependency>
    <dependency>
      <groupId>${project.groupId}</groupId>
      <artifactId>orders-api</artifactId>
      <version>${project.version}</version>
    </dependency>
    <dependency>
      <groupId>jakarta.servlet</groupId>
      <artifactId>jakarta.servlet-api</artifactId>
      <version>6.0.0</version>
      <scope>provided</scope>
    </dependency>
    <dependency>
      <groupId>org.postgresql</groupId>
      <artifactId>postgresql</artifactId>
      <scope>runtime</scope>
    </dependency>
    <dependency>
      <groupId>com.h2database</groupId>
      <artifactId>h2</artifactId>
      <version>2.2.224</version>
      <optional>true</optional>
    </dependency>
    <dependency>
      <groupId>org.junit.jupiter</groupId>
      <artifactId>junit-jupiter</artifactId>
      <version>5.10.1</version>
      <scope>test</scope>
    </dependency>
    <dependency>
      <groupId>org.acme</groupId>
      <artifactId>unknown</artifactId>
      <version>${undefined.version}</version>
    </dependency>
  </dependencies>
  <build>
    <plugins>
      <plugin>
        <groupId>org.springframework.boot</groupId>
        <artifactId>spring-boot-maven-plugin</artifactId>
        <dependencies>
          <dependency>
            <groupId>org.plugin</groupId>
            <artifactId>plugin-only</artifactId>
            <version>1.0</version>
          </dependency>
        </dependencies>
      </plugin>
    </plugins>
  </build>
  <profiles>
    <profile>
      <id>metrics</id>
      <dependencies>
        <dependency>
          <groupId>io.micrometer</groupId>
          <artifactId>micrometer-registry-prometheus</artifactId>
          <version>1.12.1</version>
        </dependency>
      </dependencies>
    </profile>
  </profiles>
</project>
)",
                   {
                       {"maven", "org.springframework.boot:spring-boot-starter-web", "", "runtime"},
                       {"maven", "com.google.guava:guava", "33.0.0-jre", "runtime"},
                       {"maven", "com.fasterxml.jackson.core:jackson-databind", "2.16.1", "runtime"},
                       {"maven", "com.acme:orders-api", "1.4.0-SNAPSHOT", "runtime"},
                       {"maven", "jakarta.servlet:jakarta.servlet-api", "6.0.0", "build"},
                       {"maven", "org.postgresql:postgresql", "", "runtime"},
                       {"maven", "com.h2database:h2", "2.2.224", "optional"},
                       {"maven", "org.junit.jupiter:junit-jupiter", "5.10.1", "test"},
                       {"maven", "org.acme:unknown", "${undefined.version}", "runtime"},
                       {"maven", "io.micrometer:micrometer-registry-prometheus", "1.12.1", "runtime"},
                   }};

const Case kBuildGradle{"app/build.gradle",
                        R"(plugins {
    id 'java'
    id 'org.springframework.boot' version '3.2.1'
}

ext {
    lombokVersion = '1.18.30'
}

buildscript {
    repositories { mavenCentral() }
    dependencies {
        classpath 'com.google.protobuf:protobuf-gradle-plugin:0.9.4'
    }
}

dependencies {
    implementation 'org.springframework.boot:spring-boot-starter-web'
    implementation "com.google.guava:guava:33.0.0-jre"
    api group: 'org.apache.commons', name: 'commons-lang3', version: '3.14.0'
    compileOnly "org.projectlombok:lombok:${lombokVersion}"
    annotationProcessor "org.projectlombok:lombok:$lombokVersion"
    runtimeOnly 'org.postgresql:postgresql:42.7.1',
                'com.h2database:h2:2.2.224'
    implementation platform('software.amazon.awssdk:bom:2.22.0')
    implementation(libs.okhttp)
    implementation project(':core')
    implementation files('libs/vendor.jar')
    implementation('io.grpc:grpc-netty:1.60.0') {
        exclude group: 'io.netty', module: 'netty-codec-http2'
    }
    implementation 'com.android.support:appcompat-v7:28.0.0@aar'
    // implementation 'commented:out:1.0'
    /* testImplementation 'also:commented:1.0' */
    testImplementation 'org.junit.jupiter:junit-jupiter:5.10.1'
    testRuntimeOnly 'org.junit.platform:junit-platform-launcher'
    developmentOnly 'org.springframework.boot:spring-boot-devtools'
    constraints {
        implementation 'org.apache.logging.log4j:log4j-core:2.22.1'
    }
}

test {
    useJUnitPlatform()
}
)",
                        {
                            {"gradle", "com.google.protobuf:protobuf-gradle-plugin", "0.9.4", "build"},
                            {"gradle", "org.springframework.boot:spring-boot-starter-web", "", "runtime"},
                            {"gradle", "com.google.guava:guava", "33.0.0-jre", "runtime"},
                            {"gradle", "org.apache.commons:commons-lang3", "3.14.0", "runtime"},
                            {"gradle", "org.projectlombok:lombok", "${lombokVersion}", "build"},
                            {"gradle", "org.projectlombok:lombok", "$lombokVersion", "build"},
                            {"gradle", "org.postgresql:postgresql", "42.7.1", "runtime"},
                            {"gradle", "com.h2database:h2", "2.2.224", "runtime"},
                            {"gradle", "software.amazon.awssdk:bom", "2.22.0", "runtime"},
                            {"gradle", "libs.okhttp", "", "runtime"},
                            {"gradle", "io.grpc:grpc-netty", "1.60.0", "runtime"},
                            {"gradle", "com.android.support:appcompat-v7", "28.0.0", "runtime"},
                            {"gradle", "org.junit.jupiter:junit-jupiter", "5.10.1", "test"},
                            {"gradle", "org.junit.platform:junit-platform-launcher", "", "test"},
                            {"gradle", "org.springframework.boot:spring-boot-devtools", "", "dev"},
                        }};

const Case kBuildGradleKts{"build.gradle.kts",
                           R"(plugins {
    kotlin("jvm") version "1.9.22"
    application
}

val ktorVersion: String by project

dependencies {
    implementation(kotlin("stdlib"))
    implementation("io.ktor:ktor-server-core:$ktorVersion")
    implementation("io.ktor:ktor-server-netty:${ktorVersion}")
    implementation(group = "ch.qos.logback", name = "logback-classic", version = "1.4.14")
    implementation(platform(libs.spring.boot.bom))
    implementation(libs.bundles.exposed)
    ksp("com.google.dagger:dagger-compiler:2.50")
    "kapt"("com.squareup.moshi:moshi-kotlin-codegen:1.15.0")
    testImplementation(kotlin("test"))
    testImplementation("io.mockk:mockk:1.13.9") {
        isTransitive = false
    }
    androidTestImplementation("androidx.test.ext:junit:1.1.5")
    if (project.hasProperty("withMetrics")) {
        implementation("io.micrometer:micrometer-core:1.12.1")
    }
}

kotlin {
    sourceSets {
        val commonTest by getting {
            dependencies {
                implementation("org.jetbrains.kotlinx:kotlinx-coroutines-test:1.7.3")
            }
        }
    }
}
)",
                           {
                               {"gradle", "org.jetbrains.kotlin:kotlin-stdlib", "", "runtime"},
                               {"gradle", "io.ktor:ktor-server-core", "$ktorVersion", "runtime"},
                               {"gradle", "io.ktor:ktor-server-netty", "${ktorVersion}", "runtime"},
                               {"gradle", "ch.qos.logback:logback-classic", "1.4.14", "runtime"},
                               {"gradle", "libs.spring.boot.bom", "", "runtime"},
                               {"gradle", "libs.bundles.exposed", "", "runtime"},
                               {"gradle", "com.google.dagger:dagger-compiler", "2.50", "build"},
                               {"gradle", "com.squareup.moshi:moshi-kotlin-codegen", "1.15.0", "build"},
                               {"gradle", "org.jetbrains.kotlin:kotlin-test", "", "test"},
                               {"gradle", "io.mockk:mockk", "1.13.9", "test"},
                               {"gradle", "androidx.test.ext:junit", "1.1.5", "test"},
                               {"gradle", "io.micrometer:micrometer-core", "1.12.1", "runtime"},
                               {"gradle", "org.jetbrains.kotlinx:kotlinx-coroutines-test", "1.7.3", "test"},
                           }};

const Case kGemfile{"Gemfile",
                    R"(source "https://rubygems.org"
git_source(:github) { |repo| "https://github.com/#{repo}.git" }

ruby "3.2.2"

gem "rails", "~> 7.1.2"
gem "pg", ">= 1.1", "< 2.0"
gem "puma", ">= 5.0"
gem "bootsnap", require: false
gem "tzinfo-data", platforms: %i[ windows jruby ]
gem "sidekiq", github: "sidekiq/sidekiq", tag: "v7.2.0"
gem 'redis', '~> 5.0' # cache
gem "image_processing",
    "~> 1.2"

group :development, :test do
  gem "debug", platforms: %i[ mri windows ]
  gem "rspec-rails", "~> 6.1"
end

group :development do
  gem "web-console"
end

group :test do
  gem "capybara"
  gem "selenium-webdriver", "~> 4.16"
end

group :production do
  gem "lograge"
end

gem "rubocop", group: :lint
gem "simplecov", require: false, groups: [:test]
gem "pry", :group => :development

if ENV["WITH_NEWRELIC"]
  gem "newrelic_rpm"
end

platforms :jruby do
  gem "activerecord-jdbc-adapter"
end

gemspec
)",
                    {
                        {"rubygems", "rails", "~> 7.1.2", "runtime"},
                        {"rubygems", "pg", ">= 1.1, < 2.0", "runtime"},
                        {"rubygems", "puma", ">= 5.0", "runtime"},
                        {"rubygems", "bootsnap", "", "runtime"},
                        {"rubygems", "tzinfo-data", "", "runtime"},
                        {"rubygems", "sidekiq", "v7.2.0", "runtime"},
                        {"rubygems", "redis", "~> 5.0", "runtime"},
                        {"rubygems", "image_processing", "~> 1.2", "runtime"},
                        {"rubygems", "debug", "", "dev"},
                        {"rubygems", "rspec-rails", "~> 6.1", "dev"},
                        {"rubygems", "web-console", "", "dev"},
                        {"rubygems", "capybara", "", "test"},
                        {"rubygems", "selenium-webdriver", "~> 4.16", "test"},
                        {"rubygems", "lograge", "", "runtime"},
                        {"rubygems", "rubocop", "", "dev"},
                        {"rubygems", "simplecov", "", "test"},
                        {"rubygems", "pry", "", "dev"},
                        {"rubygems", "newrelic_rpm", "", "runtime"},
                        {"rubygems", "activerecord-jdbc-adapter", "", "runtime"},
                    }};

const Case kComposerJson{"composer.json",
                         R"({
  "name": "laravel/laravel",
  "type": "project",
  "require": {
    "php": "^8.1",
    "ext-json": "*",
    "ext-intl": "*",
    "guzzlehttp/guzzle": "^7.2",
    "laravel/framework": "^10.10",
    "composer-runtime-api": "^2.2"
  },
  "require-dev": {
    "fakerphp/faker": "^1.9.1",
    "phpunit/phpunit": "^10.1"
  },
  "autoload": {"psr-4": {"App\\": "app/"}}
})",
                         {
                             {"composer", "ext-json", "", "runtime"},
                             {"composer", "ext-intl", "", "runtime"},
                             {"composer", "guzzlehttp/guzzle", "^7.2", "runtime"},
                             {"composer", "laravel/framework", "^10.10", "runtime"},
                             {"composer", "fakerphp/faker", "^1.9.1", "dev"},
                             {"composer", "phpunit/phpunit", "^10.1", "dev"},
                         }};

const Case kCMakeLists{
    "CMakeLists.txt",
    R"cmake(cmake_minimum_required(VERSION 3.25)
project(demo VERSION 1.0 LANGUAGES CXX)

# find_package(Commented 1.0 REQUIRED)
#[[ find_package(BracketCommented REQUIRED) ]]
find_package(Boost 1.81 REQUIRED COMPONENTS json url)
find_package(OpenSSL REQUIRED)
find_package(fmt ${FMT_MIN_VERSION} CONFIG REQUIRED)
find_package(Doxygen)
FIND_PACKAGE(ZLIB QUIET)
find_package(PkgConfig REQUIRED)
pkg_check_modules(LIBGIT2 REQUIRED IMPORTED_TARGET libgit2>=1.5 libssh2)
pkg_search_module(SQLITE QUIET sqlite3)

include(FetchContent)
FetchContent_Declare(
  json
  GIT_REPOSITORY https://github.com/nlohmann/json.git
  GIT_TAG        v3.11.3
)
FetchContent_Declare(catch2_zip URL "https://github.com/catchorg/Catch2/archive/refs/tags/v3.5.0.tar.gz")
CPMAddPackage("gh:fmtlib/fmt#10.2.1")
CPMAddPackage(NAME spdlog VERSION 1.13.0 GITHUB_REPOSITORY gabime/spdlog)
CPMAddPackage("gh:nlohmann/json@3.11.3")

set(MSG "find_package(NotReal REQUIRED)")
message(STATUS [=[FetchContent_Declare(notreal)]=])
target_compile_definitions(demo PRIVATE "NAME=\"demo\"" $<$<CONFIG:Debug>:DEBUG=1>)

if(BUILD_TESTING)
  find_package(GTest 1.14 REQUIRED)
  FetchContent_Declare(benchmark GIT_REPOSITORY https://github.com/google/benchmark.git GIT_TAG v1.8.3)
else()
  find_package(Threads REQUIRED)
endif()
if(NOT DEMO_ENABLE_TESTS)
  message(STATUS "tests off")
else()
  find_package(Catch2 3 REQUIRED)
endif()
)cmake",
    {
        {"cmake", "Boost", "1.81", "runtime"},
        {"cmake", "OpenSSL", "", "runtime"},
        {"cmake", "fmt", "${FMT_MIN_VERSION}", "runtime"},
        {"cmake", "Doxygen", "", "optional"},
        {"cmake", "ZLIB", "", "optional"},
        {"cmake", "PkgConfig", "", "runtime"},
        {"cmake", "libgit2", ">=1.5", "runtime"},
        {"cmake", "libssh2", "", "runtime"},
        {"cmake", "sqlite3", "", "optional"},
        {"cmake", "json", "v3.11.3", "runtime"},
        {"cmake", "catch2_zip", "https://github.com/catchorg/Catch2/archive/refs/tags/v3.5.0.tar.gz", "runtime"},
        {"cmake", "fmt", "10.2.1", "runtime"},
        {"cmake", "spdlog", "1.13.0", "runtime"},
        {"cmake", "json", "3.11.3", "runtime"},
        {"cmake", "GTest", "1.14", "test"},
        {"cmake", "benchmark", "v1.8.3", "test"},
        {"cmake", "Threads", "", "runtime"},
        {"cmake", "Catch2", "3", "test"},
    }};

const Case kVcpkgJson{"vcpkg.json",
                      R"({
  "$schema": "https://raw.githubusercontent.com/microsoft/vcpkg-tool/main/docs/vcpkg.schema.json",
  "name": "demo",
  "version": "1.0.0",
  "builtin-baseline": "c8696863d371ab7f46e213d8f5ca923c4aef2a00",
  "dependencies": [
    "fmt",
    { "name": "boost-asio", "version>=": "1.83.0" },
    { "name": "openssl", "platform": "!windows" },
    { "name": "vcpkg-cmake", "host": true },
    { "name": "zlib" }
  ],
  "features": {
    "tests": { "description": "Build tests", "dependencies": ["gtest"] }
  },
  "overrides": [
    { "name": "zlib", "version": "1.2.13", "port-version": 1 },
    { "name": "curl", "version": "8.5.0" }
  ]
})",
                      {
                          {"vcpkg", "fmt", "", "runtime"},
                          {"vcpkg", "boost-asio", ">=1.83.0", "runtime"},
                          {"vcpkg", "openssl", "", "runtime"},
                          {"vcpkg", "vcpkg-cmake", "", "build"},
                          {"vcpkg", "zlib", "1.2.13#1", "runtime"},
                          {"vcpkg", "gtest", "", "optional"},
                      }};

const Case kConanfileTxt{"conanfile.txt",
                         R"([requires]
zlib/1.2.13
boost/[>=1.80 <1.85]
openssl/3.1.4@acme/stable#a1b2c3
# poco/1.12.5
fmt/10.2.1  # formatting

[tool_requires]
cmake/3.28.1

[build_requires]
ninja/1.11.1

[test_requires]
gtest/1.14.0

[generators]
CMakeDeps
CMakeToolchain

[options]
boost/*:shared=True
)",
                         {
                             {"conan", "zlib", "1.2.13", "runtime"},
                             {"conan", "boost", "[>=1.80 <1.85]", "runtime"},
                             {"conan", "openssl", "3.1.4", "runtime"},
                             {"conan", "fmt", "10.2.1", "runtime"},
                             {"conan", "cmake", "3.28.1", "build"},
                             {"conan", "ninja", "1.11.1", "build"},
                             {"conan", "gtest", "1.14.0", "test"},
                         }};

TEST(Manifests, PackageJson) {
  expect_parses(kPackageJson);
}
TEST(Manifests, RequirementsTxt) {
  expect_parses(kRequirementsDev);
}
TEST(Manifests, PyprojectPep621DependencyGroupsAndUv) {
  expect_parses(kPyprojectPep621);
}
TEST(Manifests, PyprojectPoetryAndPdm) {
  expect_parses(kPyprojectPoetry);
}
TEST(Manifests, Pipfile) {
  expect_parses(kPipfile);
}
TEST(Manifests, CargoToml) {
  expect_parses(kCargoToml);
}
TEST(Manifests, GoMod) {
  expect_parses(kGoMod);
}
TEST(Manifests, PomXml) {
  expect_parses(kPomXml);
}
TEST(Manifests, BuildGradle) {
  expect_parses(kBuildGradle);
}
TEST(Manifests, BuildGradleKts) {
  expect_parses(kBuildGradleKts);
}
TEST(Manifests, Gemfile) {
  expect_parses(kGemfile);
}
TEST(Manifests, ComposerJson) {
  expect_parses(kComposerJson);
}
TEST(Manifests, CMakeLists) {
  expect_parses(kCMakeLists);
}
TEST(Manifests, VcpkgJson) {
  expect_parses(kVcpkgJson);
}
TEST(Manifests, ConanfileTxt) {
  expect_parses(kConanfileTxt);
}

// --- smaller cases of one shape ------------------------------------------------

TEST(Manifests, SmallCases) {
  const std::vector<Case> cases = {
      // Empty and section-less manifests declare nothing.
      {"package.json", "{}", {}},
      {"pyproject.toml", "", {}},
      {"Cargo.toml", "[package]\nname = \"x\"\n", {}},
      {"go.mod", "module example.com/x\n\ngo 1.22\n", {}},
      {"requirements.txt", "", {}},
      {"composer.json", R"({"require": [], "require-dev": {}})", {}},
      // A requirements file's name gives its scope.
      {"requirements.txt", "flask==3.0.0\n", {{"pypi", "flask", "==3.0.0", "runtime"}}},
      {"docs/requirements.txt", "sphinx>=7\n", {{"pypi", "sphinx", ">=7", "dev"}}},
      {"requirements/test.txt", "pytest\n", {{"pypi", "pytest", "", "test"}}},
      {"test-requirements.txt", "tox\n", {{"pypi", "tox", "", "test"}}},
      {"requirements/base.txt", "celery[redis]>=5.3\n", {{"pypi", "celery", ">=5.3", "runtime"}}},
      {"requirements.in", "httpx\n", {{"pypi", "httpx", "", "runtime"}}},
      // PEP 508 corners: a URL's marker needs whitespace before ';', and
      // windows line endings.
      {"requirements.txt",
       "pkg @ https://example.com/pkg-1.0.zip ; python_version > '3.8'\r\nother===1.0\r\n",
       {{"pypi", "pkg", "https://example.com/pkg-1.0.zip", "runtime"}, {"pypi", "other", "===1.0", "runtime"}}},
      // go.mod: require () and quoted paths.
      {"go.mod",
       "module m\nrequire ()\nrequire `example.com/raw` v1.0.0 // indirect\n",
       {{"go", "example.com/raw", "v1.0.0", "runtime"}}},
      // Cargo: a renamed git dependency with a tag, and legacy underscores.
      {"Cargo.toml",
       "[dependencies]\nfoo = { package = \"bar\", git = \"https://x/bar\", tag = \"v0.3\" }\n"
       "[dev_dependencies]\nquickcheck = \"1\"\n",
       {{"cargo", "bar", "v0.3", "runtime"}, {"cargo", "quickcheck", "1", "dev"}}},
      // A pom without a version of its own takes its parent's.
      {"pom.xml",
       "<project><parent><groupId>g</groupId><artifactId>p</artifactId><version>2.0</version></parent>"
       "<artifactId>child</artifactId><dependencies><dependency><groupId>${project.groupId}</groupId>"
       "<artifactId>sibling</artifactId><version>${project.version}</version><scope>system</scope>"
       "</dependency></dependencies></project>",
       {{"maven", "g:sibling", "2.0", "build"}}},
      // Properties that double each other stay bounded and unresolved.
      {"pom.xml",
       "<project><properties><a>${b}${b}${b}${b}</a><b>${c}${c}${c}${c}</b><c>${d}${d}${d}${d}</c>"
       "<d>${a}${a}${a}${a}</d></properties><dependencies><dependency><groupId>g</groupId>"
       "<artifactId>x</artifactId><version>${a}</version></dependency></dependencies></project>",
       {{"maven", "g:x", "${a}", "runtime"}}},
      // Gradle: add(...), Groovy map notation in parentheses, nested calls.
      {"build.gradle",
       "dependencies {\n  add('implementation', 'g:a:1')\n"
       "  implementation(group: 'g', name: 'b', version: '2')\n"
       "  testImplementation(testFixtures(project(':lib')))\n"
       "  implementation enforcedPlatform(\"g:bom:3\"); implementation 'g:c'\n"
       "  providedCompile 'javax.servlet:servlet-api:2.5'\n}\n",
       {{"gradle", "g:a", "1", "runtime"},
        {"gradle", "g:b", "2", "runtime"},
        {"gradle", "g:bom", "3", "runtime"},
        {"gradle", "g:c", "", "runtime"},
        {"gradle", "javax.servlet:servlet-api", "2.5", "build"}}},
      // Gemfile: one-line conditionals and a nested group inside a block.
      {"gems.rb",
       "gem 'a' if RUBY_VERSION >= '3'\nsource 'https://gems.example' do\n  group :test do\n    gem 'b'\n  end\nend\n",
       {{"rubygems", "a", "", "runtime"}, {"rubygems", "b", "", "test"}}},
      // vcpkg: features without dependencies, overrides alone.
      {"vcpkg.json", R"({"features": {"x": {"description": "x"}}, "overrides": [{"name": "a", "version": "1"}]})", {}},
      // CMake: else() of a non-test if() is not test; nested test if().
      {"CMakeLists.txt",
       "if(WIN32)\n find_package(A REQUIRED)\nelseif(ENABLE_TESTING)\n find_package(B)\nelse()\n"
       " find_package(C REQUIRED)\nendif()\nif(USE_LATEST)\n find_package(D REQUIRED)\nendif()\n",
       {{"cmake", "A", "", "runtime"},
        {"cmake", "B", "", "test"},
        {"cmake", "C", "", "runtime"},
        {"cmake", "D", "", "runtime"}}},
  };
  for (const auto& c : cases) expect_parses(c);
}

// --- malformed manifests: an invalid_argument error naming the file ----------

struct Bad {
  std::string path;
  std::string content;
  std::string says;  // the message starts with the path and contains this
};

TEST(Manifests, MalformedContentIsAnErrorNamingTheFile) {
  const std::vector<Bad> cases = {
      {"web/package.json", "{\n  \"dependencies\": {\"a\": \"1\",}\n}", "web/package.json:2: invalid JSON"},
      {"package.json", R"({"dependencies": ["react"]})", "dependencies is not an object"},
      {"package.json", R"({"devDependencies": {"a": 1}})", "devDependencies.a is not a version string"},
      {"package.json", "[1, 2]", "the top level is not a JSON object"},
      {"package.json", "", "invalid JSON"},
      {"composer.json", R"({"require": "monolog/monolog"})", "require is not an object"},
      {"requirements.txt", "requests\nfoo bar baz\n", "requirements.txt:2: invalid requirement 'foo bar baz'"},
      {"requirements.txt", "ok==1\nbad[extra\n", "requirements.txt:2: invalid requirement"},
      {"pyproject.toml", "[project\nname = 'x'\n", "pyproject.toml:1: invalid TOML"},
      {"pyproject.toml", "[project]\ndependencies = \"requests\"\n", "pyproject.toml:2: project.dependencies"},
      {"pyproject.toml", "[project]\ndependencies = [\n  \"!!bad\",\n]\n", "pyproject.toml:3:"},
      {"pyproject.toml", "[tool.poetry.dependencies]\nrequests = 2\n", "expected a version string or a table"},
      {"Pipfile", "[packages]\nrequests = 3\n", "Pipfile:2: packages.requests"},
      {"Cargo.toml", "[dependencies]\nserde = 1\n", "Cargo.toml:2: dependencies.serde"},
      {"Cargo.toml", "[dependencies]\nserde = \"1\n", "Cargo.toml:2: invalid TOML"},
      {"Cargo.toml", "dependencies = 3\n", "dependencies is not a table"},
      {"go.mod", "module m\nrequire (\n  example.com/a v1.0.0\n", "go.mod:2: require block is not closed"},
      {"go.mod", "module m\nrequire example.com/a\n", "go.mod:2: a requirement is a module path and a version"},
      {"go.mod", "module m\n)\n", "go.mod:2:"},
      {"go.mod", "require \"example.com/a v1\n", "go.mod:1: unterminated string"},
      {"pom.xml", "<project>\n<dependencies>\n</project>", "pom.xml:3: invalid XML"},
      {"pom.xml", "<settings/>", "the root element is <settings>, not <project>"},
      {"pom.xml", "<project>\n<dependencies>\n<dependency><groupId>g</groupId></dependency>\n</dependencies></project>",
       "pom.xml:3: a dependency needs a groupId and an artifactId"},
      {"build.gradle", "dependencies {\n  implementation 'a:b:1\n}\n", "build.gradle:2: unterminated string"},
      {"build.gradle", "dependencies {\n  implementation 'a:b:1'\n", "build.gradle:1: '{' is not closed"},
      {"build.gradle.kts", "}\n", "build.gradle.kts:1: '}' without a block to close"},
      {"build.gradle.kts", "/* never closed\n", "build.gradle.kts:1: unterminated /* comment"},
      {"Gemfile", "gem \"rails\n", "Gemfile:1: unterminated string"},
      {"Gemfile", "group :test do\n  gem 'rspec'\n", "Gemfile:1: block is not closed with 'end'"},
      {"Gemfile", "gem 'a'\nend\n", "Gemfile:2: 'end' without a block to close"},
      {"Gemfile", "gem\n", "Gemfile:1: gem without a name"},
      {"CMakeLists.txt", "project(x)\nfind_package(Boost REQUIRED\n", "CMakeLists.txt:2: ')' missing"},
      {"CMakeLists.txt", "find_package(\"Boost)\n", "CMakeLists.txt:1: unterminated quoted argument"},
      {"CMakeLists.txt", "project x\n", "CMakeLists.txt:1: expected '(' after project"},
      {"CMakeLists.txt", "#[[ never closed\n", "CMakeLists.txt:1: unterminated bracket comment"},
      {"CMakeLists.txt", "{}\n", "CMakeLists.txt:1: unexpected character"},
      {"vcpkg.json", R"({"dependencies": [1]})", "neither a name nor an object"},
      {"vcpkg.json", R"({"dependencies": [{"version>=": "1"}]})", "a dependency object needs a name"},
      {"vcpkg.json", R"({"dependencies": {}})", "dependencies is not an array"},
      {"conanfile.txt", "[requires]\nzlib\n", "conanfile.txt:2: expected a reference name/version"},
      {"conanfile.txt", "[requires\nzlib/1\n", "conanfile.txt:1: a section header must end with ']'"},
      {"README.md", "# not a manifest", "README.md: not a manifest"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.path + ": " + c.content);
    auto r = parse_manifest(c.path, c.content);
    ASSERT_FALSE(r);
    EXPECT_EQ(r.error().kind, ErrorKind::invalid_argument);
    EXPECT_TRUE(r.error().message.starts_with(c.path + ":")) << r.error().message;
    EXPECT_NE(r.error().message.find(c.says), std::string::npos) << r.error().message;
  }
}

// --- hostile input: bounded work, no crash ------------------------------------

std::string repeat(std::string_view piece, std::size_t times) {
  std::string out;
  out.reserve(piece.size() * times);
  for (std::size_t i = 0; i < times; ++i) out += piece;
  return out;
}

TEST(Manifests, DeepNestingIsRefusedOrReadWithoutRecursion) {
  // JSON beyond the depth limit is an error.
  auto json = parse_manifest("package.json", repeat("[", 100000) + repeat("]", 100000));
  ASSERT_FALSE(json);
  EXPECT_NE(json.error().message.find("package.json:1: invalid JSON"), std::string::npos);

  // toml++ would recurse once per dotted part when destroying the table.
  auto toml = parse_manifest("Cargo.toml", "a" + repeat(".a", 300000) + " = 1\n");
  ASSERT_FALSE(toml);
  EXPECT_NE(toml.error().message.find("Cargo.toml:1: keys nest deeper"), std::string::npos);
  auto header = parse_manifest("pyproject.toml", "[a" + repeat(".a", 300000) + "]\n");
  ASSERT_FALSE(header);
  auto inline_tables = parse_manifest("pyproject.toml", "a = " + repeat("{b = ", 100000) + "1" + repeat("}", 100000));
  ASSERT_FALSE(inline_tables);
  // Dots inside strings are not keys.
  EXPECT_TRUE(parse_manifest("Pipfile", "[packages]\nx = \"" + repeat(".", 5000) + "\"\n"));

  // Deep XML is parsed without recursion; nothing in it is a dependency.
  EXPECT_TRUE(parse_manifest("pom.xml", "<project>" + repeat("<a>", 200000) + repeat("</a>", 200000) + "</project>"));

  // Brackets in the text formats are counted, not recursed into.
  EXPECT_FALSE(parse_manifest("build.gradle", "dependencies " + repeat("{", 200000)));
  EXPECT_FALSE(parse_manifest("build.gradle", "dependencies { implementation(" + repeat("(", 200000) + "\n}"));
  auto platforms = parse_manifest("build.gradle", "dependencies {\n implementation " + repeat("platform(", 100000) +
                                                      "'g:a:1'" + repeat(")", 100000) + "\n}\n");
  ASSERT_TRUE(platforms);
  EXPECT_TRUE(platforms->empty());
  EXPECT_FALSE(parse_manifest("CMakeLists.txt", "find_package(" + repeat("(", 200000)));
  EXPECT_FALSE(parse_manifest("Gemfile", repeat("if x\n", 200000)));
}

TEST(Manifests, LargeFilesAreLinearAndOversizedOnesRefused) {
  std::string many;
  for (int i = 0; i < 100000; ++i) many += "package-" + std::to_string(i) + "==1.0." + std::to_string(i) + "\n";
  auto start = std::chrono::steady_clock::now();
  auto deps = parse_manifest("requirements.txt", many);
  auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_TRUE(deps);
  EXPECT_EQ(deps->size(), 100000u);
  EXPECT_EQ(deps->back().name, "package-99999");
  EXPECT_LT(elapsed, std::chrono::seconds(10));  // a sanity bound; the real cost is milliseconds

  auto huge = parse_manifest("package.json", std::string(9 * 1024 * 1024, ' '));
  ASSERT_FALSE(huge);
  EXPECT_NE(huge.error().message.find("package.json: larger than 8 MiB"), std::string::npos);
}

TEST(Manifests, GarbageNeverCrashes) {
  // Every parser on bytes that are no format at all: an error or a (possibly
  // empty) list, never a crash or a hang.
  std::string garbage;
  std::uint32_t x = 12345;
  for (int i = 0; i < 20000; ++i) {
    x = x * 1103515245 + 12345;
    garbage += static_cast<char>((x >> 16) & 0xff);
  }
  const char* kAll[] = {"package.json",     "composer.json", "vcpkg.json",     "requirements.txt", "pyproject.toml",
                        "Pipfile",          "Cargo.toml",    "go.mod",         "pom.xml",          "build.gradle",
                        "build.gradle.kts", "Gemfile",       "CMakeLists.txt", "conanfile.txt"};
  for (const char* path : kAll) {
    for (std::size_t cut : {std::size_t{0}, std::size_t{1}, std::size_t{100}, garbage.size()}) {
      (void)parse_manifest(path, std::string_view(garbage).substr(0, cut));
    }
    // Every realistic manifest cut short at every 97th byte.
    for (const Case* c :
         {&kPackageJson, &kRequirementsDev, &kPyprojectPep621, &kPipfile, &kCargoToml, &kGoMod, &kPomXml, &kBuildGradle,
          &kBuildGradleKts, &kGemfile, &kComposerJson, &kCMakeLists, &kVcpkgJson, &kConanfileTxt}) {
      for (std::size_t cut = 0; cut < c->content.size(); cut += 97) {
        (void)parse_manifest(path, std::string_view(c->content).substr(0, cut));
      }
    }
  }
}

// --- which paths are manifests -------------------------------------------------

TEST(Manifests, IsManifest) {
  const std::vector<std::pair<std::string, bool>> cases = {
      {"package.json", true},
      {"a/b/package.json", true},
      {"package-lock.json", false},
      {"node_modules/react/package.json", false},
      {"web/node_modules/@types/node/package.json", false},
      {"requirements.txt", true},
      {"requirements-dev.txt", true},
      {"dev-requirements.txt", true},
      {"docs/requirements.txt", true},
      {"requirements/base.txt", true},
      {"requirements.in", true},
      {"constraints.txt", false},
      {"notes.txt", false},
      {"pyproject.toml", true},
      {"Pipfile", true},
      {"Pipfile.lock", false},
      {"Cargo.toml", true},
      {"Cargo.lock", false},
      {"go.mod", true},
      {"go.sum", false},
      {"pom.xml", true},
      {"build.gradle", true},
      {"app/build.gradle.kts", true},
      {"settings.gradle", false},
      {"gradle/libs.versions.toml", false},
      {"Gemfile", true},
      {"gems.rb", true},
      {"Gemfile.lock", false},
      {"composer.json", true},
      {"composer.lock", false},
      {"CMakeLists.txt", true},
      {"src/CMakeLists.txt", true},
      {"cmake/foo.cmake", false},
      {"cmake/Dependencies.cmake", false},
      {"vcpkg.json", true},
      {"vcpkg-configuration.json", false},
      {"conanfile.txt", true},
      {"conanfile.py", false},
      {"README.md", false},
      {"", false},
      {"package.json/", false},
  };
  for (const auto& [path, expected] : cases) EXPECT_EQ(is_manifest(path), expected) << path;
}

}  // namespace
}  // namespace devagent::code
