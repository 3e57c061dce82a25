#!/usr/bin/env python3
"""Checks compose.yaml, its override compose.postgres.yaml, its env file
template and the Dockerfile without a Docker engine.

  scripts/check-compose.py              check the files of this repository
  scripts/check-compose.py --self-test  also check deliberately broken copies
                                        of them, each of which must be refused

What it checks:

1. compose.yaml is valid against the Compose Specification's JSON schema. The
   schema is the one check-jsonschema (PyPI) vendors from the compose-spec
   project; it is downloaded with pip once, its SHA-256 checked against the
   one the wheel ships, and cached under .build/compose-schema/. Each
   override file beside it (OVERLAYS: compose.postgres.yaml) is valid too,
   and everything below is checked for compose.yaml alone and for
   compose.yaml merged with each override, by Compose's merge rules.
2. Every program a service runs (command, entrypoint, exec-form healthcheck)
   is an executable product of Package.swift that the Dockerfile copies into
   the image (or one of the few base-image tools in BASE_IMAGE_TOOLS); every
   --option it passes is one that program declares, and a subcommand one it
   has (or none, when its main command also runs on its own). A service not
   built from this repository (the PostgreSQL server) runs an image pinned to
   a version, and what it runs is not checked.
3. Every environment variable compose.yaml sets, and every one in the
   template of an env_file (herald.env -> herald.env.example), is read by the
   program that receives it: its name is a string literal in the Swift
   sources of that program's targets. Each "## <program>" section of the
   template lists only that program's variables, and every variable a
   channel program names in its own sources is in the template.
4. The Dockerfile: every COPY --from stage exists, every binary copied is a
   product, the build stage installs the -dev packages of
   scripts/install-deps.sh and the runtime stage the libraries they belong to,
   the Swift image is new enough for Package.swift and of the runtime's Debian.
5. A few rules of this deployment: ports are published on the host's loopback
   only (the gateway and the metrics are plain HTTP), a SQLite database (and
   a PostgreSQL server's data) is on a named volume, a service a depends_on
   waits for as healthy has a healthcheck, and every channel endpoint the
   channels are given (and every admin endpoint the gateway is given, a
   comma-separated list for several cores) is one a core binds.
6. Secrets are never inline: a variable named like a password, token or
   secret, and the password of a database URL, is a ${VARIABLE} that Compose
   substitutes; a variable that only Compose uses (no program reads it) must
   be required, ${VARIABLE:?why}, so that an unset one stops Compose instead
   of becoming an empty password. A core on PostgreSQL takes the URL in
   HERALD_DB (a command line is visible to every user of the host), waits
   for the database service to be healthy, and names itself with --core-id
   (the default, the host name, is the container id under Compose), unique
   among the cores of that database.

Needs python3 with PyYAML and jsonschema (scripts/install-test-peers.sh
installs them), pip (for the schema), and swift (`swift package dump-package`).
"""

import argparse
import copy
import hashlib
import json
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

try:
    import jsonschema
    import yaml
except ImportError as error:
    sys.exit(f"check-compose: {error}; run scripts/install-test-peers.sh (it installs PyYAML and jsonschema)")

ROOT = Path(__file__).resolve().parent.parent

# The Compose Specification's schema, as vendored by check-jsonschema. Pinned:
# a new release is a deliberate change here, not a surprise in CI.
SCHEMA_PACKAGE = "check-jsonschema==0.39.0"
SCHEMA_MEMBER = "check_jsonschema/builtin_schemas/vendor/compose-spec.json"
SCHEMA_SHA256_MEMBER = "check_jsonschema/builtin_schemas/vendor/sha256/compose-spec.sha256"
SCHEMA_CACHE = ROOT / ".build" / "compose-schema" / "compose-spec-0.39.0.json"

# Programs of debian:bookworm-slim's essential packages that a service may run
# besides ours (the channels' healthcheck greps /proc/net/tcp).
BASE_IMAGE_TOOLS = {"grep"}

# Override files beside compose.yaml, each checked merged into it (and on its own
# against the schema).
OVERLAYS = ("compose.postgres.yaml",)

# Where images not built here keep their data, by image name: it must be on a
# named volume.
DATA_DIRECTORIES = {"postgres": ("/var/lib/postgresql/data", "/var/lib/postgresql")}

# Environment variables holding secrets: their values must come from ${...}.
SECRET_NAME = re.compile(r"PASSWORD|TOKEN|SECRET(?!_KEY$)|API_KEY")

ENV_NAME = re.compile(r"\b[A-Z][A-Z0-9]*_[A-Z0-9_]+\b")
EVERY_PROGRAM_SECTION = "every channel program"


class Problems:
    """Every problem found, each naming the file and the thing at fault."""

    def __init__(self):
        self.items = []

    def add(self, where, message):
        item = f"{where}: {message}"
        if item not in self.items:
            self.items.append(item)

    def __bool__(self):
        return bool(self.items)


# ---------------------------------------------------------------- the package


class Package:
    """Package.swift as SwiftPM reads it, and what its programs' sources say."""

    def __init__(self, root):
        self.root = root
        result = subprocess.run(
            ["swift", "package", "dump-package"], cwd=root, capture_output=True, text=True)
        if result.returncode != 0:
            sys.exit(f"check-compose: swift package dump-package failed:\n{result.stderr}")
        dump = json.loads(result.stdout)
        self.tools_version = tuple(int(part) for part in dump["toolsVersion"]["_version"].split(".")[:2])
        self.targets = {target["name"]: target for target in dump["targets"]}
        self.executables = {
            product["name"]: product["targets"][0]
            for product in dump["products"] if "executable" in product["type"]
        }
        self._sources = {}

    def target_directory(self, name):
        target = self.targets[name]
        if target.get("path"):
            return self.root / target["path"]
        return self.root / ("Tests" if target["type"] == "test" else "Sources") / name

    def local_dependencies(self, name, seen=None):
        """The target and every target of this package it depends on."""
        seen = set() if seen is None else seen
        if name in seen:
            return seen
        seen.add(name)
        for dependency in self.targets[name]["dependencies"]:
            for kind in ("byName", "target"):
                if kind in dependency and dependency[kind][0] in self.targets:
                    self.local_dependencies(dependency[kind][0], seen)
        return seen

    def _swift(self, directory):
        if directory not in self._sources:
            self._sources[directory] = "\n".join(
                path.read_text(encoding="utf-8") for path in sorted(directory.rglob("*.swift")))
        return self._sources[directory]

    def own_source(self, program):
        return self._swift(self.target_directory(self.executables[program]))

    def source(self, program):
        """All Swift code that ends up in a program."""
        return "\n".join(self._swift(self.target_directory(name))
                         for name in sorted(self.local_dependencies(self.executables[program])))

    def reads(self, program, variable):
        """Whether the program's code names the variable as a string literal,
        as `environment["SMTP_URL"]` or `static let url = "SMTP_URL"` do."""
        return f'"{variable}"' in self.source(program)

    def options(self, program):
        """The --long options its ArgumentParser commands declare."""
        source = self.source(program)
        names = {"help", "version"}
        for match in re.finditer(r"@(?:Option|Flag)\b(.*?)\bvar\s+(\w+)", source, re.S):
            attribute, variable = match.groups()
            custom = re.search(r'customLong\("([^"]+)"', attribute)
            names.add(custom.group(1) if custom else re.sub(r"(?<!^)(?=[A-Z])", "-", variable).lower())
        return names

    def subcommands(self, program):
        """Its subcommands' names, or None when it has none."""
        source = self.source(program)
        if "subcommands:" not in source:
            return None
        return set(re.findall(r'commandName:\s*"([^"]+)"', source)) - {program}

    def runs_alone(self, program):
        """Whether its @main command has a run() of its own, so that it runs with
        options only, no subcommand (heraldd beside `heraldd copy`)."""
        source = self.own_source(program)
        main = re.search(r"@main\s+(?:public\s+)?struct\s+(\w+)[^{]*\{", source)
        if not main:
            return False
        depth, index = 1, main.end()
        while depth and index < len(source):
            depth += {"{": 1, "}": -1}.get(source[index], 0)
            index += 1
        bodies = [source[main.end():index]]
        bodies += re.findall(rf"extension\s+{main.group(1)}\b[^{{]*\{{(.*?)\n\}}", source, re.S)
        return any(re.search(r"\bfunc\s+run\s*\(", body) for body in bodies)


# ---------------------------------------------------------------- the Dockerfile


class Dockerfile:
    def __init__(self, path):
        self.path = path
        self.stages = []  # each {"name", "image", "instructions": [(keyword, arguments)]}
        arguments = {}
        logical = ""
        for line in path.read_text(encoding="utf-8").splitlines():
            stripped = line.strip()
            if stripped.startswith("#") or (not stripped and not logical):
                continue
            if stripped.endswith("\\"):
                logical += stripped[:-1] + " "
                continue
            logical += stripped
            keyword, _, rest = logical.partition(" ")
            keyword, rest = keyword.upper(), rest.strip()
            logical = ""
            if keyword == "ARG" and not self.stages:
                name, _, default = rest.partition("=")
                arguments[name] = default
            elif keyword == "FROM":
                words = re.sub(r"\$\{?(\w+)\}?", lambda m: arguments.get(m.group(1), m.group(0)), rest).split()
                words = [word for word in words if not word.startswith("--")]
                name = words[2] if len(words) >= 3 and words[1].upper() == "AS" else str(len(self.stages))
                self.stages.append({"name": name, "image": words[0], "instructions": []})
            elif self.stages:
                self.stages[-1]["instructions"].append((keyword, rest))

    def stage(self, name):
        for index, stage in enumerate(self.stages):
            if stage["name"] == name or str(index) == name:
                return stage
        return None

    @staticmethod
    def run_text(stage):
        return "\n".join(arguments for keyword, arguments in stage["instructions"] if keyword == "RUN")

    @staticmethod
    def apt_installs(stage):
        packages = set()
        for command in re.findall(r"apt-get\s+install\s+([^;&|]*)", Dockerfile.run_text(stage)):
            packages.update(word for word in command.split() if not word.startswith("-"))
        return packages

    def copied_binaries(self):
        """Binaries the final stage copies into /usr/local/bin, by name, with
        the stage each comes from."""
        binaries = {}
        for keyword, arguments in self.stages[-1]["instructions"] if self.stages else []:
            if keyword != "COPY":
                continue
            words = arguments.split()
            source_stage = next((word.split("=", 1)[1] for word in words if word.startswith("--from=")), None)
            paths = [word for word in words if not word.startswith("--")]
            if source_stage is None or len(paths) < 2 or not paths[-1].startswith("/usr/local/bin"):
                continue
            for path in paths[:-1]:
                binaries[path.rstrip("/").rsplit("/", 1)[-1]] = source_stage
        return binaries

    def exec_form(self, keyword):
        for found, arguments in self.stages[-1]["instructions"] if self.stages else []:
            if found == keyword:
                try:
                    return json.loads(arguments)
                except ValueError:
                    return arguments
        return None


def debian_codename(image):
    """bookworm from swift:6.3-bookworm or debian:bookworm-slim."""
    tag = image.partition(":")[2]
    for codename in ("buster", "bullseye", "bookworm", "trixie", "forky"):
        if codename in tag.split("-"):
            return codename
    return None


def runtime_library(dev_package):
    """The library package a -dev package is the headers of: its dependency of
    exactly the same version (libzmq3-dev 4.3.4-6 -> libzmq5 (= 4.3.4-6))."""
    result = subprocess.run(["dpkg-query", "-W", "-f=${Version}\t${Depends}", dev_package],
                            capture_output=True, text=True)
    if result.returncode != 0:
        return None
    version, _, depends = result.stdout.partition("\t")
    for dependency in depends.split(","):
        match = re.fullmatch(r"\s*([\w.+-]+)(?::\w+)?\s*\(=\s*([^)]+)\)\s*", dependency)
        if match and match.group(2).strip() == version.strip() and not match.group(1).endswith("-dev"):
            return match.group(1)
    return None


# Channel programs for tests and benchmarks only.
NOT_SHIPPED = {"herald-test-channel"}


def check_dockerfile(dockerfile, package, install_deps, problems):
    where = dockerfile.path.name
    if not dockerfile.stages:
        problems.add(where, "no FROM")
        return
    for index, stage in enumerate(dockerfile.stages):
        for keyword, arguments in stage["instructions"]:
            for source in re.findall(r"--from=(\S+)", arguments) if keyword == "COPY" else []:
                earlier = [s["name"] for s in dockerfile.stages[:index]] + [str(i) for i in range(index)]
                if source not in earlier:
                    problems.add(where, f"COPY --from={source}: no earlier stage is called {source}")

    copied = dockerfile.copied_binaries()
    if not copied:
        problems.add(where, "the final stage copies no binary into /usr/local/bin")
    # Every channel program ships in the image, so a new plugin cannot be forgotten.
    for product, target in sorted(package.executables.items()):
        path = package.targets[target].get("path") or ""
        if path.startswith("Plugins/") and product not in NOT_SHIPPED and product not in copied:
            problems.add(where, f"does not copy {product}, a channel program of Package.swift")
    build_stages = set()
    for binary, source in copied.items():
        if binary not in package.executables:
            problems.add(where, f"copies {binary}, which is not an executable product of Package.swift")
        stage = dockerfile.stage(source)
        if stage is None:
            continue
        build_stages.add(source)
        if not re.search(rf"(?<![\w-]){re.escape(binary)}(?![\w-])", Dockerfile.run_text(stage)):
            problems.add(where, f"copies {binary} from stage {source}, which never builds it")

    dev_packages = [package for package in re.search(
        r"packages=\(([^)]*)\)", install_deps.read_text(encoding="utf-8")).group(1).split()
        if package.endswith("-dev")]
    runtime = dockerfile.stages[-1]
    for source in sorted(build_stages):
        stage = dockerfile.stage(source)
        missing = [name for name in dev_packages if name not in Dockerfile.apt_installs(stage)]
        if missing:
            problems.add(where, f"stage {source} does not install {', '.join(missing)} "
                                f"(scripts/install-deps.sh builds with them)")
        swift = re.fullmatch(r"(?:docker\.io/)?(?:library/)?swift:(\d+)\.(\d+)[.\w-]*", stage["image"])
        if not swift:
            problems.add(where, f"stage {source} is built from {stage['image']}, not an official swift image")
        elif (int(swift.group(1)), int(swift.group(2))) < package.tools_version:
            problems.add(where, f"{stage['image']} is older than Package.swift's tools version "
                                f"{'.'.join(map(str, package.tools_version))}")
        if debian_codename(stage["image"]) != debian_codename(runtime["image"]) or not debian_codename(runtime["image"]):
            problems.add(where, f"the build image {stage['image']} and the runtime image {runtime['image']} "
                                "are not the same Debian release")
    for dev_package in dev_packages:
        library = runtime_library(dev_package)
        if library is None:
            problems.add(where, f"cannot tell which library {dev_package} belongs to; "
                                "run scripts/install-deps.sh so that dpkg knows it")
        elif library not in Dockerfile.apt_installs(runtime):
            problems.add(where, f"the runtime stage does not install {library}, "
                                f"the library of {dev_package} the binaries are linked against")
    if "USER" not in {keyword for keyword, _ in runtime["instructions"]}:
        problems.add(where, "the runtime stage runs as root (no USER)")


# ---------------------------------------------------------------- compose.yaml


def load_schema(path=None):
    if path:
        return json.loads(Path(path).read_text(encoding="utf-8"))
    if not SCHEMA_CACHE.exists():
        with tempfile.TemporaryDirectory() as download:
            print(f"check-compose: downloading {SCHEMA_PACKAGE} for the Compose Specification's schema", file=sys.stderr)
            result = subprocess.run(
                [sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
                 "--no-deps", "--only-binary=:all:", "-d", download, SCHEMA_PACKAGE],
                capture_output=True, text=True)
            wheels = list(Path(download).glob("*.whl"))
            if result.returncode != 0 or not wheels:
                sys.exit(f"check-compose: pip download {SCHEMA_PACKAGE} failed:\n{result.stderr}")
            with zipfile.ZipFile(wheels[0]) as wheel:
                schema = wheel.read(SCHEMA_MEMBER)
                expected = wheel.read(SCHEMA_SHA256_MEMBER).decode().split()[0]
            if hashlib.sha256(schema).hexdigest() != expected:
                sys.exit(f"check-compose: {SCHEMA_MEMBER} in {wheels[0].name} does not match its SHA-256")
            SCHEMA_CACHE.parent.mkdir(parents=True, exist_ok=True)
            partial = SCHEMA_CACHE.with_suffix(".partial")
            partial.write_bytes(schema)
            partial.replace(SCHEMA_CACHE)
    return json.loads(SCHEMA_CACHE.read_text(encoding="utf-8"))


def argv_of(value):
    if value is None:
        return None
    return shlex.split(value) if isinstance(value, str) else [str(word) for word in value]


def environment_of(service):
    environment = service.get("environment") or {}
    if isinstance(environment, list):
        return dict(entry.partition("=")[::2] for entry in environment)
    return {name: "" if value is None else str(value) for name, value in environment.items()}


def env_files_of(service):
    files = service.get("env_file") or []
    files = [files] if isinstance(files, str) else files
    return [entry if isinstance(entry, str) else entry["path"] for entry in files]


def option_value(argv, option):
    for index, word in enumerate(argv):
        if word == option and index + 1 < len(argv):
            return argv[index + 1]
        if word.startswith(option + "="):
            return word.split("=", 1)[1]
    return None


def endpoint_port(endpoint):
    match = re.fullmatch(r"tcp://([^:/]+|\[[^\]]+\]):(\d+)", endpoint or "")
    return (match.group(1), int(match.group(2))) if match else None


def check_program(where, argv, package, image_binaries, problems):
    """The program exists in the image and takes these options."""
    if not argv:
        problems.add(where, "runs nothing")
        return None
    program = argv[0]
    if program in BASE_IMAGE_TOOLS:
        return program
    if program not in package.executables:
        problems.add(where, f"runs {program}, which is not an executable product of Package.swift")
        return None
    if program not in image_binaries:
        problems.add(where, f"runs {program}, which the Dockerfile does not copy into the image")
    options = package.options(program)
    for word in argv[1:]:
        if word.startswith("--"):
            name = word[2:].split("=", 1)[0]
            if name not in options:
                problems.add(where, f"passes --{name}, which {program} does not take")
    subcommands = package.subcommands(program)
    if subcommands is not None:
        first = argv[1] if len(argv) > 1 else None
        if first is not None and not first.startswith("-"):
            if first not in subcommands:
                problems.add(where, f"runs {program} {first}, which is not one of its subcommands")
        elif not package.runs_alone(program):
            problems.add(where, f"runs {program} without a subcommand, which it needs")
    return program


def parse_env_template(path, problems):
    """[(section or None, variable)] of an env file template, commented-out
    optional variables included."""
    entries = []
    section = None
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        header = re.fullmatch(r"##\s+(.+?)\s*", line)
        if header:
            section = header.group(1)
            continue
        assignment = re.match(r"#?\s*([A-Za-z_][A-Za-z0-9_]*)=", line)
        if assignment:
            entries.append((section, assignment.group(1), number))
        elif line.strip() and not line.startswith("#"):
            problems.add(f"{path.name}:{number}", "neither a comment nor NAME=value")
    return entries


def validate(document, where, schema, problems):
    """Whether the document is valid Compose with services."""
    validator = jsonschema.Draft202012Validator(schema)
    for error in sorted(validator.iter_errors(document), key=lambda error: list(error.absolute_path)):
        path = "/".join(str(part) for part in error.absolute_path) or "(top level)"
        problems.add(where, f"not valid Compose: {path}: {error.message}")
    if not isinstance(document, dict) or not isinstance(document.get("services"), dict):
        problems.add(where, "no services")
        return False
    return True


def normalized(document):
    """Environment and depends_on as mappings, as Compose reads them before merging."""
    for service in (document.get("services") or {}).values():
        if not isinstance(service, dict):
            continue
        if isinstance(service.get("environment"), list):
            service["environment"] = environment_of(service)
        if isinstance(service.get("depends_on"), list):
            service["depends_on"] = {name: {"condition": "service_started"} for name in service["depends_on"]}
    return document


def merged(base, override, path=()):
    """override merged into base by the Compose Specification's rules (13-merge.md):
    mappings merge key by key; command, entrypoint and healthcheck.test are
    replaced; a service's ports and volumes merge by their unique key (a volume's
    target); other sequences append what they lack; anything else is replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        result = dict(base)
        for key, value in override.items():
            result[key] = merged(result[key], value, path + (key,)) if key in result else value
        return result
    if isinstance(base, list) and isinstance(override, list):
        if path[-1:] in (("command",), ("entrypoint",)) or path[-2:] == ("healthcheck", "test"):
            return override
        if len(path) == 3 and path[0] == "services" and path[2] == "volumes":
            def target(volume):
                return volume.get("target") if isinstance(volume, dict) else (str(volume).split(":") + [None])[1]
            replaced = {target(volume) for volume in override}
            return [volume for volume in base if target(volume) not in replaced] + override
        return base + [item for item in override if item not in base]
    return override


def check_compose(compose_path, dockerfile, package, schema, problems):
    """compose.yaml alone, and merged with each override file beside it."""
    base = yaml.safe_load(compose_path.read_text(encoding="utf-8"))
    if not validate(base, compose_path.name, schema, problems):
        return
    check_model(normalized(copy.deepcopy(base)), compose_path.name, compose_path.parent, dockerfile, package,
                problems)
    for overlay_name in OVERLAYS:
        overlay_path = compose_path.parent / overlay_name
        if not overlay_path.exists():
            continue
        overlay = yaml.safe_load(overlay_path.read_text(encoding="utf-8"))
        if not validate(overlay, overlay_name, schema, problems):
            continue
        where = f"{compose_path.name} + {overlay_name}"
        document = merged(normalized(copy.deepcopy(base)), normalized(copy.deepcopy(overlay)))
        if validate(document, where, schema, problems):
            check_model(document, where, compose_path.parent, dockerfile, package, problems)


def masked(text):
    """The text with every ${...} interpolation replaced by a placeholder without
    URL syntax (the message of ${VARIABLE:?message} may have any)."""
    return re.sub(r"\$\{[^}]*\}", "INTERPOLATEDX", text)


# postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE[?...], on a masked text.
POSTGRES_URL = re.compile(r"postgres(?:ql)?://([^:@/]+)(?::([^@/]*))?@([^:/?]+)(?::(\d+))?/([^?]+)")


def volume_sources(service):
    """{target: source} of the service's volumes."""
    sources = {}
    for volume in service.get("volumes") or []:
        if isinstance(volume, dict):
            sources[volume.get("target")] = volume.get("source")
        else:
            parts = str(volume).split(":")
            if len(parts) >= 2:
                sources[parts[1]] = parts[0]
    return sources


def check_foreign_image(at, service, declared_volumes, problems):
    """An image not built here: pinned to a version (a tag starting with a digit,
    or a digest), its data directory (DATA_DIRECTORIES) on a named volume."""
    image = service["image"]
    if "@sha256:" not in image:
        repository, _, tag = image.rpartition(":")
        if not repository or "/" in tag or not re.match(r"\d", tag):
            problems.add(at, f"runs image {image}, not pinned to a version (e.g. postgres:16-bookworm): "
                             "a pull could bring a new major version, whose data directory the old one cannot read")
    name = image.split("@")[0].rsplit("/", 1)[-1].split(":")[0]
    if name in DATA_DIRECTORIES:
        sources = volume_sources(service)
        if not any(sources.get(target) in declared_volumes for target in DATA_DIRECTORIES[name]):
            problems.add(at, f"the data of {image} ({DATA_DIRECTORIES[name][0]}) is not on a named volume")


def check_model(document, where, directory, dockerfile, package, problems):
    image_binaries = set(dockerfile.copied_binaries())
    default_argv = argv_of(dockerfile.exec_form("ENTRYPOINT") or []) + argv_of(dockerfile.exec_form("CMD") or [])
    if default_argv:
        check_program(f"{dockerfile.path.name}: CMD", default_argv, package, image_binaries, problems)
    services = document["services"]
    declared_volumes = set((document.get("volumes") or {}).keys())
    programs = {}
    built_images = {service.get("image") for service in services.values() if service.get("build")}
    for name, service in services.items():
        at = f"{where}: services.{name}"
        build = service.get("build")
        image = service.get("image")
        healthcheck = service.get("healthcheck") or {}
        test = healthcheck.get("test")
        test = None if test is None or healthcheck.get("disable") else [test] if isinstance(test, str) else test
        if build is None and image and image not in built_images:
            # Not built here (the PostgreSQL server): pinned to a version, its data on
            # a named volume; what it runs is its own business.
            programs[name] = None
            service["_argv"] = (argv_of(service.get("entrypoint")) or []) + (argv_of(service.get("command")) or [])
            check_foreign_image(at, service, declared_volumes, problems)
            if test is not None and test[0] not in ("CMD", "NONE"):
                problems.add(f"{at}.healthcheck", f"use the exec form [\"CMD\", ...], not {test[0]!r}")
        else:
            context = build if isinstance(build, str) else (build or {}).get("context")
            dockerfile_name = None if isinstance(build, str) or build is None else build.get("dockerfile")
            if context not in (".", "./") or dockerfile_name not in (None, "Dockerfile"):
                problems.add(at, "is not built from this repository's Dockerfile (build: .), so the check cannot "
                                 "tell what its image holds")
            argv = (argv_of(service.get("entrypoint")) or []) + (argv_of(service.get("command")) or [])
            if not argv:
                argv = default_argv
            programs[name] = check_program(f"{at}.command", argv, package, image_binaries, problems)
            service["_argv"] = argv

            if test is not None:
                if test[0] == "CMD":
                    check_program(f"{at}.healthcheck", test[1:], package, image_binaries, problems)
                elif test[0] != "NONE":
                    problems.add(f"{at}.healthcheck", f"use the exec form [\"CMD\", ...], not {test[0]!r}, "
                                                       "so that the program it runs can be checked")

            program = programs[name]
            for variable in environment_of(service):
                if program and program not in BASE_IMAGE_TOOLS and not package.reads(program, variable):
                    problems.add(f"{at}.environment", f"{variable} is not read by {program}")

        for variable, value in environment_of(service).items():
            if SECRET_NAME.search(variable) and value and not value.startswith("/") and (
                    not re.fullmatch(r"\$\{[^}]*\}", value)):
                problems.add(f"{at}.environment", f"{variable} is a literal secret; take it from a ${{VARIABLE}} "
                                                  "that Compose substitutes from .env")

        for port in service.get("ports") or []:
            host_ip = port.get("host_ip") if isinstance(port, dict) else (
                str(port).rsplit(":", 2)[0] if str(port).count(":") >= 2 else None)
            if host_ip not in ("127.0.0.1", "::1", "[::1]"):
                problems.add(f"{at}.ports", f"{port} is published beyond the host's loopback; "
                                            "keep published ports on 127.0.0.1 (docs/security.md: the gateway and the metrics are plain HTTP)")

        for dependency, condition in (service.get("depends_on") or {}).items() if isinstance(
                service.get("depends_on"), dict) else []:
            if (condition or {}).get("condition") == "service_healthy" and not (
                    services.get(dependency, {}).get("healthcheck")):
                problems.add(f"{at}.depends_on", f"waits for {dependency} to be healthy, which has no healthcheck")

    def strings(value):
        if isinstance(value, dict):
            for key, item in value.items():
                yield from strings(key)
                yield from strings(item)
        elif isinstance(value, list):
            for item in value:
                yield from strings(item)
        elif isinstance(value, str):
            yield value

    # Interpolations: a variable no program reads is Compose's alone (a password it
    # puts into a URL and a server's environment); it must be required, so that an
    # unset one stops Compose rather than become an empty string.
    interpolations = {}
    for value in strings(document):
        for braced, operator, bare in re.findall(
                r"(?<!\$)\$(?:\{([A-Za-z_][A-Za-z0-9_]*)(:?[-?+])?|([A-Za-z_][A-Za-z0-9_]*))", value):
            interpolations.setdefault(braced or bare, set()).add(operator if braced else "")
    for interpolated, operators in sorted(interpolations.items()):
        if any(package.reads(p, interpolated) for p in package.executables):
            continue
        if operators != {":?"}:
            problems.add(where, f"interpolates ${interpolated}, which no program reads; a variable for Compose "
                                f"alone must be required everywhere: ${{{interpolated}:?why}}")

    # Passwords in URLs: always a ${VARIABLE}, never written out.
    for value in strings(document):
        for match in re.finditer(r"[a-z][a-z0-9+.-]*://[^/\s:@]+:([^@/\s]*)@", masked(value)):
            if match.group(1) != "INTERPOLATEDX":
                problems.add(where, f"a URL has a literal password ({match.group(0).split('://')[0]}://...:***@...); "
                                    "take it from a ${VARIABLE} that Compose substitutes from .env")

    # The cores: a SQLite database on a named volume; on PostgreSQL the URL in
    # HERALD_DB, the database service waited for, and a --core-id of its own.
    channel_ports, admin_ports, core_ids = {}, {}, {}
    for name, service in services.items():
        if programs.get(name) != "heraldd":
            continue
        at = f"{where}: services.{name}"
        argv = service["_argv"]
        environment = environment_of(service)
        database = option_value(argv, "--db") or environment.get("HERALD_DB") or "./herald.db"
        url = POSTGRES_URL.match(masked(database))
        if database.startswith(("postgres://", "postgresql://")) and not url:
            problems.add(at, "the database URL is not postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        elif url:
            if option_value(argv, "--db") and url.group(2):
                problems.add(f"{at}.command", "passes the database URL with its password in --db, on a command line "
                                              "every user of the host can read (ps); give it in HERALD_DB")
            host = url.group(3)
            if host in services and ((service.get("depends_on") or {}).get(host) or {}).get(
                    "condition") != "service_healthy":
                problems.add(f"{at}.depends_on", f"does not wait for {host}, its database, to be healthy")
            core_id = option_value(argv, "--core-id") or environment.get("HERALD_CORE_ID")
            if not core_id:
                problems.add(at, "runs on PostgreSQL without --core-id: the default, the host name, is the "
                                 "container id, which changes whenever the container is recreated")
            else:
                key = (host, url.group(4) or "5432", url.group(5))
                core_ids.setdefault(key, {}).setdefault(core_id, []).append(name)
        else:
            path = database[len("sqlite:"):] if database.startswith("sqlite:") else database
            if not any(target and path.startswith(target.rstrip("/") + "/") and source in declared_volumes
                       for target, source in volume_sources(service).items()):
                problems.add(at, f"the database {database} is not on a named volume")
        channel = endpoint_port(option_value(argv, "--channel-endpoint")
                                or environment.get("HERALD_CHANNEL_ENDPOINT") or "tcp://127.0.0.1:7401")
        if channel:
            channel_ports[name] = channel[1]
        admin = endpoint_port(option_value(argv, "--admin-endpoint")
                              or environment.get("HERALD_ADMIN_ENDPOINT") or "tcp://127.0.0.1:7402")
        if admin:
            admin_ports[name] = admin[1]
    for (host, port, database), names in sorted(core_ids.items()):
        for core_id, cores in sorted(names.items()):
            if len(cores) > 1:
                problems.add(where, f"the cores {', '.join(cores)} share --core-id {core_id} on the database "
                                    f"{database} at {host}:{port}; each core needs its own")

    # Channels (and gateways) given several cores, comma-separated: each endpoint one a core binds.
    def core_endpoints(at, label, value, ports, kind):
        parsed = []
        for endpoint in value.split(","):
            port = endpoint_port(endpoint.strip())
            if not port or ports.get(port[0]) != port[1]:
                problems.add(at, f"{label}: {endpoint.strip()} is not the {kind} endpoint of a core service")
            else:
                parsed.append(port)
        return parsed

    for name, service in services.items():
        if programs.get(name) == "herald-gateway":
            value = option_value(service["_argv"], "--core") or environment_of(service).get("HERALD_CORE")
            if value:
                core_endpoints(f"{where}: services.{name}.command", f"--core {value}", value, admin_ports, "admin")
        endpoint = environment_of(service).get("HERALD_CHANNEL_ENDPOINT")
        if programs.get(name) == "heraldd" or endpoint is None:
            continue
        parsed = core_endpoints(f"{where}: services.{name}.environment", f"HERALD_CHANNEL_ENDPOINT={endpoint}",
                                endpoint, channel_ports, "channel")
        test = " ".join(str(word) for word in (service.get("healthcheck") or {}).get("test") or [])
        probe = re.search(r":([0-9A-F]{4}) 01 ", test)
        for _, port in parsed:
            if "/proc/net/tcp" in test and (not probe or int(probe.group(1), 16) != port):
                problems.add(f"{where}: services.{name}.healthcheck",
                             f"looks for a connection to port {probe.group(1) if probe else '?'} (hex), "
                             f"not {port} = {port:04X} of HERALD_CHANNEL_ENDPOINT")

    # CURVE key files: each one a service names must be on a volume it mounts, and
    # a subpath volume folder must be one `herald keys init` makes.
    key_options = ("--curve-secret-key", "--curve-server-key", "--authorized-keys")
    key_variables = ("HERALD_CURVE_SECRET_KEY", "HERALD_CURVE_SERVER_KEY", "HERALD_AUTHORIZED_KEYS")
    for name, service in services.items():
        targets = []
        for volume in service.get("volumes") or []:
            if isinstance(volume, dict):
                targets.append(volume.get("target"))
                subpath = (volume.get("volume") or {}).get("subpath")
                if subpath is not None and subpath not in KEY_SET_FOLDERS:
                    problems.add(f"{where}: services.{name}.volumes",
                                 f"subpath {subpath} is not a folder herald keys init makes ({', '.join(KEY_SET_FOLDERS)})")
            elif ":" in str(volume):
                targets.append(str(volume).split(":")[1])
        named = [(option, option_value(service["_argv"], option)) for option in key_options]
        named += [(variable, environment_of(service).get(variable)) for variable in key_variables]
        for option, path in named:
            if not path or not path.startswith("/"):
                continue
            if not any(target and path.startswith(target.rstrip("/") + "/") for target in targets):
                problems.add(f"{where}: services.{name}", f"{option} {path} is not on a volume the service mounts")

    # Env files: each has a committed template, whose variables the programs read.
    users = {}
    for name, service in services.items():
        for env_file in env_files_of(service):
            users.setdefault(env_file, []).append(name)
    for env_file, service_names in sorted(users.items()):
        template = directory / (env_file + ".example")
        if not template.exists():
            problems.add(where, f"env_file {env_file} has no committed template {template.name}")
            continue
        readers = {programs[name] for name in service_names if programs.get(name)}
        entries = parse_env_template(template, problems)
        for section, variable, number in entries:
            at = f"{template.name}:{number}"
            if section is None or section == EVERY_PROGRAM_SECTION:
                expected = readers if section else set()
                unread = sorted(p for p in expected if not package.reads(p, variable))
                if section is None:
                    problems.add(at, f"{variable} is outside a '## <program>' section")
                elif unread:
                    problems.add(at, f"{variable} is under '## {section}' but not read by {', '.join(unread)}")
            elif section not in readers:
                problems.add(at, f"section '## {section}' names no program of a service that reads {env_file}")
            elif not package.reads(section, variable):
                problems.add(at, f"{variable} is not read by {section}")
        documented = {variable for _, variable, _ in entries}
        for name in service_names:
            program = programs.get(name)
            if not program or program in BASE_IMAGE_TOOLS:
                continue
            named = set(ENV_NAME.findall(package.own_source(program)))
            for variable in sorted(named - documented - set(environment_of(services[name]))):
                if package.reads(program, variable):
                    problems.add(template.name, f"{variable}, which {program} reads, is not documented "
                                                f"under '## {program}'")


# The folders of the key set `herald keys init` makes (Sources/herald/Core/KeySet.swift).
KEY_SET_FOLDERS = ("core", "admin", "channel")


def check(root, compose, dockerfile_path, package, schema):
    problems = Problems()
    dockerfile = Dockerfile(dockerfile_path)
    check_dockerfile(dockerfile, package, root / "scripts" / "install-deps.sh", problems)
    check_compose(compose, dockerfile, package, schema, problems)
    return problems


# ---------------------------------------------------------------- self-test

# Each case breaks one copied file in one way; the check must refuse the copy
# with a message that contains the given words.
BROKEN = [
    ("an unknown service key", "compose.yaml",
     ("    restart: unless-stopped\n    stop_grace_period: 30s\n",
      "    restart: unless-stopped\n    restart_policy: always\n    stop_grace_period: 30s\n"),
     "'restart_policy' was unexpected"),
    ("an unknown top-level key", "compose.yaml",
     ("\nvolumes:\n", "\nvolume:\n  other:\nvolumes:\n"), "'volume' does not match"),
    ("a depends_on condition Compose does not know", "compose.yaml",
     ("condition: service_healthy", "condition: service_ready"), "service_ready"),
    ("a program that is not a product", "compose.yaml",
     ("command: [herald-sms-vonage]", "command: [herald-sms-nexmo]"), "runs herald-sms-nexmo"),
    ("a product the image lacks", "Dockerfile",
     ("/out/bin/herald-webhook /out/bin/herald-whatsapp /out/bin/herald-chat /usr/local/bin/",
      "/out/bin/herald-webhook /out/bin/herald-chat /usr/local/bin/"),
     "runs herald-whatsapp, which the Dockerfile does not copy"),
    ("a channel program left out of the image", "Dockerfile",
     ("/out/bin/herald-whatsapp /out/bin/herald-chat /usr/local/bin/", "/out/bin/herald-whatsapp /usr/local/bin/"),
     "does not copy herald-chat, a channel program"),
    ("an option the program does not take", "compose.yaml",
     ('"--timeout", "3"', '"--timout", "3"'), "--timout"),
    ("a subcommand the CLI does not have", "compose.yaml",
     ('"herald", "ping"', '"herald", "pong"'), "herald pong"),
    ("a shell-form healthcheck", "compose.yaml",
     ('test: ["CMD", "herald", "ping"', 'test: ["CMD-SHELL", "herald ping"'), "exec form"),
    ("a variable the channel does not read", "compose.yaml",
     ("HERALD_CHANNEL_ENDPOINT: tcp://core:7401", "HERALD_CHANNEL_ENDPOINT: tcp://core:7401\n    HERALD_CORE_ENDPOINT: x"),
     "HERALD_CORE_ENDPOINT is not read by herald-webhook"),
    ("a template variable no program reads", "herald.env.example",
     ("TWILIO_AUTH_TOKEN=\n", "TWILIO_AUTH_TOKEN=\nTWILIO_FROM=\n"), "TWILIO_FROM is not read by herald-sms-twilio"),
    ("a variable under the wrong program", "herald.env.example",
     ("## herald-sms-twilio\n", "## herald-sms-twilio\nVONAGE_NUMBER=\n"), "VONAGE_NUMBER is not read by herald-sms-twilio"),
    ("a variable left out of the template", "herald.env.example",
     ("# SMTP_TIMEOUT=45\n", ""), "SMTP_TIMEOUT, which herald-email-smtp reads, is not documented"),
    ("a port published on every address", "compose.yaml",
     ('"127.0.0.1:7402:7402"', '"7402:7402"'), "beyond the host's loopback"),
    ("a database outside the volume", "compose.yaml",
     ("- /var/lib/herald/herald.db", "- /tmp/herald.db"), "is not on a named volume"),
    ("channels sent to a port the core does not bind", "compose.yaml",
     ("HERALD_CHANNEL_ENDPOINT: tcp://core:7401", "HERALD_CHANNEL_ENDPOINT: tcp://core:7411"),
     "is not the channel endpoint of a core service"),
    ("a key file outside every mounted volume", "compose.yaml",
     ("HERALD_CURVE_SECRET_KEY: /keys/channel.key", "HERALD_CURVE_SECRET_KEY: /secrets/channel.key"),
     "HERALD_CURVE_SECRET_KEY /secrets/channel.key is not on a volume"),
    ("a key folder herald keys init does not make", "compose.yaml",
     ("volume: {subpath: channel}", "volume: {subpath: channels}"), "subpath channels is not a folder"),
    ("a healthcheck watching another port", "compose.yaml",
     (":1CE9 01 ", ":1CEA 01 "), "port 1CEA"),
    ("a COPY from a stage that does not exist", "Dockerfile",
     ("COPY --from=build /out/bin/heraldd", "COPY --from=builder /out/bin/heraldd"), "no earlier stage is called builder"),
    ("a runtime stage without libzmq", "Dockerfile",
     ("libzmq5 libcurl4", "libcurl4"), "does not install libzmq5"),
    ("a build stage without libcurl's headers", "Dockerfile",
     ("libzmq3-dev libcurl4-openssl-dev", "libzmq3-dev"), "does not install libcurl4-openssl-dev"),
    ("a Swift image older than Package.swift", "Dockerfile",
     ("FROM swift:6.3-bookworm", "FROM swift:5.10-bookworm"), "older than Package.swift"),
    # compose.postgres.yaml, checked merged into compose.yaml.
    ("a literal password in the database URL", "compose.postgres.yaml",
     ("HERALD_DB: postgres://herald:${HERALD_POSTGRES_PASSWORD:?set HERALD_POSTGRES_PASSWORD in .env "
      "(docs/operations.md)}@", "HERALD_DB: postgres://herald:hunter2@"), "a URL has a literal password"),
    ("a literal password for the PostgreSQL server", "compose.postgres.yaml",
     ("POSTGRES_PASSWORD: ${HERALD_POSTGRES_PASSWORD:?set HERALD_POSTGRES_PASSWORD in .env (docs/operations.md)}\n",
      "POSTGRES_PASSWORD: hunter2\n"), "POSTGRES_PASSWORD is a literal secret"),
    ("a password Compose may substitute empty", "compose.postgres.yaml",
     ("${HERALD_POSTGRES_PASSWORD:?set HERALD_POSTGRES_PASSWORD in .env (docs/operations.md)}",
      "${HERALD_POSTGRES_PASSWORD}"), "must be required everywhere: ${HERALD_POSTGRES_PASSWORD:?why}"),
    ("the database URL on the command line", "compose.postgres.yaml",
     ("      - --core-id\n      - core-2\n",
      "      - --db\n      - postgres://herald:${HERALD_POSTGRES_PASSWORD:?x}@postgres:5432/herald\n"
      "      - --core-id\n      - core-2\n"), "give it in HERALD_DB"),
    ("two cores with one --core-id", "compose.postgres.yaml",
     ("      - core-2\n", "      - core-1\n"), "share --core-id core-1"),
    ("a core on PostgreSQL without --core-id", "compose.postgres.yaml",
     ("      - --core-id\n      - core-2\n", ""), "without --core-id"),
    ("a core that does not wait for its database", "compose.postgres.yaml",
     ("    depends_on:\n      postgres:\n        condition: service_healthy\n\n", "\n"),
     "does not wait for postgres"),
    ("channels sent to a core that does not exist", "compose.postgres.yaml",
     ("tcp://core:7401,tcp://core-2:7401", "tcp://core:7401,tcp://core-3:7401"),
     "tcp://core-3:7401 is not the channel endpoint of a core service"),
    ("a gateway sent to a channel endpoint", "compose.postgres.yaml",
     ("tcp://core:7402,tcp://core-2:7402", "tcp://core:7402,tcp://core-2:7401"),
     "tcp://core-2:7401 is not the admin endpoint of a core service"),
    ("a third-party image without a version", "compose.postgres.yaml",
     ("image: postgres:16-bookworm", "image: postgres:latest"), "not pinned to a version"),
    ("PostgreSQL's data outside a named volume", "compose.postgres.yaml",
     ("- herald-postgres:/var/lib/postgresql/data", "- ./postgres-data:/var/lib/postgresql/data"),
     "is not on a named volume"),
    ("a shell-form healthcheck for PostgreSQL", "compose.postgres.yaml",
     ('test: ["CMD", "pg_isready"', 'test: ["CMD-SHELL", "pg_isready"'), "exec form"),
    ("an override that is not valid Compose", "compose.postgres.yaml",
     ("    stop_grace_period: 1m\n", "    stop_grace_period: 1m\n    restart_policy: always\n"),
     "'restart_policy' was unexpected"),
]


def self_test(root, package, schema):
    files = ["compose.yaml", *OVERLAYS, "herald.env.example", "Dockerfile"]
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)

        def run(broken=None):
            for name in files:
                shutil.copy(root / name, scratch / name)
            if broken:
                name, (old, new) = broken
                text = (scratch / name).read_text(encoding="utf-8")
                if old not in text:
                    return None
                (scratch / name).write_text(text.replace(old, new, 1), encoding="utf-8")
            return check(root, scratch / "compose.yaml", scratch / "Dockerfile", package, schema)

        untouched = run()
        if untouched:
            print("check-compose: self-test: the unbroken copy is refused:", *untouched.items, sep="\n  ")
            return 1
        for title, name, edit, expected in BROKEN:
            problems = run((name, edit))
            if problems is None:
                print(f"check-compose: self-test: cannot break {name} for '{title}': {edit[0]!r} is not in it")
                failures += 1
            elif not any(expected in item for item in problems.items):
                print(f"check-compose: self-test: {title}: expected a problem with {expected!r}, got:",
                      *(problems.items or ["nothing"]), sep="\n  ")
                failures += 1
            else:
                print(f"check-compose: self-test: refused {title}: {next(i for i in problems.items if expected in i)}")
    if failures:
        print(f"check-compose: self-test: {failures} of {len(BROKEN)} broken copies were not refused as expected")
        return 1
    print(f"check-compose: self-test: all {len(BROKEN)} broken copies refused")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--self-test", action="store_true",
                        help="also check broken copies of the files, each of which must be refused")
    parser.add_argument("--compose", type=Path, default=ROOT / "compose.yaml")
    parser.add_argument("--dockerfile", type=Path, default=ROOT / "Dockerfile")
    parser.add_argument("--schema", help="a compose-spec.json to use instead of the one from PyPI")
    arguments = parser.parse_args()

    package = Package(ROOT)
    schema = load_schema(arguments.schema)
    problems = check(ROOT, arguments.compose, arguments.dockerfile, package, schema)
    if problems:
        print("check-compose: refused:", *problems.items, sep="\n  ", file=sys.stderr)
        return 1
    overlays = [name for name in OVERLAYS if (arguments.compose.parent / name).exists()]
    print(f"check-compose: {', '.join([arguments.compose.name, *overlays])}, their env file templates and "
          f"{arguments.dockerfile.name} are consistent with the Compose Specification and the sources")
    return self_test(ROOT, package, schema) if arguments.self_test else 0


if __name__ == "__main__":
    sys.exit(main())
