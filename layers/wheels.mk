# Included by the Makefiles SAM runs (`BuildMethod: makefile`): install a requirements file exported from
# poetry.lock (a complete closure with hashes) as wheels that run on Lambda, and compile them.
# python3.13 runs on Amazon Linux 2023 (glibc 2.34): any manylinux wheel up to manylinux_2_34 of the
# template's architecture fits (ARCH=aarch64 for arm64). Bytecode is compiled here because /opt and
# /var/task are read-only on Lambda: without it every cold start compiles pydantic, SQLAlchemy... from source.
PYTHON ?= python3.13
ARCH ?= x86_64
LAMBDA_PYTHON := 3.13
PLATFORMS := $(foreach minor,$(shell seq 5 34),--platform manylinux_2_$(minor)_$(ARCH)) \
	--platform manylinux2014_$(ARCH)

# $(call install-wheels,requirements file,target folder)
define install-wheels
@echo "pip install --requirement $(1): manylinux <= 2_34 $(ARCH) wheels for CPython $(LAMBDA_PYTHON)"
@"$(PYTHON)" -m pip install --quiet --disable-pip-version-check --no-deps --no-compile --only-binary=:all: \
	--require-hashes $(PLATFORMS) --implementation cp --python-version $(LAMBDA_PYTHON) \
	--target "$(2)" --requirement "$(1)"
"$(PYTHON)" -m compileall -q -j 0 --invalidation-mode unchecked-hash "$(2)"
endef
