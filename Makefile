# The two commands a newcomer runs (as root, on a fresh machine):
#   make demo    install what is missing, build, run the bundled example
#   make check   install what is missing, build, run the whole test suite
BUILD ?= build
IMAGE ?= localhost/syscage:latest
MESON_OPTS ?=

.PHONY: all deps build demo check clean format image

all: build

deps:
	@tools/install-deps

$(BUILD)/build.ninja:
	meson setup $(BUILD) $(MESON_OPTS)

build: deps $(BUILD)/build.ninja
	ninja -C $(BUILD)

demo: build
	@examples/demo.sh $(BUILD)/syscage

check: build
	@meson test -C $(BUILD) --print-errorlogs --num-processes 2 >$(BUILD)/test-output.txt 2>&1; \
	tail -n 20 $(BUILD)/test-output.txt; \
	tools/test-summary $(BUILD)

# An OCI image of the agent from scratch (buildah): the binary and the libraries it links.
image: build
	tools/build-image --name $(IMAGE) $(BUILD)/syscage

format:
	git ls-files '*.c' '*.h' | xargs clang-format -i

clean:
	rm -rf $(BUILD) build-asan build-fuzz
